// Which Puppet a host runs, and everything that follows from it. The host's own Puppet
// is asked, in one read-only round trip, where it keeps everything (confdir, vardir,
// ssldir, the manifest of production, basemodulepath, autosign, csr_attributes, …) and
// which version it is; paths are never derived from the version. Only before Puppet is
// installed (a dry run) does a table stand in for that answer.
//
// The version still decides the command families: `puppet cert` up to 5, `puppetserver
// ca` from 6; the [master] section up to 6, [server] from 7; the puppetmaster service of
// the Ruby master up to 3, puppetserver after.
import { NotFoundError } from '../engine/errors.js';
import type { TaskContext } from '../engine/context.js';
import type { Distribution } from '../platform/types.js';
import { sh } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import { parseSource, SOURCE_LABEL, type PuppetSource } from './sources.js';

/** What --puppet accepts. */
export const PUPPET_CHOICES = ['2.7', '3', '7', '8'] as const;

/**
 * The settings asked of Puppet 4 and later; one the version does not know prints empty.
 * Puppet 3.x stops at the first unknown name and has no --section, so it is asked only
 * what it knows.
 */
export const PROBED_SETTINGS = [
  'autosign',
  'basemodulepath',
  'certname',
  'codedir',
  'confdir',
  'config',
  'csr_attributes',
  'environmentpath',
  'manifest',
  'modulepath',
  'ssldir',
  'vardir',
] as const;
const LEGACY_SETTINGS = ['autosign', 'certname', 'confdir', 'config', 'manifest', 'modulepath', 'ssldir', 'vardir'] as const;
type ProbedSetting = (typeof PROBED_SETTINGS)[number];

export interface PuppetPaths {
  confdir: string;
  /** puppet.conf */
  config: string;
  vardir: string;
  ssldir: string;
  /** Puppet 4+: the code directory and the environments under it. */
  codedir?: string;
  environmentpath?: string;
  /** The main manifest of production as Puppet resolves it (no_manifest when there is none). */
  manifest: string;
  /** 4+: the module directories every environment shares; up to 3: the modulepath. */
  basemodulepath: string;
  /** The autosign setting's value (true, false, a whitelist file or a policy executable). */
  autosign: string;
  csrAttributes: string;
}

export interface PuppetFlavor {
  /** The full version the host reported (e.g. 3.1.1, 7.23.0); undefined when only planned. */
  version?: string;
  /** 2, 3, … 8 */
  major: number;
  /** Where the packages came from (from the package that owns the binary). */
  source: PuppetSource;
  /** True when every path below is what the host's Puppet reported. */
  fromHost: boolean;
  /** "Puppet 7.23.0 (the distribution's packages)", or "OpenVox 8 (planned)". */
  label: string;
  /** Binaries as absolute paths where the host told us (sudo's secure_path lacks /opt/puppetlabs/bin). */
  bin: { puppet: string; puppetserver: string };
  ca: 'puppet-cert' | 'puppetserver-ca';
  /** How puppet.conf is changed: `puppet config set` from 3.5 on (3.0–3.4's config face only prints), augtool before. */
  confEdit: 'config-set' | 'augeas';
  confdir: string;
  config: string;
  vardir: string;
  paths: PuppetPaths;
  /** The name this host's certificate has (or will have), as Puppet reported it. */
  certname?: string;
  /** The package that owns the puppet binary (puppet-agent, puppet, openvox-agent). */
  package?: string;
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
  /** The package that owns the puppet binary (openvox-agent, puppet-agent, puppet). */
  owner?: string;
  settings: Partial<Record<ProbedSetting, string>>;
}

const AIO_BIN = '/opt/puppetlabs/bin';

/**
 * One read-only command, run as root (as another user Puppet reads that user's own
 * ~/.puppetlabs instead of the system's settings): where puppet and puppetserver are
 * (the all-in-one location first, then PATH), `puppet --version`, the package that
 * owns the binary, and the settings, as the server section sees them for production.
 * Puppet 2.7 has no `config print`; `--configprint` prints the same `key = value` lines.
 * Puppet 3.x's `config print` has no --section (its master reads [main] for these).
 */
