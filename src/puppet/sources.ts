// Where a host's Puppet packages come from. Three sources exist in 2026:
//   - distribution: the distribution's own packages (Fedora, EPEL, Debian, Ubuntu), in
//     the /etc/puppet layout with /usr/bin/puppet;
//   - openvox: Vox Pupuli's drop-in fork, from its openvoxN-release repository package,
//     in the /opt/puppetlabs layout;
//   - puppetcore: Perforce's own builds, from repositories that need a Forge API key.
// What the distribution carries is asked of the host's package manager (a targeted
// query about a few names); what OpenVox and Puppet Core publish is a table, since
// nothing can be asked before their repository is on the host.
import type { Settings } from '../config/settings.js';
import { OriginError, UsageError } from '../engine/errors.js';
import { familyOf, type FamilyName } from '../platform/families.js';
import { distributionLabel, versionAtLeast } from '../platform/osrelease.js';
import type { Distribution } from '../platform/types.js';

export const SOURCES = ['distribution', 'openvox', 'puppetcore'] as const;
export type PuppetSource = (typeof SOURCES)[number];

export const SOURCE_LABEL: Record<PuppetSource, string> = {
  distribution: "the distribution's packages",
  openvox: 'OpenVox',
  puppetcore: 'Puppet Core',
};

/** The package that drops a repository definition and its signing key in place. */
export interface ReleasePackage {
  package: string;
  url: string;
  format: 'rpm' | 'deb';
  /** The repository needs the Forge key as its password (Puppet Core). */
  forgeKey: boolean;
  /** The repository's host name, for the apt credentials file. */
  repoHost: string;
}

/** One way to install Puppet of one major on one host. */
export interface PuppetPlan {
  source: PuppetSource;
  major: number;
  /** The version the package manager offers (distribution only). */
  version?: string;
  agent: string[];
  server: string[];
  release?: ReleasePackage;
  /** "Debian's Puppet 7.23.0", "OpenVox 8", "Puppet Core 8". */
  label: string;
}

// ---------------------------------------------------------------------------
// The distribution's packages.

/** The package names worth asking about: every agent and server name distributions used. */
export function distributionNames(manager: 'dnf' | 'yum' | 'apt-get'): string[] {
  return manager === 'apt-get' ? ['puppet-agent', 'puppet', 'puppetserver', 'puppetmaster', 'puppet-master'] : ['puppet', 'puppet-server', 'puppetserver'];
}

/** The Puppet major of a package version: 1:7.23.0-1 → 7, 3.1.1-3.fc19 → 3. */
export function packageMajor(version: string): number {
  return Number(/^(?:\d+:)?(\d+)/.exec(version)?.[1] ?? 0);
}

/** What the distribution's repositories offer, by package name → version. */
export type Offer = Readonly<Record<string, string>>;

/**
 * The distribution's Puppet from its offer, or undefined when it has no agent. The
 * server is the JVM puppetserver (its major is Puppet's from 5 on; 2.x served Puppet
 * 4) or the older Ruby master package; the agent the server's generation needs.
 */
export function distributionPlan(d: Distribution, offer: Offer): PuppetPlan | undefined {
  const agentName = ['puppet-agent', 'puppet'].find((n) => offer[n] !== undefined);
  if (!agentName) return undefined;
  const version = offer[agentName]!;
  const major = packageMajor(version);
  const serverName = ['puppetserver', 'puppet-server', 'puppetmaster', 'puppet-master'].find((n) => {
    const v = offer[n];
    if (v === undefined) return false;
    const m = packageMajor(v);
    return (n === 'puppetserver' && m === 2 ? 4 : m) === major;
  });
  const plain = version.replace(/^\d+:/, '').replace(/[-+~].*$/, '');
  return {
    source: 'distribution',
    major,
    version: plain,
    agent: [agentName],
    server: serverName ? [serverName] : [],
    label: `${distributionLabel(d)}'s Puppet ${plain}`,
  };
}

/** A generation a master can be built on: the seeds' Puppet 3, or 7 and later. */
export function canServe(major: number): boolean {
  return major === 3 || major >= 7;
}

// ---------------------------------------------------------------------------
// OpenVox: openvoxN-release from yum.voxpupuli.org / apt.voxpupuli.org.

