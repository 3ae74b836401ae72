// Packages and package-manager settings on a host, through the host's Platform (dnf, yum
// or apt-get); no function here branches on a distribution name.
import { NotFoundError, OriginError, RemoteCommandError } from '../engine/errors.js';
import type { Platform } from '../platform/types.js';
import { cmd } from '../ssh/quote.js';
import { outputTail } from '../ssh/exec.js';
import type { RemoteHost } from '../ssh/types.js';
import { augeasMatch, augeasSet } from './augeas.js';

export type PackageFilter = 'installed' | 'available' | 'updates';

export interface PackageInfo {
  name: string;
  arch: string;
  version: string;
  repo: string;
}

export async function installPackages(host: RemoteHost, platform: Platform, packages: readonly string[]): Promise<void> {
  await host.run(platform.packages.install(packages), { sudo: true });
}

export async function removePackages(host: RemoteHost, platform: Platform, packages: readonly string[]): Promise<void> {
  await host.run(platform.packages.remove(packages), { sudo: true });
}

export async function updatePackages(host: RemoteHost, platform: Platform): Promise<void> {
  await host.run(platform.packages.update(), { sudo: true });
}

/**
 * Listing needs no root: yum and dnf keep a per-user cache when not run as root. An
 * empty list is an answer, though yum and dnf 4 report it as an error (exit 1).
 */
export async function listPackages(host: RemoteHost, platform: Platform, filter: PackageFilter): Promise<PackageInfo[]> {
  const command = platform.packages.list(filter);
  const r = await host.run(command, { readOnly: true, allowExit: [1] });
  if (r.code !== 0) {
    if ([...r.stderr, ...r.stdout].some((l) => /No matching Packages to list/i.test(l))) return [];
    throw new RemoteCommandError(host.name, command.text, r.code, outputTail(r));
  }
  return platform.packages.parseList(r.stdout);
}

/** The installed version of PKG; NotFoundError when it is not installed. */
export async function installedVersion(host: RemoteHost, platform: Platform, pkg: string): Promise<string> {
  // rpm -q and dpkg-query -W answer 1 for a package that is not installed; anything else is a failure.
  const r = await host.run(platform.packages.version(pkg), { readOnly: true, allowExit: [1] });
  const version = r.code === 0 ? r.stdout.find((l) => l.trim() !== '')?.trim() : undefined;
  // dpkg-query answers 0 with an empty version for a package removed but not purged.
  if (!version) {
    throw new NotFoundError(`${host.name}: package ${pkg} is not installed`, {
      hint: `install it with: origin-setup remote:pkg:install ${host.name} ${pkg}`,
    });
  }
  return version;
}

function rpmOnly(host: RemoteHost, platform: Platform, what: string): void {
  if (platform.packages.name === 'apt-get') {
    throw new OriginError(`${host.name}: ${what} is not supported on apt hosts (${platform.distro.id} ${platform.distro.version})`, {
      hint: 'it is a yum/dnf feature; apt has no equivalent this task could set',
    });
  }
}

/** Where yum or dnf reads the variables it substitutes as $NAME in repo files. */
export function packageVariableDir(platform: Platform): string {
  return platform.packages.name === 'dnf' ? '/etc/dnf/vars' : '/etc/yum/vars';
}

/**
 * Writes a yum/dnf variable: the file VARDIR/NAME holding VALUE. The value travels as
 * file content over SFTP, never through a shell or a program's source text.
 */
export async function setPackageVariable(host: RemoteHost, platform: Platform, name: string, value: string): Promise<string> {
  rpmOnly(host, platform, 'a package manager variable');
  const dir = packageVariableDir(platform);
  const path = `${dir}/${name}`;
  await host.run(cmd('mkdir', '-p', '--', dir), { sudo: true });
  await host.upload(`${value}\n`, path, { sudo: true, mode: '0644', owner: 'root', group: 'root' });
  return path;
}

/**
 * The augeas node of yum/dnf repository ID, whichever .repo file defines it (the
 * section name is the id; the file is often named differently, e.g. updates-testing
 * lives in fedora-updates-testing.repo).
 */
export async function findRepoSection(host: RemoteHost, platform: Platform, id: string): Promise<string> {
  rpmOnly(host, platform, 'a yum repository setting');
  const matches = await augeasMatch(host, `/files/etc/yum.repos.d/*/${id}`);
  if (matches.length === 0) {
    throw new NotFoundError(`${host.name}: no repository ${id} in /etc/yum.repos.d`, {
      hint: `create it with: origin-setup remote:repo:create ${host.name} ${id} FILE`,
    });
  }
  if (matches.length > 1) {
    throw new OriginError(`${host.name}: repository ${id} is defined more than once: ${matches.join(', ')}`, {
      hint: 'remove the duplicate section; yum uses only one of them',
    });
  }
  return matches[0]!;
}

/** Sets the `exclude` list of a repository (a space-separated list of globs such as mcollective*). */
export async function excludePackages(host: RemoteHost, platform: Platform, repo: string, pattern: string): Promise<string> {
  const section = await findRepoSection(host, platform, repo);
  await augeasSet(host, `${section}/exclude`, pattern);
  return section;
}
