// Which Puppet a host runs, and everything that follows from it: commands, paths,
// service names and how puppet.conf is edited. Two generations matter:
//   - the seeds' Puppet 2.7/3.x: `puppet cert`, the puppetmaster service, /etc/puppet;
//   - today's Puppet 7/8 (any ≥ 6 really): `puppetserver ca`, the puppetserver service,
//     /etc/puppetlabs, binaries under /opt/puppetlabs/bin.
// The host is asked once per run (what is installed), and --puppet 2.7|3|7|8 overrides
// the answer, e.g. before the packages are installed.
import { NotFoundError, UsageError } from '../engine/errors.js';
import type { TaskContext } from '../engine/context.js';
import type { Distribution } from '../platform/types.js';
import { sh } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

/** What --puppet accepts. */
export const PUPPET_CHOICES = ['2.7', '3', '7', '8'] as const;

export interface PuppetFlavor {
  /** The full version the host reported (e.g. 3.1.1, 8.4.0); undefined when only --puppet said. */
  version?: string;
  /** 2, 3, … 8 */
  major: number;
  /** "Puppet 3.1.1", or "Puppet 8" from --puppet alone. */
  label: string;
  /** Binaries, as absolute paths where the host told us (sudo's secure_path lacks /opt/puppetlabs/bin). */
  bin: { puppet: string; puppetserver: string };
  /** Certificate authority command family. */
  ca: 'puppet-cert' | 'puppetserver-ca';
  /** How puppet.conf is changed: `puppet config set` from 3.x on, augtool before. */
  confEdit: 'config-set' | 'augeas';
  confdir: string;
  /** puppet.conf */
  config: string;
  vardir: string;
  /** Where `puppet module install` puts modules by default. */
  moduledir: string;
  /** The section the master/server reads: [master] up to 6, [server] from 7. */
  serverSection: 'master' | 'server';
  masterService: 'puppetmaster' | 'puppetserver';
  /** ActiveRecord storeconfigs existed up to 3.x (PuppetDB replaced it). */
  storeconfigs: boolean;
  /** From 6 on pluginsync is always on and the setting is gone. */
  pluginsyncSetting: boolean;
  /** Policy-based autosigning (an executable `autosign`) arrived in 3.4. */
  policyAutosign: boolean;
}

/** What the probe found on the host. */
export interface PuppetProbe {
  puppet?: string;
  puppetserver?: string;
  version?: string;
}

const AIO_BIN = '/opt/puppetlabs/bin';

/**
 * One read-only command: where puppet and puppetserver are (the all-in-one location
 * first, then PATH) and what `puppet --version` says.
 */
export const PUPPET_PROBE = sh`p=${AIO_BIN}/puppet; [ -x "$p" ] || p=$(command -v puppet 2>/dev/null); s=${AIO_BIN}/puppetserver; [ -x "$s" ] || s=$(command -v puppetserver 2>/dev/null); echo "puppet=$p"; echo "puppetserver=$s"; if [ -n "$p" ]; then echo "version=$("$p" --version 2>/dev/null | head -n 1)"; fi`;

export function parsePuppetProbe(lines: readonly string[]): PuppetProbe {
  const probe: PuppetProbe = {};
  for (const line of lines) {
    const m = /^(puppet|puppetserver|version)=(.*)$/.exec(line.trim());
    const value = m?.[2]?.trim();
    if (!m || !value) continue;
    if (m[1] === 'version') {
      // `puppet --version` may print "3.1.1" or, on some builds, "Puppet v3.1.1".
      const v = /(\d+\.\d+(?:\.\d+)*)/.exec(value)?.[1];
      if (v) probe.version = v;
    } else probe[m[1] as 'puppet' | 'puppetserver'] = value;
  }
  return probe;
}

function majorOf(version: string): number {
  return Number(/^(\d+)/.exec(version)?.[1] ?? 0);
}