// Which releases each source publishes release packages for, by family: a list of
// releases, or a range. OpenVox: the openvoxN-release packages Vox Pupuli builds (EL 7
// got a last round of OpenVox 8; no new OpenVox 7 builds, but the repositories stay).
// Puppet Core: Perforce's documented platforms.
type Releases = { min: string; max: string } | readonly string[];

const OPENVOX: Record<7 | 8, Partial<Record<FamilyName, Releases>>> = {
  8: {
    el: { min: '7', max: '10' },
    fedora: ['36', '40', '41', '42', '43'],
    amazon: ['2023'],
    debian: { min: '10', max: '13' },
    ubuntu: ['18.04', '20.04', '22.04', '24.04', '25.04', '26.04'],
  },
  7: {
    el: { min: '7', max: '10' },
    fedora: ['36', '40', '41'],
    amazon: ['2023'],
    debian: { min: '10', max: '12' },
    ubuntu: ['18.04', '20.04', '22.04', '24.04'],
  },
};

const PUPPETCORE: Record<7 | 8, Partial<Record<FamilyName, Releases>>> = {
  8: { el: { min: '8', max: '10' }, fedora: ['40', '41'], amazon: ['2023'], debian: { min: '11', max: '13' }, ubuntu: ['20.04', '22.04', '24.04'] },
  7: { el: { min: '8', max: '9' }, amazon: ['2023'], debian: { min: '11', max: '12' }, ubuntu: ['20.04', '22.04'] },
};

const TABLES = { openvox: OPENVOX, puppetcore: PUPPETCORE } as const;

function releaseOf(d: Distribution): string {
  return familyOf(d) === 'ubuntu' ? (/^\d+\.\d+/.exec(d.version)?.[0] ?? d.version) : String(d.major);
}

function within(d: Distribution, r: Releases | undefined): boolean {
  if (!r) return false;
  const v = releaseOf(d);
  if ('min' in r) return versionAtLeast(v, r.min) && versionAtLeast(r.max, v);
  return r.includes(v);
}

/** The majors a repository source publishes for a distribution, newest first. */
export function publishedMajors(source: 'openvox' | 'puppetcore', d: Distribution): number[] {
  const family = familyOf(d);
  if (!family) return [];
  return ([8, 7] as const).filter((m) => within(d, TABLES[source][m][family]));
}

const DEB_CODENAMES: Record<string, string> = {
  '10': 'buster',
  '11': 'bullseye',
  '12': 'bookworm',
  '13': 'trixie',
  '18.04': 'bionic',
  '20.04': 'focal',
  '22.04': 'jammy',
  '24.04': 'noble',
};

/** The release package of a repository source for a distribution. */
export function releasePackage(source: 'openvox' | 'puppetcore', major: number, d: Distribution): ReleasePackage {
  const family = familyOf(d)!;
  const rel = releaseOf(d);
  const rpmTag = family === 'el' ? 'el' : family === 'amazon' ? 'amazon' : 'fedora';
  const isDeb = family === 'debian' || family === 'ubuntu';
  if (source === 'openvox') {
    const pkg = `openvox${major}-release`;
    return isDeb
      ? { package: pkg, url: `https://apt.voxpupuli.org/${pkg}-${family}${rel}.deb`, format: 'deb', forgeKey: false, repoHost: 'apt.voxpupuli.org' }
      : { package: pkg, url: `https://yum.voxpupuli.org/${pkg}-${rpmTag}-${rel}.noarch.rpm`, format: 'rpm', forgeKey: false, repoHost: 'yum.voxpupuli.org' };
  }
  const pkg = `puppet${major}-release`;
  return isDeb
    ? {
        package: pkg,
        url: `https://apt-puppetcore.puppet.com/public/${pkg}-${DEB_CODENAMES[rel] ?? rel}.deb`,
        format: 'deb',
        forgeKey: true,
        repoHost: 'apt-puppetcore.puppet.com',
      }
    : {
        package: pkg,
        url: `https://yum-puppetcore.puppet.com/public/${pkg}-${rpmTag}-${rel}.noarch.rpm`,
        format: 'rpm',
        forgeKey: true,
        repoHost: 'yum-puppetcore.puppet.com',
      };
}

/** The agent and server packages of a repository source (the same names on rpm and deb). */
export const REPOSITORY_PACKAGES = {
  openvox: { agent: 'openvox-agent', server: 'openvox-server' },
  puppetcore: { agent: 'puppet-agent', server: 'puppetserver' },
} as const;