export const PUPPET_PROBE = sh`p=${AIO_BIN}/puppet; [ -x "$p" ] || p=$(command -v puppet 2>/dev/null); s=${AIO_BIN}/puppetserver; [ -x "$s" ] || s=$(command -v puppetserver 2>/dev/null); echo "puppet=$p"; echo "puppetserver=$s"; [ -n "$p" ] || exit 0; v=$("$p" --version 2>/dev/null | head -n 1); echo "version=$v"; [ -n "$v" ] || exit 0; o=$( { dpkg -S "$p" || rpm -qf --qf '%{NAME}\\n' "$p"; } 2>/dev/null | head -n 1); echo "owner=\${o%%:*}"; case $v in 2.*|*v2.*) "$p" master --configprint ${LEGACY_SETTINGS.join(',')} ;; 3.*) "$p" config print ${LEGACY_SETTINGS} ;; [4-6].*) "$p" config print ${PROBED_SETTINGS} --section master --environment production ;; *) "$p" config print ${PROBED_SETTINGS} --section server --environment production ;; esac 2>/dev/null`;

export function parsePuppetProbe(lines: readonly string[]): PuppetProbe {
  const probe: PuppetProbe = { settings: {} };
  for (const line of lines) {
    const m = /^(puppet|puppetserver|version|owner)=(.*)$/.exec(line.trim());
    if (m) {
      const value = m[2]!.trim();
      if (!value) continue;
      if (m[1] === 'version') {
        // `puppet --version` may print "3.1.1" or, on some builds, "Puppet v3.1.1".
        const v = /(\d+\.\d+(?:\.\d+)*)/.exec(value)?.[1];
        if (v) probe.version = v;
      } else if (m[1] === 'owner') {
        // rpm says "file … is not owned by any package" on stdout: not a package name.
        if (/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(value)) probe.owner = value;
      } else probe[m[1] as 'puppet' | 'puppetserver'] = value;
      continue;
    }
    const s = /^([a-z_]+) = ?(.*)$/.exec(line.trim());
    if (s && (PROBED_SETTINGS as readonly string[]).includes(s[1]!) && s[2]!.trim() !== '') {
      probe.settings[s[1] as ProbedSetting] = s[2]!.trim();
    }
  }
  return probe;
}

function majorOf(version: string): number {
  return Number(/^(\d+)/.exec(version)?.[1] ?? 0);
}

/**
 * The packaging a Puppet belongs to: OpenVox by its package name; Perforce's builds by
 * their all-in-one layout (binary under /opt/puppetlabs, or a confdir under
 * /etc/puppetlabs as Puppet reports it); the distributions' otherwise.
 */
export function sourceOf(probe: Pick<PuppetProbe, 'puppet' | 'owner' | 'settings'>): PuppetSource {
  if (probe.owner?.startsWith('openvox')) return 'openvox';
  const aio = probe.puppet?.startsWith('/opt/puppetlabs/') || probe.settings.confdir?.startsWith('/etc/puppetlabs/');
  return aio ? 'puppetcore' : 'distribution';
}

interface Generation {
  major: number;
  minor: number;
  fromHost: boolean;
}

function commandFamilies(g: Generation) {
  return {
    ca: g.major >= 6 ? ('puppetserver-ca' as const) : ('puppet-cert' as const),
    // `puppet config set` (and --section) arrived in 3.5.0; a plan for 3 is taken as the last 3.x.
    confEdit: g.major > 3 || (g.major === 3 && (!g.fromHost || g.minor >= 5)) ? ('config-set' as const) : ('augeas' as const),
    serverSection: g.major >= 7 ? ('server' as const) : ('master' as const),
    masterService: g.major >= 4 ? ('puppetserver' as const) : ('puppetmaster' as const),
    storeconfigs: g.major <= 3,
    pluginsyncSetting: g.major < 6,
    // 3.x without a minor (a plan for --puppet 3) is taken as the last 3.x.
    policyAutosign: g.major > 3 || (g.major === 3 && (!g.fromHost || g.minor >= 4)),
  };
}

