// Package manager command families: dnf, yum and apt-get. Every command is built with
// cmd()/sh`` so package names arrive as quoted words; the tasks validate them first.
import { cmd, sh, type ShellCommand } from '../ssh/quote.js';
import type { PackageCommands } from './types.js';

export interface PackageEntry {
  name: string;
  arch: string;
  version: string;
  repo: string;
}

const RPM_ARCHES = new Set(['noarch', 'x86_64', 'i386', 'i586', 'i686', 'aarch64', 'armv7hl', 'armhfp', 'ppc64', 'ppc64le', 's390x', 'src']);

/**
 * Reads `yum list` / `dnf list` output. Each entry is `name.arch version repo`, but yum
 * and dnf wrap a long name onto a line of its own, so words are gathered across lines
 * until an entry has its three columns. Header lines never start with `name.arch`.
 */
export function parseRpmList(lines: readonly string[]): PackageEntry[] {
  const entries: PackageEntry[] = [];
  let pending: string[] = [];
  for (const line of lines) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    if (pending.length === 0) {
      const dot = words[0]!.lastIndexOf('.');
      if (dot <= 0 || !RPM_ARCHES.has(words[0]!.slice(dot + 1))) continue;
    }
    pending.push(...words);
    if (pending.length >= 3) {
      const [nameArch, version, repo] = pending as [string, string, string];
      const dot = nameArch.lastIndexOf('.');
      entries.push({ name: nameArch.slice(0, dot), arch: nameArch.slice(dot + 1), version, repo });
      pending = [];
    }
  }
  return entries;
}

/** Reads `apt list` output: `bash/jammy,now 5.1-6ubuntu1 amd64 [installed]`. */
export function parseAptList(lines: readonly string[]): PackageEntry[] {
  const entries: PackageEntry[] = [];
  for (const line of lines) {
    const m = /^([^\s/]+)\/(\S+)\s+(\S+)\s+(\S+)/.exec(line.trim());
    if (!m) continue;
    entries.push({ name: m[1]!, repo: m[2]!, version: m[3]!, arch: m[4]! });
  }
  return entries;
}

/** `yum/dnf list` entries as name → version (the newest listed wins: they are sorted). */
export function rpmOffer(lines: readonly string[]): Record<string, string> {
  const offer: Record<string, string> = {};
  for (const e of parseRpmList(lines)) if (e.arch !== 'src') offer[e.name] = e.version;
  return offer;
}

/**
 * Reads `apt-cache policy NAME…`: a block per known name, `name:` then `  Candidate: V`.
 * A candidate of (none) (a virtual or vanished package) is not on offer; an unknown name
 * prints no block at all.
 */
export function aptOffer(lines: readonly string[]): Record<string, string> {
  const offer: Record<string, string> = {};
  let name: string | undefined;
  for (const line of lines) {
    const head = /^(\S+):$/.exec(line.trimEnd());
    if (head) {
      name = head[1]!.replace(/:[a-z0-9]+$/, '');
      continue;
    }
    const c = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (c && name && c[1] !== '(none)') offer[name] = c[1]!;
  }
  return offer;
}

const RPM_VERSION_FORMAT = '%{VERSION}-%{RELEASE}\\n';

export function dnfCommands(): PackageCommands {
  // dnf5 (Fedora ≥ 41) dropped `dnf list installed`; these flag spellings work in dnf4 and dnf5.
  const listFlag = { installed: '--installed', available: '--available', updates: '--upgrades' } as const;
  return {
    name: 'dnf',
    install: (pkgs) => cmd('dnf', '-y', 'install', [...pkgs]),
    remove: (pkgs) => cmd('dnf', '-y', 'remove', [...pkgs]),
    update: () => cmd('dnf', '-y', 'upgrade'),
    list: (filter) => cmd('dnf', '-q', 'list', listFlag[filter]),
    parseList: parseRpmList,
    version: (pkg) => cmd('rpm', '-q', '--qf', RPM_VERSION_FORMAT, pkg),
    offer: (pkgs) => cmd('dnf', '-q', 'list', '--available', [...pkgs]),
    parseOffer: rpmOffer,
  };
}

export function yumCommands(): PackageCommands {
  return {
    name: 'yum',
    install: (pkgs) => cmd('yum', '-y', 'install', [...pkgs]),
    remove: (pkgs) => cmd('yum', '-y', 'remove', [...pkgs]),
    update: () => cmd('yum', '-y', 'update'),
    list: (filter) => cmd('yum', '-q', 'list', filter),
    parseList: parseRpmList,
    version: (pkg) => cmd('rpm', '-q', '--qf', RPM_VERSION_FORMAT, pkg),
    offer: (pkgs) => cmd('yum', '-q', 'list', 'available', [...pkgs]),
    parseOffer: rpmOffer,
  };
}

// apt-get must never ask a question over a non-interactive channel, and a fresh cloud
// image has empty package lists, so install and update refresh them first. Both run in
// one `sh -c` so the command stays one word list for sudo; the packages are "$@".
const APT_ENV = 'DEBIAN_FRONTEND=noninteractive';

export function aptCommands(): PackageCommands {
  const refreshed = (script: string, args: readonly string[]): ShellCommand =>
    cmd('env', APT_ENV, 'sh', '-c', `apt-get -q update && ${script}`, 'sh', [...args]);
  return {
    name: 'apt-get',
    install: (pkgs) => refreshed('apt-get -y install "$@"', pkgs),
    remove: (pkgs) => cmd('env', APT_ENV, 'apt-get', '-y', 'remove', [...pkgs]),
    update: () => refreshed('apt-get -y upgrade', []),
    list: (filter) => (filter === 'installed' ? sh`apt list --installed` : filter === 'updates' ? sh`apt list --upgradable` : sh`apt list`),
    parseList: parseAptList,
    version: (pkg) => cmd('dpkg-query', '-W', '-f', '${Version}\\n', pkg),
    // The refresh's progress lines would mix with the policy blocks.
    offer: (pkgs) => cmd('env', APT_ENV, 'sh', '-c', 'apt-get -q update >/dev/null && apt-cache policy "$@"', 'sh', [...pkgs]),
    parseOffer: aptOffer,
  };
}
