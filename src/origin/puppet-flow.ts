// What origin:puppetmaster and origin:puppetclient decide before they install anything:
// which Puppet to put on the host and where its packages come from. The rest of both
// flows is sub-tasks (ctx.invoke); this file only chooses, then asks the host what it
// really got.
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError } from '../engine/errors.js';
import { oneOf } from '../engine/validate.js';
import { platformOf } from '../platform/index.js';
import type { PackageManagerName, Platform } from '../platform/types.js';
import { plannedFlavor, PUPPET_CHOICES, reportedPuppet, type PuppetFlavor } from '../puppet/generation.js';
import { forgeKey } from '../puppet/repo.js';
import {
  choosePlan,
  distributionNames,
  REPOSITORY_PACKAGES,
  sourceSetting,
  type Offer,
  type PuppetPlan,
  type PuppetSource,
  type Role,
} from '../puppet/sources.js';
import { prepareWith, type PrepareChoices } from './prepare-plan.js';
import { availableTask } from '../tasks/remote/top.js';
import { repoTask } from '../tasks/puppet/top.js';

/** What --puppet accepts on the origin workflows. */
export const GENERATION_CHOICES = ['3', '7', '8'] as const;

export interface PuppetChoice {
  /** What the host has, or (nothing installed yet) what the plan will give. */
  flavor: PuppetFlavor;
  /** The packages to install, for the role, from the chosen source. */
  packages: string[];
  /** Set when nothing is installed yet: the source and major chosen. */
  plan?: PuppetPlan;
}

/** What the distribution's repositories offer of the Puppet package names (asked once per host). */
export function distributionOffer(ctx: TaskContext, host: string, platform: Platform): Promise<Offer> {
  return ctx.memo(`puppet:offer:${host}`, async () => {
    const remote = await ctx.ssh(host);
    const r = await remote.run(platform.packages.offer(distributionNames(platform.packages.name)), { sudo: true, readOnly: true, allowExit: 'any' });
    const offer = platform.packages.parseOffer(r.stdout);
    const listed = Object.entries(offer).map(([n, v]) => `${n} ${v}`);
    ctx.log.verbose(`${host}: the distribution offers ${listed.length ? listed.join(', ') : 'no Puppet packages'}`);
    return offer;
  });
}

/**
 * The master's Puppet. Without one nothing can sign the agent's certificate, so the
 * run stops before it changes the agent host (a dry run, where the master may be a
 * dry run too, goes on).
 */
async function masterPuppet(ctx: TaskContext, master: string, agent: string): Promise<PuppetFlavor | undefined> {
  const flavor = await reportedPuppet(ctx, master);
  if (!flavor && !ctx.dryRun) {
    throw new NotFoundError(`${master} has no Puppet installed, so it cannot sign the certificate of ${agent}`, {
      hint: `make it the master first: origin-setup origin:puppetmaster ${master}`,
    });
  }
  return flavor;
}

/**
 * The packages for a role from the packaging a host already has: its own agent package,
 * and the server that goes with it. The distribution's server must be on offer, or
 * installed already (yum and dnf 4 no longer list an installed package as available).
 */
async function packagesOfInstalled(ctx: TaskContext, host: string, platform: Platform, here: PuppetFlavor, role: Role): Promise<string[]> {
  if (here.source !== 'distribution') return [REPOSITORY_PACKAGES[here.source][role === 'master' ? 'server' : 'agent']];
  const apt = platform.packages.name === 'apt-get';
  if (role === 'agent') return [here.package ?? (apt ? 'puppet-agent' : 'puppet')];
  const server = here.major >= 4 ? 'puppetserver' : apt ? 'puppetmaster' : 'puppet-server';
  if ((await distributionOffer(ctx, host, platform))[server] !== undefined) return [server];
  const installed = await (await ctx.ssh(host)).run(platform.packages.version(server), { readOnly: true, allowExit: 'any' });
  if (installed.code === 0) return [server];
  throw new OriginError(`${host} has ${here.label}, and ${platform.label} offers no ${server} to serve it`, {
    hint: 'one host never mixes two packagings: remove the installed Puppet first, then choose with --source',
  });
}

