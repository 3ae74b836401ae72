// Running Puppet itself (`puppet apply`, `puppet agent --onetime`). With
// --detailed-exitcodes Puppet answers 0 (nothing to change), 2 (changes applied),
// 4 (failures), 6 (changes and failures); 1 means it could not run at all.
import { OriginError } from '../engine/errors.js';
import type { ShellCommand } from '../ssh/quote.js';
import type { ExecResult, RemoteHost } from '../ssh/types.js';

export interface PuppetRun {
  host: string;
  /** Puppet's exit code: 0 or 2. */
  code: number;
  changed: boolean;
  /** Puppet's report lines (Info:/Notice:/Warning: …). */
  output: string[];
}

const MEANING: Record<number, string> = { 1: 'Puppet could not run', 4: 'some resources failed', 6: 'changes were applied and some resources failed' };

/** Turns Puppet's detailed exit code into a result, or an error quoting its Error: lines. */
export function puppetOutcome(hostName: string, what: string, r: ExecResult): PuppetRun {
  const output = [...r.stdout, ...r.stderr];
  if (r.code === 0 || r.code === 2) return { host: hostName, code: r.code, changed: r.code === 2, output: r.stdout };
  const errors = output.filter((l) => /^(Error|Err):/.test(l.trim()));
  const tail = (errors.length ? errors : output).slice(-5).join(' | ');
  throw new OriginError(`${hostName}: ${what} exited ${r.code} (${MEANING[r.code] ?? 'failed'})${tail ? `: ${tail}` : ''}`, {
    hint: 'run it again with --verbose, or read the Puppet log on the host',
  });
}

export async function runPuppet(host: RemoteHost, what: string, command: ShellCommand): Promise<PuppetRun> {
  const r = await host.run(command, { sudo: true, allowExit: 'any' });
  return puppetOutcome(host.name, what, r);
}