/** OpenVox or Puppet Core of one major, when that source publishes it for the distribution. */
export function repositoryPlan(source: 'openvox' | 'puppetcore', major: number, d: Distribution): PuppetPlan | undefined {
  if (!publishedMajors(source, d).includes(major)) return undefined;
  const names = REPOSITORY_PACKAGES[source];
  return {
    source,
    major,
    agent: [names.agent],
    server: [names.server],
    release: releasePackage(source, major, d),
    label: `${source === 'openvox' ? 'OpenVox' : 'Puppet Core'} ${major}`,
  };
}

// ---------------------------------------------------------------------------
// Choosing.

export type Role = 'master' | 'agent';

export interface Wanted {
  role: Role;
  source?: PuppetSource;
  /** A Puppet major the plan must have (--puppet, or the master's for an agent). */
  major?: number;
  /** Why that major is wanted, for messages ("the master runs Puppet 7"). */
  majorReason?: string;
}

function fits(plan: PuppetPlan | undefined, w: Wanted): plan is PuppetPlan {
  if (!plan) return false;
  if (w.major !== undefined && plan.major !== w.major) return false;
  if (w.role === 'master' && plan.server.length === 0) return false;
  // A distribution's Puppet 4–6 (Debian 9–11) is past its end and cannot serve 7+ agents.
  if (plan.source === 'distribution' && w.major === undefined && !canServe(plan.major)) return false;
  return true;
}

/** Every plan the host could install, best first (whatever was asked). */
export function candidates(d: Distribution, offer: Offer): PuppetPlan[] {
  const plans: PuppetPlan[] = [];
  const own = distributionPlan(d, offer);
  if (own) plans.push(own);
  for (const source of ['openvox', 'puppetcore'] as const) {
    for (const major of publishedMajors(source, d)) plans.push(repositoryPlan(source, major, d)!);
  }
  return plans;
}

function describePlan(p: PuppetPlan): string {
  const flag = `--source ${p.source}${p.source === 'distribution' ? '' : ` --puppet ${p.major}`}`;
  return `${p.label} (${flag})`;
}

/**
 * The plan for a host with no Puppet yet. With --source, that source or an error; without,
 * the distribution's packages when they fit, else OpenVox (8 unless a major is wanted).
 * Puppet Core is never a default: it needs a key the user must choose to give.
 */
export function choosePlan(d: Distribution, offer: Offer, w: Wanted): PuppetPlan {
  const all = candidates(d, offer);
  const order: PuppetSource[] = w.source ? [w.source] : ['distribution', 'openvox'];
  for (const source of order) {
    const plan = all.find((p) => p.source === source && fits(p, w));
    if (plan) return plan;
  }
  const label = distributionLabel(d);
  const what = `${w.role === 'master' ? 'Puppet server' : 'Puppet agent'}${w.major !== undefined ? ` of Puppet ${w.major}` : ''}`;
  const from = w.source ? ` from ${SOURCE_LABEL[w.source]}` : '';
  const workable = all.filter((p) => fits(p, { ...w, source: undefined }));
  // Nothing of the wanted major: what the host could run instead, so the master can be matched to it.
  const otherMajors = w.major === undefined ? [] : all.filter((p) => fits(p, { ...w, source: undefined, major: undefined }));
  const why = w.majorReason ? ` (${w.majorReason})` : '';
  throw new OriginError(`no ${what}${from} for ${label}${why}`, {
    hint: workable.length
      ? `what would work: ${workable.map(describePlan).join('; ')}`
      : otherMajors.length
        ? `${label} can run ${otherMajors.map(describePlan).join('; ')}; build the master on a Puppet its agents can match`
        : `nothing publishes a ${what} for ${label}${w.major !== undefined ? '; build the master on a Puppet its agents can match' : ''}`,
  });
}

export function parseSource(value: string | undefined, where: string): PuppetSource | undefined {
  if (value === undefined || value === '') return undefined;
  if ((SOURCES as readonly string[]).includes(value)) return value as PuppetSource;
  throw new UsageError(`${where} ${value}: choose one of ${SOURCES.join(', ')}`);
}

/** The source to use: --source, else PuppetSource in the config file, else undefined (the default rule). */
export function sourceSetting(settings: Settings, option: string | undefined): PuppetSource | undefined {
  if (option !== undefined) return parseSource(option, '--source');
  const file = settings.awscred();
  return parseSource(file?.puppetSource, `PuppetSource in ${file?.path}:`);
}