/**
 * The Puppet for HOST in ROLE. A host that has Puppet keeps it (its source and major;
 * --source naming another packaging is an error, since two never mix on one host). A
 * bare host gets --source, else the config's PuppetSource, else the distribution's
 * packages where they fit, else OpenVox. An agent takes its master's major.
 */
export async function choosePuppet(
  ctx: TaskContext,
  host: string,
  o: { role: Role; source?: string; puppet?: string; master?: string },
): Promise<PuppetChoice> {
  const source = sourceSetting(ctx.settings, o.source);
  const master = o.master !== undefined ? await masterPuppet(ctx, o.master, host) : undefined;
  const asked = o.puppet !== undefined ? Number(o.puppet) : undefined;
  if (master && asked !== undefined && asked > master.major) {
    throw new OriginError(`--puppet ${o.puppet}: ${o.master} runs ${master.label}, and a server never serves a newer agent`, {
      hint: `drop --puppet (the agent then takes Puppet ${master.major}), or pass --puppet ${master.major}`,
    });
  }
  const major = asked ?? master?.major;
  const majorReason = asked !== undefined ? `--puppet ${o.puppet}` : master ? `its master ${o.master} runs ${master.label}` : undefined;
  const platform = await platformOf(ctx, host);

  const here = await reportedPuppet(ctx, host);
  if (here) {
    if (source !== undefined && source !== here.source) {
      throw new OriginError(`${host} already has ${here.label}; --source ${source} would put a second packaging beside it`, {
        hint: 'remove the installed Puppet first, or drop --source to keep it',
      });
    }
    if (master && here.major > master.major) {
      throw new OriginError(`${host} has ${here.label}, newer than its master ${o.master} (${master.label}); a server never serves a newer agent`, {
        hint: `upgrade the master, or replace the agent's Puppet with Puppet ${master.major}`,
      });
    }
    if (major !== undefined && here.major !== major) ctx.log.warn(`${host} has ${here.label}, not Puppet ${major} (${majorReason}); keeping what is installed`);
    ctx.log.info(`${host}: ${here.label} (already installed)`);
    return { flavor: here, packages: await packagesOfInstalled(ctx, host, platform, here, o.role) };
  }

  const wanted = { role: o.role, source, major, majorReason };
  const asksDistribution = source === undefined || source === 'distribution';
  let plan: PuppetPlan;
  try {
    plan = choosePlan(platform.distro, asksDistribution ? await distributionOffer(ctx, host, platform) : {}, wanted);
  } catch (e) {
    if (asksDistribution) throw e;
    // The source asked for has nothing here: ask the distribution too, so the error can name what would work.
    plan = choosePlan(platform.distro, await distributionOffer(ctx, host, platform), wanted);
  }
  // A missing key must stop the run before anything changes on the host.
  if (plan.release?.forgeKey) forgeKey(ctx);
  const how = source
    ? `from --source ${source}`
    : plan.source === 'distribution'
      ? 'the default: the distribution carries it'
      : 'the default: the distribution has none that fits';
  ctx.log.info(`${host}: ${plan.label} (${how}${majorReason ? `; ${majorReason}` : ''})`);
  return { flavor: plannedFlavor(plan.major, plan.source), packages: o.role === 'master' ? plan.server : plan.agent, plan };
}

/**
 * `{ puppet, source }` for the host's own puppet:* sub-tasks: they follow the host's
 * Puppet once it is installed; under --dry-run, where nothing is, they plan with these.
 */
export function generationOptions(flavor: PuppetFlavor): Generation {
  const puppet = oneOf(PUPPET_CHOICES, flavor.major === 2 ? '2.7' : String(flavor.major));
  return puppet ? { puppet, source: flavor.source } : { source: flavor.source };
}

type PuppetGeneration = (typeof PUPPET_CHOICES)[number];

/** The --puppet and --source a flow passes on to the host's puppet:* sub-tasks. */
export interface Generation {
  puppet?: PuppetGeneration;
  source: PuppetSource;
}

