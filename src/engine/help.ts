// `list` and the usage lines, rendered from the catalogue alone (no task code, no SDK,
// no ssh2), so the quick entry (src/quick.ts) can answer `list` from dist/catalogue.json.
import type { CatalogueTask } from './catalogue.js';

export { usageLine } from './catalogue.js';

export const BIN = 'origin-setup';

export function namespaceOf(name: string): string {
  return name.split(':').slice(0, -1).join(':');
}

/**
 * `list` alone: the namespaces and how many tasks each has. `list NS`: the tasks in NS
 * and below it. `list --all`: every task. At a terminal `width` columns wide, a summary
 * is shortened at a word boundary to fit; piped, lines are whole.
 */
export function renderList(tasks: readonly CatalogueTask[], namespace: string | undefined, all: boolean, width?: number): string {
  if (!namespace && !all) {
    const counts = new Map<string, number>();
    for (const t of tasks) counts.set(namespaceOf(t.name), (counts.get(namespaceOf(t.name)) ?? 0) + 1);
    const col = Math.max(...[...counts.keys()].map((k) => k.length));
    const lines = [...counts].map(([ns, n]) => `${ns.padEnd(col)}  ${n} task${n === 1 ? '' : 's'}`);
    return [...lines, '', `${BIN} list NAMESPACE shows its tasks; ${BIN} list --all shows every task.`].join('\n');
  }
  const chosen = tasksIn(tasks, namespace);
  if (chosen.length === 0) return '';
  const rows = chosen.map((t) => [`${BIN} ${t.usage}`, t.summary] as const);
  const col = Math.max(...rows.map(([u]) => u.length));
  return rows.map(([u, s]) => listLine(u, s, col, width)).join('\n');
}

/** The tasks in a namespace and below it (all without one). */
export function tasksIn(tasks: readonly CatalogueTask[], namespace: string | undefined): CatalogueTask[] {
  const prefix = namespace?.replace(/:$/, '');
  return tasks.filter((t) => !prefix || t.name === prefix || t.name.startsWith(`${prefix}:`));
}

function listLine(usage: string, summary: string, col: number, width: number | undefined): string {
  const full = `${usage.padEnd(col)}  # ${summary}`;
  if (width === undefined || full.length <= width) return full;
  // When the usage column leaves too little room, the summary goes under it, indented.
  const room = width - col - 4;
  if (room >= 24) return `${usage.padEnd(col)}  # ${shorten(summary, room)}`;
  return `${usage}\n    # ${shorten(summary, width - 6)}`;
}

/** Cut at the last word boundary that fits, with an ellipsis; never mid-word. */
export function shorten(text: string, room: number): string {
  if (text.length <= room) return text;
  const cut = text.slice(0, Math.max(0, room - 1));
  const space = cut.lastIndexOf(' ');
  return `${(space > 0 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

export function knownNamespaces(tasks: readonly CatalogueTask[]): Set<string> {
  const out = new Set<string>();
  for (const t of tasks) {
    const parts = t.name.split(':');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join(':'));
  }
  return out;
}

/** The closest task names, for "did you mean". */
export function suggest(tasks: readonly CatalogueTask[], word: string): string[] {
  const scored = tasks
    .map((t) => ({ n: t.name, d: distance(word, t.name) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(word.length / 4)) || n.startsWith(word))
    .sort((a, b) => a.d - b.d);
  return scored.slice(0, 3).map((s) => s.n);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
