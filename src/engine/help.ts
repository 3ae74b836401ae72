// `list` and the usage lines, rendered from the registry alone (no SDK, no ssh2).
import { upper } from './bind.js';
import { allTasks } from './registry.js';
import { flagName, type AnyTask } from './task.js';

export const BIN = 'origin-setup';

/** `ec2:instance:create --name=NAME --image=IMAGE [options]`, as Thor printed it. */
export function usageLine(task: AnyTask): string {
  const words: string[] = [task.name];
  for (const a of task.args) {
    const n = upper(a.name) + (a.variadic ? '...' : '');
    words.push(a.optional ? `[${n}]` : n);
  }
  for (const [key, spec] of Object.entries(task.options)) {
    if (spec.required) words.push(`--${flagName(key)}=${spec.placeholder ?? upper(key)}`);
  }
  if (Object.values(task.options).some((o) => !o.required)) words.push('[options]');
  return words.join(' ');
}

export function namespaceOf(name: string): string {
  return name.split(':').slice(0, -1).join(':');
}

/**
 * `list` alone: the namespaces and how many tasks each has. `list NS`: the tasks in NS
 * and below it. `list --all`: every task.
 */
export function renderList(namespace: string | undefined, all: boolean): string {
  if (!namespace && !all) {
    const counts = new Map<string, number>();
    for (const t of allTasks) counts.set(namespaceOf(t.name), (counts.get(namespaceOf(t.name)) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    const lines = [...counts].map(([ns, n]) => `${ns.padEnd(width)}  ${n} task${n === 1 ? '' : 's'}`);
    return [...lines, '', `${BIN} list NAMESPACE shows its tasks; ${BIN} list --all shows every task.`].join('\n');
  }
  const prefix = namespace?.replace(/:$/, '');
  const tasks = allTasks.filter((t) => !prefix || t.name === prefix || t.name.startsWith(`${prefix}:`));
  if (tasks.length === 0) return '';
  const rows = tasks.map((t) => [`${BIN} ${usageLine(t)}`, t.summary] as const);
  const width = Math.max(...rows.map(([u]) => u.length));
  return rows.map(([u, s]) => `${u.padEnd(width)}  # ${s}`).join('\n');
}

export function knownNamespaces(): Set<string> {
  const out = new Set<string>();
  for (const t of allTasks) {
    const parts = t.name.split(':');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join(':'));
  }
  return out;
}

/** The closest task names, for "did you mean". */
export function suggest(word: string): string[] {
  const names = allTasks.map((t) => t.name);
  const scored = names
    .map((n) => ({ n, d: distance(word, n) }))
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