/** A repository source's major as puppet:repo takes it: the sources publish only 7 and 8. */
function releaseMajor(major: number): '7' | '8' {
  const known = oneOf(['7', '8'] as const, String(major));
  if (!known) throw new OriginError(`no OpenVox or Puppet Core repository for Puppet ${major}`);
  return known;
}

/**
 * What puppet:*:enable_logging needs: rsyslog, whose rule it writes into /etc/rsyslog.d.
 * Hosts that log to the journal alone (Debian 12, Amazon Linux 2023) do not have it.
 */
export const LOGGING_PACKAGES = ['rsyslog'] as const;

/** The packages a master needs: the server, git (the site repository is a clone) and rsyslog. */
export function masterPackages(server: readonly string[]): string[] {
  return [...server, 'git', ...LOGGING_PACKAGES];
}

/** The agent packages and rsyslog; the seeds' 2.7/3 rpm hosts name facter as well, as the transcript does. */
export function agentPackages(agent: readonly string[], flavor: PuppetFlavor, manager: PackageManagerName): string[] {
  return [...agent, ...(flavor.major < 4 && manager !== 'apt-get' ? ['facter'] : []), ...LOGGING_PACKAGES];
}

/** A certificate entry as puppet:cert:list returns it. */
export interface ListedCert {
  name: string;
  state: 'signed' | 'pending' | 'revoked';
  fingerprint?: string;
  algorithm?: string;
}

/** Fails unless the list shows certname's certificate signed. */
export function requireSigned(certs: readonly ListedCert[], certname: string, ca: string): ListedCert {
  const entry = certs.find((c) => c.name.toLowerCase() === certname.toLowerCase());
  if (entry?.state === 'signed') return entry;
  throw new OriginError(entry ? `${ca}: the certificate of ${certname} is ${entry.state}, not signed` : `${ca}: no certificate for ${certname} after signing`, {
    hint: `look with: origin-setup puppet:cert:list ${ca} --all`,
  });
}

export interface PuppetHostOptions extends PrepareChoices {
  timeout: number;
  puppet?: string;
  source?: string;
}

/**
 * The start both Puppet flows share: SSH answering, the Puppet chosen (its repository
 * added when the source has one), origin:prepare with the role's packages, and then the
 * host asked again what it really has: that, not the plan, is what the flow follows.
 */
export async function preparePuppetHost(
  ctx: TaskContext,
  host: string,
  o: PuppetHostOptions,
  role: { role: Role; master?: string },
): Promise<{ flavor: PuppetFlavor; generation: Generation; platform: Platform }> {
  await ctx.invoke(availableTask, [host], { wait: true, timeout: o.timeout });
  const choice = await choosePuppet(ctx, host, { role: role.role, source: o.source, puppet: o.puppet, master: role.master });
  if (choice.plan?.release) await ctx.invoke(repoTask, [host], { source: choice.plan.source, puppet: releaseMajor(choice.plan.major) });
  const platform = await platformOf(ctx, host);
  const packages = role.role === 'master' ? masterPackages(choice.packages) : agentPackages(choice.packages, choice.flavor, platform.packages.name);
  await prepareWith(ctx, host, o, packages);
  const flavor = choice.plan ? await installedAsPlanned(ctx, host, choice.flavor) : choice.flavor;
  return { flavor, generation: generationOptions(flavor), platform };
}

/** After the install: what the host's Puppet reports, said plainly when it is not what was chosen. */
async function installedAsPlanned(ctx: TaskContext, host: string, planned: PuppetFlavor): Promise<PuppetFlavor> {
  if (ctx.dryRun) return planned;
  const got = await reportedPuppet(ctx, host, { fresh: true });
  if (!got) {
    throw new OriginError(`${host}: the packages were installed, but no puppet binary answers`, {
      hint: `look on the host: ls /opt/puppetlabs/bin; command -v puppet`,
    });
  }
  if (got.major !== planned.major || got.source !== planned.source) {
    ctx.log.warn(`${host}: chose ${planned.label}, but the host now runs ${got.label}; following the host`);
  }
  return got;
}
