// Pure pieces of running a command: how output becomes lines, how sudo is put in
// front, how sudo's refusals are recognised, and how scaled timeouts are bounded.
import { cmd, type ShellCommand } from './quote.js';

/** Whole output split into lines on \r\n or \n, without the empty string after a final newline. */
export function splitLines(data: Buffer | string): string[] {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `sudo -n sh -c '<command>'`: -n so a sudo that wants a password fails at once instead of waiting. */
export function sudoWrap(command: ShellCommand): string {
  return cmd('sudo', '-n', 'sh', '-c', command.text).text;
}

const TTY_DEMAND = /sorry, you must have a tty to run sudo/;
const PASSWORD_DEMAND = /^sudo: (a password is required|a terminal is required to read the password)/m;

export function sudoWantsTty(lines: readonly string[]): boolean {
  return lines.some((l) => TTY_DEMAND.test(l));
}

export function sudoWantsPassword(lines: readonly string[]): boolean {
  return PASSWORD_DEMAND.test(lines.join('\n'));
}

/**
 * A scaled wait in milliseconds. The time scale (tests run at 0.001) speeds up polling,
 * but a handshake or a command still needs real time, so the result never drops below
 * min(the unscaled wait, 5 s).
 */
export function scaledMs(seconds: number, timeScale: number): number {
  return Math.round(Math.max(seconds * timeScale, Math.min(seconds, 5)) * 1000);
}

export function exitAccepted(code: number, allow: readonly number[] | 'any' | undefined): boolean {
  if (code === 0 || allow === 'any') return true;
  return allow?.includes(code) ?? false;
}

/** The last few non-empty lines, for error messages. */
export function tail(lines: readonly string[], n = 5): string[] {
  return lines.filter((l) => l.trim() !== '').slice(-n);
}

/**
 * What a failed command said last, for its error: stdout's last lines, then stderr's,
 * each line once, at most `n` (half each when both have more). Tools put the reason on
 * either: yum prints "No package nosuch available." on stdout and only "Error: Nothing to
 * do" on stderr.
 */
export function outputTail(r: { stdout: readonly string[]; stderr: readonly string[] }, n = 10): string[] {
  // A repeated line is kept where it last appeared.
  const once = (lines: readonly string[]) =>
    [
      ...new Set(
        lines
          .map((l) => l.trim())
          .filter((l) => l !== '')
          .reverse(),
      ),
    ].reverse();
  const out = once(tail(r.stdout, n * 2));
  const err = once(tail(r.stderr, n * 2)).filter((l) => !out.includes(l));
  const fromErr = Math.min(err.length, Math.max(Math.ceil(n / 2), n - out.length));
  const fromOut = Math.min(out.length, n - fromErr);
  return [...out.slice(out.length - fromOut), ...err.slice(err.length - fromErr)];
}
