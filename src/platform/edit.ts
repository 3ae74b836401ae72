// Line edits of small system files (/etc/hosts, /etc/sysconfig/network, cloud.cfg,
// /etc/selinux/config) done in TypeScript instead of sed: the file is read, changed as
// a list of lines, and written back only when something changed. A host name or value
// is then data compared with ===, never a regex, so `web.example.com` cannot match
// `web-example-com` and a re-run changes nothing.
import { NotFoundError } from '../engine/errors.js';
import { cmd } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

/** Lines of a remote file, or undefined when it does not exist. A probe: it runs under --dry-run. */
export async function readLines(host: RemoteHost, path: string, o: { sudo?: boolean } = {}): Promise<string[] | undefined> {
  const r = await host.run(cmd('cat', '--', path), { sudo: o.sudo, readOnly: true, allowExit: [0, 1] });
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * Replaces a file's content in place (`cat > FILE` keeps its inode, owner, mode and
 * SELinux label, which a new file moved over it would lose).
 */
export async function writeLines(host: RemoteHost, path: string, lines: readonly string[], o: { sudo?: boolean } = {}): Promise<void> {
  const content = lines.length ? `${lines.join('\n')}\n` : '';
  await host.run(cmd('sh', '-c', 'cat > "$1"', 'sh', path), { sudo: o.sudo, stdin: content });
}

export const sameLines = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

export interface EditResult {
  changed: boolean;
}

/** Reads, edits and (only when the lines differ) writes back a file that must exist. */
export async function editLines(
  host: RemoteHost,
  path: string,
  edit: (lines: string[]) => string[],
  o: { sudo?: boolean; missing?: string } = {},
): Promise<EditResult> {
  const before = await readLines(host, path, o);
  if (before === undefined) throw new NotFoundError(`${host.name}: ${path} does not exist`, { hint: o.missing });
  const after = edit([...before]);
  const changed = !sameLines(before, after);
  if (changed) await writeLines(host, path, after, o);
  return { changed };
}

const fields = (line: string) => line.trim().split(/\s+/);

/**
 * Keeps exactly one `ADDR NAME [SHORT]` line in /etc/hosts: lines whose host name
 * field (the second) equals NAME are removed and the wanted line appended, unless the
 * one such line already says exactly that.
 */
export function setHostsEntry(lines: readonly string[], addr: string, name: string): string[] {
  const short = name.split('.')[0]!;
  const wanted = short !== name ? `${addr} ${name} ${short}` : `${addr} ${name}`;
  const isOurs = (l: string) => !l.trimStart().startsWith('#') && fields(l)[1] === name;
  const ours = lines.filter(isOurs);
  if (ours.length === 1 && fields(ours[0]!).join(' ') === wanted) return [...lines];
  return [...lines.filter((l) => !isOurs(l)), wanted];
}

/**
 * Sets KEY=VALUE in a shell-variable file (/etc/sysconfig/network, /etc/sysconfig/clock,
 * /etc/selinux/config): the first KEY= line is replaced, later ones dropped, and the
 * line appended when there was none.
 */
export function setShellVariable(lines: readonly string[], key: string, value: string): string[] {
  const line = `${key}=${value}`;
  const isKey = (l: string) => l.trimStart().startsWith(`${key}=`);
  const first = lines.findIndex(isKey);
  if (first < 0) return [...lines, line];
  return lines.flatMap((l, i) => (i === first ? [line] : isKey(l) ? [] : [l]));
}

/** Exactly one `preserve_hostname: true` in cloud.cfg, wherever the old ones were. */
export function setPreserveHostname(lines: readonly string[]): string[] {
  const line = 'preserve_hostname: true';
  const isIt = (l: string) => /^preserve_hostname\s*:/.test(l);
  const existing = lines.filter(isIt);
  if (existing.length === 1 && existing[0]!.trim() === line) return [...lines];
  return [...lines.filter((l) => !isIt(l)), line];
}
