// A model of how augtool turns its command line into words (augeas src/augrun.c,
// nexttoken/parseline, and aug_srun's split into lines), so tests can prove that what we
// send comes out of augtool's parser as the exact value we meant. Only what matters for
// `set PATH VALUE` / `get PATH` is modelled.

export class AugtoolParseError extends Error {}

function nextToken(line: string, start: number, path: boolean): { token: string; end: number } {
  let s = start;
  while (s < line.length && (line[s] === ' ' || line[s] === '\t')) s++;
  let out = '';
  let quot = '';
  let nbracket = 0;
  let nescaped = 0;
  while (s < line.length) {
    let c = line[s]!;
    let copy = true;
    if (c === '\\') {
      const n = line[s + 1];
      if (n === '[' || n === ']') nescaped = 2;
      else if (n === 't' || n === 'n') {
        s += 1;
        c = n === 't' ? '\t' : '\n';
        nescaped = 1;
      } else if ((n === ' ' || n === '\t') && quot) {
        // both pass through when quoted
      } else if ((n === "'" || n === '"') && quot && quot !== n) {
        // both pass through inside the other quote
      } else if (n === ' ' || n === '\t' || n === "'" || n === '"' || n === '\\') {
        s += 1;
        c = n;
        nescaped = 1;
      } else throw new AugtoolParseError('unknown escape sequence');
    }
    if (nescaped === 0) {
      if (c === '[') nbracket++;
      if (c === ']') nbracket--;
      if (nbracket < 0) throw new AugtoolParseError('unmatched [');
      if (!path || nbracket === 0) {
        if (!quot && (c === "'" || c === '"')) {
          quot = c;
          copy = false;
        } else if (quot && c === quot) {
          quot = '';
          copy = false;
        }
        if (!quot && (c === ' ' || c === '\t')) break;
      }
    } else nescaped--;
    if (copy) out += c;
    s++;
  }
  if (s >= line.length && path && nbracket > 0) throw new AugtoolParseError('unmatched [');
  if (s >= line.length && quot) throw new AugtoolParseError(`unmatched ${quot}`);
  return { token: out, end: s };
}

/** The words augtool sees for `augtool ARGS…` run with one command on its command line. */
export function augtoolWords(argv: readonly string[]): string[][] {
  // augtool joins its arguments with spaces; aug_srun then runs one command per line.
  const text = argv.map((a) => `${a} `).join('');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const words: string[] = [];
      let pos = 0;
      const first = nextToken(line, pos, false);
      words.push(first.token);
      pos = first.end;
      // set/get/match: the first argument is a path, the rest strings.
      let index = 0;
      while (pos < line.length) {
        while (pos < line.length && (line[pos] === ' ' || line[pos] === '\t')) pos++;
        if (pos >= line.length) break;
        const t = nextToken(line, pos, index === 0);
        words.push(t.token);
        pos = t.end;
        index++;
      }
      return words;
    });
}
