// What the stand-ins recorded, as one line per call (`systemctl start httpd`), with
// sudo's own line left out: tests assert sudo wrapping separately, where it matters.
import type { Sshd, StandInCall } from '../support/sshd.js';

export const line = (c: StandInCall) => [c.name, ...c.args].join(' ');

/** Calls other than sudo (and other than the names given). */
export function recorded(sshd: Sshd, ignore: readonly string[] = []): string[] {
  return sshd
    .calls()
    .filter((c) => c.name !== 'sudo' && !ignore.includes(c.name))
    .map(line);
}

/** The commands sudo was asked to run (`sudo -n sh -c CMD` → CMD). */
export function sudoed(sshd: Sshd): string[] {
  return sshd
    .calls()
    .filter((c) => c.name === 'sudo')
    .map((c) => {
      const [n, shell, dashC, command, ...rest] = c.args;
      if (n !== '-n' || shell !== 'sh' || dashC !== '-c' || rest.length) throw new Error(`unexpected sudo call: ${line(c)}`);
      return command!;
    });
}
