// Which Puppet package repository fits a distribution. Puppet 7/8 come from Puppet's
// own "release" packages (one small package that drops the .repo or .list file and the
// signing key in place); the seeds' Puppet 2.7/3 came with the distribution itself
// (Fedora, EPEL for EL6/7, Ubuntu/Debian main), so there is nothing to add for them.
// The URLs are fixed names, so nothing is scraped from the workstation.
import type { TaskContext } from '../engine/context.js';
import { OriginError } from '../engine/errors.js';
import { familyOf, type FamilyName } from '../platform/families.js';
import { platformOf } from '../platform/index.js';
import { distributionLabel, versionAtLeast } from '../platform/osrelease.js';
import type { Distribution } from '../platform/types.js';
import { cmd } from '../ssh/quote.js';

export type RepoPlan =
  | {
      kind: 'release-package';
      /** The package the release file installs, e.g. puppet8-release. */
      package: string;
      url: string;
      format: 'rpm' | 'deb';
    }
  | {
      kind: 'distribution';
      /** Why nothing is added. */
      reason: string;
    };

const UBUNTU_CODENAMES: Record<string, string> = {
  '16.04': 'xenial',
  '18.04': 'bionic',
  '20.04': 'focal',
  '22.04': 'jammy',
  '24.04': 'noble',
};
const DEBIAN_CODENAMES: Record<number, string> = { 9: 'stretch', 10: 'buster', 11: 'bullseye', 12: 'bookworm', 13: 'trixie' };

/** The Debian/Ubuntu codename apt.puppet.com names its release packages after. */
export function codenameOf(d: Distribution): string | undefined {
  if (d.id === 'ubuntu') return UBUNTU_CODENAMES[/^\d+\.\d+/.exec(d.version)?.[0] ?? ''];
  if (d.id === 'debian') return DEBIAN_CODENAMES[d.major];
  return undefined;
}

// The oldest release each Puppet major publishes release packages for (approximate:
// older ones are refused rather than guessed).
const MODERN_MINIMUM: Record<7 | 8, Partial<Record<FamilyName, string>>> = {
  7: { el: '7', fedora: '34', amazon: '2', ubuntu: '18.04', debian: '10' },
  8: { el: '7', fedora: '36', amazon: '2', ubuntu: '20.04', debian: '11' },
};

// The last releases whose own repositories carried Puppet 2.7/3.x.
const LEGACY_MAXIMUM: Partial<Record<FamilyName, string>> = { fedora: '25', el: '7', ubuntu: '16.04', debian: '8' };

/**
 * The repository for Puppet `major` (3 for the 2.7/3 generation, 7 or 8) on `d`.
 * Throws an OriginError that says what to use instead when there is none.
 */
export function puppetRepoFor(d: Distribution, major: number): RepoPlan {
  const family = familyOf(d);
  const label = distributionLabel(d);
  if (major < 4) {
    const last = family ? LEGACY_MAXIMUM[family] : undefined;
    // Point releases of the last one count too (EL 7.9 ≤ 7); Ubuntu is compared as YY.MM.
    const ours = family === 'ubuntu' ? d.version : String(d.major);
    if (last && versionAtLeast(last, ours)) {
      return { kind: 'distribution', reason: `${label} ships Puppet ${major === 2 ? '2.7' : '3'} in its own repositories${family === 'el' ? ' (EPEL)' : ''}` };
    }
    throw new OriginError(`no Puppet ${major === 2 ? '2.7' : '3'} packages for ${label}`, {
      hint: 'Puppet 3 ended in 2016; use --puppet 8 (or 7) on this distribution',
    });
  }
  if (major !== 7 && major !== 8) {
    throw new OriginError(`puppet:repo knows the repositories of Puppet 7 and 8, not ${major}`, { hint: 'pass --puppet 7 or --puppet 8' });
  }
  const minimum = family ? MODERN_MINIMUM[major][family] : undefined;
  const tooOld = (): never => {
    throw new OriginError(`Puppet ${major} has no packages for ${label}`, {
      hint: minimum
        ? `it needs ${family} ${minimum} or newer; on ${label} use the distribution's own Puppet (--puppet 3)`
        : 'supported: EL 7+, Fedora, Amazon Linux 2/2023, Ubuntu, Debian',
    });
  };
  if (!family || !minimum || !versionAtLeast(d.version, minimum)) return tooOld();
  const pkg = `puppet${major}-release`;
  switch (family) {
    case 'el':
      return { kind: 'release-package', package: pkg, url: `https://yum.puppet.com/${pkg}-el-${d.major}.noarch.rpm`, format: 'rpm' };
    case 'fedora':
      return { kind: 'release-package', package: pkg, url: `https://yum.puppet.com/${pkg}-fedora-${d.major}.noarch.rpm`, format: 'rpm' };
    case 'amazon':
      return { kind: 'release-package', package: pkg, url: `https://yum.puppet.com/${pkg}-amazon-${d.major}.noarch.rpm`, format: 'rpm' };
    case 'ubuntu':
    case 'debian': {
      const codename = codenameOf(d);
      if (!codename) return tooOld();
      return { kind: 'release-package', package: pkg, url: `https://apt.puppet.com/${pkg}-${codename}.deb`, format: 'deb' };
    }
  }
}

export type RepoResult =
  | { host: string; kind: 'release-package'; package: string; url: string; added: boolean }
  | { host: string; kind: 'distribution'; reason: string; added: false };

/**
 * Adds the repository on the host: the release package through the host's package
 * manager (yum/dnf take the URL; a .deb is fetched on the host and installed with apt-get,
 * whose install refreshes the package lists). Already installed: nothing to do.
 */
export async function addPuppetRepo(ctx: TaskContext, hostName: string, puppet = '8'): Promise<RepoResult> {
  const major = Number(/^\d+/.exec(puppet)?.[0]);
  const platform = await platformOf(ctx, hostName);
  const plan = puppetRepoFor(platform.distro, major);
  if (plan.kind === 'distribution') {
    ctx.log.info(`${plan.reason}: no repository to add`);
    return { host: hostName, kind: 'distribution', reason: plan.reason, added: false };
  }
  const host = await ctx.ssh(hostName);
  const installed = await host.run(platform.packages.version(plan.package), { readOnly: true, allowExit: 'any' });
  if (installed.code === 0) {
    ctx.log.info(`${plan.package} is already installed on ${hostName}`);
    return { host: hostName, kind: plan.kind, package: plan.package, url: plan.url, added: false };
  }
  if (plan.format === 'rpm') {
    await host.run(platform.packages.install([plan.url]), { sudo: true });
  } else {
    const file = plan.url.slice(plan.url.lastIndexOf('/') + 1);
    const fetch = cmd('sh', '-c', FETCH_DEB, 'sh', plan.url, file);
    await host.run(fetch, { sudo: true });
    await host.run(platform.packages.install([`${DEB_CACHE}/${file}`]), { sudo: true });
  }
  return { host: hostName, kind: plan.kind, package: plan.package, url: plan.url, added: true };
}

// Fetched on the host (wget or curl, whichever it has) into a root-owned cache
// directory; apt-get installs a local .deb given by path.
const DEB_CACHE = '/var/cache/origin-setup';
const FETCH_DEB = `mkdir -p ${DEB_CACHE} && { wget -q -O ${DEB_CACHE}/"$2" "$1" || curl -fsSL -o ${DEB_CACHE}/"$2" "$1"; }`;