/**
 * The layouts a packaging installs with, for planning only (a dry run before Puppet is
 * there); once Puppet is installed, what it reports replaces all of this.
 */
export function plannedPaths(source: PuppetSource, major: number): PuppetPaths {
  if (source !== 'distribution') {
    const codedir = '/etc/puppetlabs/code';
    return {
      confdir: '/etc/puppetlabs/puppet',
      config: '/etc/puppetlabs/puppet/puppet.conf',
      vardir: '/opt/puppetlabs/puppet/cache',
      ssldir: '/etc/puppetlabs/puppet/ssl',
      codedir,
      environmentpath: `${codedir}/environments`,
      manifest: `${codedir}/environments/production/manifests`,
      basemodulepath: `${codedir}/modules:/opt/puppetlabs/puppet/modules`,
      autosign: '/etc/puppetlabs/puppet/autosign.conf',
      csrAttributes: '/etc/puppetlabs/puppet/csr_attributes.yaml',
    };
  }
  const modern = major >= 4;
  return {
    confdir: '/etc/puppet',
    config: '/etc/puppet/puppet.conf',
    vardir: modern ? '/var/cache/puppet' : '/var/lib/puppet',
    ssldir: '/var/lib/puppet/ssl',
    ...(modern ? { codedir: '/etc/puppet/code', environmentpath: '/etc/puppet/code/environments' } : {}),
    manifest: modern ? 'no_manifest' : '/etc/puppet/manifests/site.pp',
    basemodulepath: modern ? '/etc/puppet/code/modules:/usr/share/puppet/modules' : '/etc/puppet/modules:/usr/share/puppet/modules',
    autosign: '/etc/puppet/autosign.conf',
    csrAttributes: '/etc/puppet/csr_attributes.yaml',
  };
}

function assemble(
  version: string | undefined,
  major: number,
  source: PuppetSource,
  paths: PuppetPaths,
  bin: PuppetFlavor['bin'],
  fromHost: boolean,
): PuppetFlavor {
  const minor = Number(version?.split('.')[1] ?? 0) || 0;
  const brand = source === 'openvox' ? 'OpenVox' : 'Puppet';
  return {
    version,
    major,
    source,
    fromHost,
    label: `${brand} ${version ?? major} (${fromHost ? SOURCE_LABEL[source] : `planned, ${SOURCE_LABEL[source]}`})`,
    bin,
    ...commandFamilies({ major, minor, fromHost }),
    confdir: paths.confdir,
    config: paths.config,
    vardir: paths.vardir,
    paths,
  };
}

/** The flavor of an installed Puppet, from what it reported. */
export function flavorFromProbe(probe: PuppetProbe): PuppetFlavor {
  const version = probe.version!;
  const major = majorOf(version);
  const source = sourceOf(probe);
  const planned = plannedPaths(source, major);
  const s = probe.settings;
  const confdir = s.confdir ?? planned.confdir;
  const paths: PuppetPaths = {
    confdir,
    config: s.config ?? `${confdir}/puppet.conf`,
    vardir: s.vardir ?? planned.vardir,
    ssldir: s.ssldir ?? planned.ssldir,
    ...(s.codedir ? { codedir: s.codedir } : {}),
    ...(s.environmentpath ? { environmentpath: s.environmentpath } : {}),
    manifest: s.manifest ?? planned.manifest,
    // Up to 3.x there is no basemodulepath; the modulepath plays its part.
    basemodulepath: s.basemodulepath ?? s.modulepath ?? planned.basemodulepath,
    autosign: s.autosign ?? planned.autosign,
    csrAttributes: s.csr_attributes ?? `${confdir}/csr_attributes.yaml`,
  };
  const bin = {
    puppet: probe.puppet ?? 'puppet',
    puppetserver: probe.puppetserver ?? (source === 'distribution' ? 'puppetserver' : `${AIO_BIN}/puppetserver`),
  };
  return {
    ...assemble(version, major, source, paths, bin, true),
    ...(s.certname ? { certname: s.certname } : {}),
    ...(probe.owner ? { package: probe.owner } : {}),
  };
}

