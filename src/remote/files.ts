// File operations on a remote host, shared by the remote:file tasks and by the puppet and
// origin workflows. Every path is a quoted word after `--`, so a name starting with `-` is
// never read as an option, and a failing command fails the task (the SSH layer raises on
// a non-zero exit).
import { cmd, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

export interface Privilege {
  /** Run as root (through `sudo -n` unless the login user is root). */
  sudo?: boolean;
}

export interface TreeOptions extends Privilege {
  recursive?: boolean;
}

const flag = (on: boolean | undefined, word: string) => (on ? [word] : []);

export const fileCommands = {
  copy: (src: string, dest: string, o: { recursive?: boolean; force?: boolean } = {}): ShellCommand =>
    cmd('cp', ...flag(o.recursive, '-r'), ...flag(o.force, '-f'), '--', src, dest),
  /** With verbose, rm names each file it removed: no output means nothing was there. */
  remove: (path: string, o: { recursive?: boolean; force?: boolean; verbose?: boolean } = {}): ShellCommand =>
    cmd('rm', ...flag(o.recursive, '-r'), ...flag(o.force, '-f'), ...flag(o.verbose, '-v'), '--', path),
  touch: (path: string): ShellCommand => cmd('touch', '--', path),
  mkdir: (path: string, o: { parents?: boolean } = {}): ShellCommand => cmd('mkdir', ...flag(o.parents, '-p'), '--', path),
  /** `user:` (trailing colon) gives the file the user's login group, whatever it is named. */
  chown: (path: string, user: string, group: string | undefined, o: { recursive?: boolean } = {}): ShellCommand =>
    cmd('chown', ...flag(o.recursive, '-R'), '--', `${user}:${group ?? ''}`, path),
  chmod: (path: string, mode: string, o: { recursive?: boolean } = {}): ShellCommand => cmd('chmod', ...flag(o.recursive, '-R'), '--', mode, path),
  chgrp: (path: string, group: string, o: { recursive?: boolean } = {}): ShellCommand => cmd('chgrp', ...flag(o.recursive, '-R'), '--', group, path),
  /** -f replaces an existing link and -n does not descend into a link to a directory: re-running is a no-op. */
  symlink: (target: string, link: string): ShellCommand => cmd('ln', '-sfn', '--', target, link),
};

export async function copyFile(host: RemoteHost, src: string, dest: string, o: TreeOptions & { force?: boolean } = {}): Promise<void> {
  await host.run(fileCommands.copy(src, dest, o), { sudo: o.sudo });
}

export async function removeFile(host: RemoteHost, path: string, o: TreeOptions & { force?: boolean } = {}): Promise<void> {
  await host.run(fileCommands.remove(path, o), { sudo: o.sudo });
}

/** Removes PATH if it is there; true when something was removed. */
export async function removeIfPresent(host: RemoteHost, path: string, o: Privilege = {}): Promise<boolean> {
  const r = await host.run(fileCommands.remove(path, { force: true, verbose: true }), { sudo: o.sudo });
  return r.stdout.some((l) => l.trim() !== '');
}

export async function touchFile(host: RemoteHost, path: string, o: Privilege = {}): Promise<void> {
  await host.run(fileCommands.touch(path), { sudo: o.sudo });
}

export async function makeDirectory(host: RemoteHost, path: string, o: Privilege & { parents?: boolean } = {}): Promise<void> {
  await host.run(fileCommands.mkdir(path, o), { sudo: o.sudo });
}

/** chown needs root unless the file is already ours, so it always runs through sudo. */
export async function changeOwner(host: RemoteHost, path: string, user: string, group?: string, o: { recursive?: boolean } = {}): Promise<void> {
  await host.run(fileCommands.chown(path, user, group, o), { sudo: true });
}

export async function changeMode(host: RemoteHost, path: string, mode: string, o: TreeOptions = {}): Promise<void> {
  await host.run(fileCommands.chmod(path, mode, o), { sudo: o.sudo });
}

export async function changeGroup(host: RemoteHost, path: string, group: string, o: TreeOptions = {}): Promise<void> {
  await host.run(fileCommands.chgrp(path, group, o), { sudo: o.sudo });
}

export async function symlink(host: RemoteHost, target: string, link: string, o: Privilege = {}): Promise<void> {
  await host.run(fileCommands.symlink(target, link), { sudo: o.sudo });
}
