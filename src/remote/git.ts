// git on a remote host. Every command names its repository with `git -C DIR`, so a wrong
// directory fails the command instead of running git somewhere else (the original's
// `cd DIR ; git …` carried on in the home directory), and every non-zero exit fails the
// task with the command and git's last stderr lines.
import { posix } from 'node:path';
import { cmd, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

export interface CloneOptions {
  destdir?: string;
  destname?: string;
  bare?: boolean;
  branch?: string;
}

/** Where a clone goes: DESTDIR/DESTNAME, the name defaulting to the URL's last part without .git. */
export function cloneDestination(url: string, o: CloneOptions): string {
  const last =
    url
      .replace(/[/:]+$/, '')
      .split(/[/:]/)
      .pop() ?? 'repo';
  const name = o.destname ?? `${last.replace(/\.git$/, '')}${o.bare ? '.git' : ''}`;
  return o.destdir ? posix.join(o.destdir, name) : name;
}

const git = (dir: string, ...words: (string | ShellCommand)[]): ShellCommand => cmd('git', '-C', dir, ...words);

export const gitCommands = {
  clone: (url: string, dest: string, o: CloneOptions): ShellCommand =>
    cmd('git', 'clone', '--quiet', ...(o.bare ? ['--bare'] : []), ...(o.branch ? ['--branch', o.branch] : []), '--', url, dest),
  checkout: (dir: string, branch: string, o: { remote?: string; track?: boolean }): ShellCommand =>
    o.track ? git(dir, 'checkout', '--quiet', '--track', `${o.remote ?? 'origin'}/${branch}`) : git(dir, 'checkout', '--quiet', branch),
  /** The remote's default branch as `origin/main`; empty output when the remote has no HEAD. */
  remoteHead: (dir: string, remote: string): ShellCommand => git(dir, 'symbolic-ref', '--quiet', '--short', `refs/remotes/${remote}/HEAD`),
  /** `git pull` or `git fetch` from a remote, optionally one branch. */
  sync: (verb: 'pull' | 'fetch', dir: string, remote: string, branch?: string): ShellCommand => git(dir, verb, '--quiet', remote, ...(branch ? [branch] : [])),
  /** The `*` is part of a quoted word: git matches it, the shell never globs it. */
  tags: (dir: string, prefix?: string): ShellCommand => git(dir, 'tag', '--list', ...(prefix ? [`${prefix}*`] : [])),
  submoduleInit: (dir: string): ShellCommand => git(dir, 'submodule', '--quiet', 'init'),
  submoduleUpdate: (dir: string, o: { init?: boolean; recursive?: boolean }): ShellCommand =>
    git(dir, 'submodule', '--quiet', 'update', ...(o.init ? ['--init'] : []), ...(o.recursive ? ['--recursive'] : [])),
};

export async function gitClone(host: RemoteHost, url: string, o: CloneOptions): Promise<string> {
  const dest = cloneDestination(url, o);
  await host.run(gitCommands.clone(url, dest, o));
  return dest;
}

/**
 * Checks out BRANCH, or without one the branch the remote calls its default
 * (refs/remotes/REMOTE/HEAD), falling back to master as the original did.
 */
export async function gitCheckout(host: RemoteHost, dir: string, branch: string | undefined, o: { remote: string; track?: boolean }): Promise<string> {
  let target = branch;
  if (!target) {
    const head = await host.run(gitCommands.remoteHead(dir, o.remote), { readOnly: true, allowExit: 'any' });
    const ref = head.code === 0 ? head.stdout[0]?.trim() : undefined;
    target = ref?.startsWith(`${o.remote}/`) ? ref.slice(o.remote.length + 1) : 'master';
  }
  await host.run(gitCommands.checkout(dir, target, o));
  return target;
}

export async function gitSync(host: RemoteHost, verb: 'pull' | 'fetch', dir: string, remote: string, branch?: string): Promise<void> {
  await host.run(gitCommands.sync(verb, dir, remote, branch));
}

export async function gitTags(host: RemoteHost, dir: string, prefix?: string): Promise<string[]> {
  const r = await host.run(gitCommands.tags(dir, prefix), { readOnly: true });
  return r.stdout.map((l) => l.trim()).filter((l) => l !== '');
}

export async function gitSubmoduleInit(host: RemoteHost, dir: string): Promise<void> {
  await host.run(gitCommands.submoduleInit(dir));
}

export async function gitSubmoduleUpdate(host: RemoteHost, dir: string, o: { init?: boolean; recursive?: boolean }): Promise<void> {
  await host.run(gitCommands.submoduleUpdate(dir, o));
}
