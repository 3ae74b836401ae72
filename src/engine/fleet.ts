// The parts of a many-host run that are not about any one host: how many run at once,
// in what order results are printed, and the summary line. The runner does the rest.
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/** The fan-out options a task that takes many hosts accepts (see program.ts). */
export interface FleetFlags {
  inventory?: string;
  concurrency?: number;
  failFast: boolean;
  maxHosts?: number;
  internal: boolean;
}

export const DEFAULT_CONCURRENCY = 20;
export const DEFAULT_MAX_HOSTS = 1000;

/** One host's share of the run: the words and options its task runs with. */
export interface FleetUnit {
  /** How its lines are labelled: the host name, or the instance name for --count. */
  label: string;
  words: string[];
  options: Record<string, unknown>;
  /** Known before it starts to be impossible (a tagged instance without an address). */
  problem?: string;
}

export type Outcome = { host: string; ok: true; result: unknown } | { host: string; ok: false; error: string; code: number; notRun?: true };

/**
 * The soft limit on open files (Linux's /proc), or undefined where it cannot be read.
 * Each host holds a socket and, briefly, sftp and child-process pipes.
 */
export function openFileLimit(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(read('/proc/self/limits'));
    if (!m || m[1] === 'unlimited') return undefined;
    return Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Hosts at once: the asked number (or 20), kept below what the open-file limit allows. */
export function concurrencyFor(asked: number | undefined, fileLimit: number | undefined, warn: (t: string) => void): number {
  const wanted = asked ?? DEFAULT_CONCURRENCY;
  if (fileLimit === undefined) return wanted;
  // 64 descriptors for the process itself; four per host (socket, pipes, a spare).
  const cap = Math.max(1, Math.floor((fileLimit - 64) / 4));
  if (wanted <= cap) return wanted;
  if (asked !== undefined) warn(`--concurrency ${asked}: the open-file limit (${fileLimit}) allows ${cap} hosts at once; running ${cap}`);
  return cap;
}

/** The value as given: commander passes a string, so only a non-string needs spelling out. */
const asTyped = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function checkConcurrency(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency wants a whole number of hosts, 1 or more, not '${asTyped(value)}'`);
  return n;
}

export function checkMaxHosts(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_HOSTS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-hosts wants a whole number, 1 or more, not '${asTyped(value)}'`);
  return n;
}

/**
 * Runs `work(i)` for i = 0…count-1, at most `concurrency` at once, in order of i. Once
 * `stop()` says so, nothing more starts; what did not start stays undefined.
 */
export async function schedule<T>(count: number, concurrency: number, work: (i: number) => Promise<T>, stop: () => boolean): Promise<(T | undefined)[]> {
  const results = new Array<T | undefined>(count).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < count && !stop()) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * Prints each host's result lines (`HOST<TAB>line`) as soon as every host before it in
 * the given order has finished, so stdout is in the order given however hosts finish.
 */
export class OrderedPrinter {
  private readonly done: (string[] | undefined)[];
  private next = 0;
  constructor(
    count: number,
    private readonly write: (text: string) => void,
  ) {
    this.done = new Array<string[] | undefined>(count).fill(undefined);
  }

  /** Host i finished: its stdout lines (none for a failed host). */
  finished(i: number, lines: string[]): void {
    this.done[i] = lines;
    while (this.next < this.done.length && this.done[this.next] !== undefined) {
      const ready = this.done[this.next++]!;
      if (ready.length) this.write(ready.join('\n'));
    }
  }
}

/** `HOST<TAB>line` for every line of a bare result; a result with no text is `HOST<TAB>`. */
export function resultLines(host: string, text: string | undefined): string[] {
  return (text ?? '').split('\n').map((line) => `${host}\t${line}`);
}

/** `5 hosts: 4 ok, 1 failed (web3: …)`: the last line of a many-host run. */
export function summaryLine(outcomes: readonly Outcome[]): string {
  const ok = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok && !o.notRun);
  const notRun = outcomes.length - ok - failed.length;
  const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
  // Most errors already begin with the host they happened on: name it once.
  const own = (o: { host: string; error: string }) => (o.error.startsWith(`${o.host}: `) ? o.error.slice(o.host.length + 2) : o.error);
  const named = failed.slice(0, 3).map((o) => `${o.host}: ${clip(own(o))}`);
  if (failed.length > 3) named.push(`${failed.length - 3} more`);
  let line = `${outcomes.length} host${outcomes.length === 1 ? '' : 's'}: ${ok} ok, ${failed.length} failed`;
  if (named.length) line += ` (${named.join('; ')})`;
  if (notRun) line += `, ${notRun} not run`;
  return line;
}