/** Everything that follows from a Puppet version (or a bare major from --puppet). */
export function flavorFor(version: string, found: PuppetProbe = {}, fromHost = true): PuppetFlavor {
  const major = majorOf(version);
  const [, minor = 0] = version.split('.').map((n) => Number(n) || 0);
  const aio = major >= 4;
  const confdir = aio ? '/etc/puppetlabs/puppet' : '/etc/puppet';
  return {
    version: fromHost ? version : undefined,
    major,
    label: `Puppet ${version}`,
    bin: {
      puppet: found.puppet ?? (aio ? `${AIO_BIN}/puppet` : 'puppet'),
      puppetserver: found.puppetserver ?? `${AIO_BIN}/puppetserver`,
    },
    ca: major >= 6 ? 'puppetserver-ca' : 'puppet-cert',
    confEdit: major >= 3 ? 'config-set' : 'augeas',
    confdir,
    config: `${confdir}/puppet.conf`,
    vardir: aio ? '/opt/puppetlabs/puppet/cache' : '/var/lib/puppet',
    moduledir: aio ? '/etc/puppetlabs/code/environments/production/modules' : '/etc/puppet/modules',
    serverSection: major >= 7 ? 'server' : 'master',
    masterService: aio ? 'puppetserver' : 'puppetmaster',
    storeconfigs: major <= 3,
    pluginsyncSetting: major < 6,
    // 3.x without a minor (from --puppet 3) is taken as the last 3.x.
    policyAutosign: major > 3 || (major === 3 && (!fromHost || minor >= 4)),
  };
}

export interface FlavorChoice {
  flavor?: PuppetFlavor;
  /** Set when --puppet disagrees with what the host has installed. */
  mismatch?: string;
}

/**
 * The flavor from what the host has and what --puppet says. --puppet wins; the host's
 * binary locations are still used when its installed major matches.
 */
export function chooseFlavor(probe: PuppetProbe, override?: string): FlavorChoice {
  if (override !== undefined) {
    if (!(PUPPET_CHOICES as readonly string[]).includes(override)) {
      throw new UsageError(`--puppet ${override}: choose one of ${PUPPET_CHOICES.join(', ')}`);
    }
    const hostMajor = probe.version ? majorOf(probe.version) : undefined;
    const sameMajor = hostMajor === majorOf(override);
    if (sameMajor && probe.version) return { flavor: flavorFor(probe.version, probe) };
    const flavor = flavorFor(override, hostMajor === undefined ? probe : {}, false);
    return {
      flavor,
      mismatch: hostMajor === undefined ? undefined : `the host has Puppet ${probe.version}, but --puppet ${override} was given`,
    };
  }
  return probe.version ? { flavor: flavorFor(probe.version, probe) } : {};
}

export async function probePuppet(host: RemoteHost): Promise<PuppetProbe> {
  const r = await host.run(PUPPET_PROBE, { readOnly: true, allowExit: 'any' });
  return parsePuppetProbe(r.stdout);
}

/**
 * The Puppet flavor of a host. The probe is memoized per host while it finds Puppet; a
 * host without it is asked again next time, since a run may install it in between.
 */
export async function puppetOn(ctx: TaskContext, host: string, override?: string): Promise<PuppetFlavor> {
  let probe: PuppetProbe;
  try {
    probe = await ctx.memo(`puppet:probe:${host}`, async () => {
      const found = await probePuppet(await ctx.ssh(host));
      if (!found.version) throw new NoPuppetYet(found);
      return found;
    });
  } catch (e) {
    if (!(e instanceof NoPuppetYet)) throw e;
    probe = e.probe;
  }
  const { flavor, mismatch } = chooseFlavor(probe, override);
  if (mismatch) ctx.log.warn(`${host}: ${mismatch}; following --puppet`);
  if (!flavor) {
    throw new NotFoundError(`${host}: Puppet is not installed (no puppet in /opt/puppetlabs/bin or on PATH)`, {
      hint: `install it first (origin-setup puppet:repo ${host}, then the puppet packages), or say which with --puppet ${PUPPET_CHOICES.join('|')}`,
    });
  }
  ctx.log.verbose(`${host}: ${flavor.label} (${flavor.ca === 'puppetserver-ca' ? 'puppetserver ca' : 'puppet cert'}, ${flavor.config})`);
  return flavor;
}

class NoPuppetYet extends Error {
  constructor(readonly probe: PuppetProbe) {
    super('no puppet');
  }
}

/**
 * The agent's service: `puppetagent` on Fedora ≥ 19 with the distribution's Puppet 3
 * (its systemd unit had that name), `puppet` everywhere else.
 */
export function agentServiceFor(flavor: PuppetFlavor, distro: Distribution): string {
  return flavor.major < 4 && distro.id === 'fedora' && distro.major >= 19 ? 'puppetagent' : 'puppet';
}

/** Package names for the agent or the master on a package family. */
export function puppetPackages(flavor: PuppetFlavor, manager: 'dnf' | 'yum' | 'apt-get', role: 'agent' | 'master'): string[] {
  if (flavor.major >= 4) return role === 'master' ? ['puppetserver'] : ['puppet-agent'];
  if (manager === 'apt-get') return role === 'master' ? ['puppetmaster'] : ['puppet'];
  return role === 'master' ? ['puppet-server'] : ['puppet'];
}