/** A flavor from a plan alone (before anything is installed). */
export function plannedFlavor(major: number, source: PuppetSource): PuppetFlavor {
  const paths = plannedPaths(source, major);
  const aio = source !== 'distribution';
  return assemble(
    undefined,
    major,
    source,
    paths,
    { puppet: aio ? `${AIO_BIN}/puppet` : 'puppet', puppetserver: aio ? `${AIO_BIN}/puppetserver` : 'puppetserver' },
    false,
  );
}

export async function probePuppet(host: RemoteHost): Promise<PuppetProbe> {
  const r = await host.run(PUPPET_PROBE, { sudo: true, readOnly: true, allowExit: 'any' });
  return parsePuppetProbe(r.stdout);
}

/**
 * Asks the host about its Puppet. Memoized per host while Puppet is there; a host
 * without it is asked again next time (a run may install it in between), and `fresh`
 * asks again anyway (after packages were installed).
 */
export async function reportedPuppet(ctx: TaskContext, host: string, o: { fresh?: boolean } = {}): Promise<PuppetFlavor | undefined> {
  const key = `puppet:probe:${host}`;
  const ask = async () => {
    const found = await probePuppet(await ctx.ssh(host));
    if (!found.version) throw new NoPuppetYet();
    return flavorFromProbe(found);
  };
  try {
    return await ctx.memo(key, ask, { renew: o.fresh });
  } catch (e) {
    if (e instanceof NoPuppetYet) return undefined;
    throw e;
  }
}

export interface PuppetHint {
  /** --puppet: the generation to plan with while the host has none. */
  puppet?: string;
  /** --source: the packaging to plan with while the host has none. */
  source?: string;
}

/**
 * The Puppet flavor of a host: what its Puppet reports. --puppet and --source only stand
 * in while nothing is installed (a dry run of a whole flow); when the host's Puppet
 * differs from them, that is said and the host is followed.
 */
export async function puppetOn(ctx: TaskContext, host: string, hint: PuppetHint = {}): Promise<PuppetFlavor> {
  const source = parseSource(hint.source, '--source');
  const found = await reportedPuppet(ctx, host);
  if (found) {
    const differs = [
      hint.puppet !== undefined && majorOf(hint.puppet) !== found.major ? `--puppet ${hint.puppet}` : undefined,
      source !== undefined && source !== found.source ? `--source ${source}` : undefined,
    ].filter(Boolean);
    if (differs.length) ctx.log.warn(`${host} has ${found.label}, not what ${differs.join(' and ')} says; following the host`);
    ctx.log.verbose(`${host}: ${found.label}: ${found.bin.puppet}, config ${found.config}, ssldir ${found.paths.ssldir}, manifest ${found.paths.manifest}`);
    return found;
  }
  if (hint.puppet !== undefined) {
    const planned = plannedFlavor(majorOf(hint.puppet) || 2, source ?? (majorOf(hint.puppet) >= 4 ? 'openvox' : 'distribution'));
    ctx.log.verbose(`${host}: no Puppet yet; planning with ${planned.label}`);
    return planned;
  }
  throw new NotFoundError(`${host}: Puppet is not installed (no puppet in /opt/puppetlabs/bin or on PATH)`, {
    hint: `install it first (origin-setup origin:puppetmaster ${host}, or puppet:repo ${host} and the packages)`,
  });
}

class NoPuppetYet extends Error {
  constructor() {
    super('no puppet');
  }
}

/**
 * The agent's service: `puppetagent` on Fedora ≥ 19 with the distribution's Puppet 3
 * (its systemd unit had that name), `puppet` everywhere else.
 */
export function agentServiceFor(flavor: Pick<PuppetFlavor, 'major'>, distro: Distribution): string {
  return flavor.major < 4 && distro.id === 'fedora' && distro.major >= 19 ? 'puppetagent' : 'puppet';
}
