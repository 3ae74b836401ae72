// The one way a value reaches a remote shell. Every interpolated value is quoted;
// only ShellCommand fragments (themselves built here) pass through as shell syntax.
//
// Quoting follows the POSIX single-quote rule (as Python's shlex.quote does): a value
// made only of safe characters stays bare, anything else is wrapped in single quotes
// with each ' written as '\''. Inside single quotes the shell expands nothing, so
// `; rm -rf /`, `$(…)`, backticks and newlines arrive as literal bytes.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quote(value: string | number): string {
  const s = String(value);
  if (s === '') return "''";
  if (SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A piece of shell text whose every variable part has been quoted. */
export class ShellCommand {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type ShellValue = string | number | ShellCommand | readonly (string | number | ShellCommand)[];

function render(value: ShellValue): string {
  if (value instanceof ShellCommand) return value.text;
  if (Array.isArray(value)) return value.map((v) => render(v as ShellValue)).join(' ');
  return quote(value as string | number);
}

/**
 * Tagged template: the literal parts are shell syntax written by us, the
 * interpolations are data and are quoted. Arrays become space-separated words.
 *   sh`cd ${dir} && git pull ${remote}`
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellCommand {
  let text = strings[0] ?? '';
  values.forEach((v, i) => {
    text += render(v) + (strings[i + 1] ?? '');
  });
  return new ShellCommand(text);
}

/** argv-style: each word quoted, joined by spaces. */
export function cmd(...words: ShellValue[]): ShellCommand {
  return new ShellCommand(
    words
      .map(render)
      .filter((w) => w !== '')
      .join(' '),
  );
}
