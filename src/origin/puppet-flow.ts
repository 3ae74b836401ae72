// What origin:puppetmaster and origin:puppetclient decide before they install anything:
// which Puppet generation to put on the host, and where its packages come from. The
// rest of both flows is sub-tasks (ctx.invoke); this file only chooses.
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError } from '../engine/errors.js';
import { platformOf } from '../platform/index.js';
import { prepareWith, type PrepareChoices } from './prepare-plan.js';
import type { PackageManagerName, Platform } from '../platform/types.js';
import { flavorFor, probePuppet, PUPPET_CHOICES, puppetPackages, type PuppetFlavor } from '../puppet/generation.js';

/** What --puppet accepts on the origin workflows. */
export const GENERATION_CHOICES = ['3', '7', '8'] as const;

/** The newest Puppet: what a host gets when nothing else decides. */
const NEWEST = '8';

export type GenerationSource = 'option' | 'installed' | 'master' | 'distribution' | 'newest';

export interface GenerationChoice {
  flavor: PuppetFlavor;
  /** How it was chosen, for the log line and the result. */
  source: GenerationSource;
  /** True when Puppet's own package repository must be added first (puppet:repo). */
  needsRepo: boolean;
}

/** A package list entry as remote:yum:list returns it. */
interface ListedPackage {
  name: string;
  version: string;
}

// The server packages by name: 2.7/3 came as puppet-server (rpm) or puppetmaster (deb);
// puppetserver is the JVM server of Puppet 4 and later, versioned 2.x for Puppet 4 and
// with Puppet's own major from 5 on.
const LEGACY_SERVER = new Set(['puppet-server', 'puppetmaster']);
const MODERN_SERVER = 'puppetserver';

function majorOf(version: string): number {
  // Debian versions may carry an epoch: 1:7.9.2-1.
  return Number(/^(?:\d+:)?(\d+)/.exec(version)?.[1] ?? 0);
}

/** The Puppet generation the distribution's own repositories offer, from `yum list available`. */
export function generationOffered(packages: readonly ListedPackage[]): string | undefined {
  const legacy = packages.find((p) => LEGACY_SERVER.has(p.name));
  if (legacy) return majorOf(legacy.version) === 2 ? '2.7' : String(majorOf(legacy.version) || 3);
  const modern = packages.find((p) => p.name === MODERN_SERVER);
  if (modern) {
    const major = majorOf(modern.version);
    return String(major === 2 ? 4 : major);
  }
  return undefined;
}

async function installedOn(ctx: TaskContext, host: string): Promise<PuppetFlavor | undefined> {
  const found = await probePuppet(await ctx.ssh(host));
  return found.version ? flavorFor(found.version, found) : undefined;
}

/**
 * The master's Puppet. Without one nothing can sign the agent's certificate, so the
 * run stops before it changes the agent host (a dry run, where the master may be a
 * dry run too, goes on).
 */
async function masterPuppet(ctx: TaskContext, master: string, agent: string): Promise<PuppetFlavor | undefined> {
  const flavor = await installedOn(ctx, master);
  if (!flavor && !ctx.dryRun) {
    throw new NotFoundError(`${master} has no Puppet installed, so it cannot sign the certificate of ${agent}`, {
      hint: `make it the master first: origin-setup origin:puppetmaster ${master}`,
    });
  }
  return flavor;
}

/**
 * The generation for HOST: --puppet, else what the master runs (an agent must match
 * its master), else what HOST already has, else what its distribution offers (the
 * visible remote:yum:list step), else the newest from Puppet's own repository.
 */
export async function chooseGeneration(
  ctx: TaskContext,
  host: string,
  o: { override?: string; master?: string },
): Promise<GenerationChoice> {
  const here = await installedOn(ctx, host);
  const sameAsHere = (f: PuppetFlavor) => here !== undefined && here.major === f.major;
  const master = o.master !== undefined ? await masterPuppet(ctx, o.master, host) : undefined;
  if (master && o.override !== undefined && master.major !== Number(o.override)) {
    ctx.log.warn(`${o.master} runs ${master.label}, but --puppet ${o.override} was given for its agent ${host}`);
  }
  let choice: GenerationChoice;
  if (o.override !== undefined) {
    const flavor = here && here.major === Number(o.override) ? here : flavorFor(o.override, {}, false);
    choice = { flavor, source: 'option', needsRepo: flavor.major >= 4 && !sameAsHere(flavor) };
  } else if (master) {
    // An agent must speak its master's protocol: same generation.
    const flavor = sameAsHere(master) ? here! : flavorFor(String(master.major), {}, false);
    choice = { flavor, source: 'master', needsRepo: flavor.major >= 4 && !sameAsHere(flavor) };
  } else if (here) {
    choice = { flavor: here, source: 'installed', needsRepo: false };
  } else {
    const offered = generationOffered(await ctx.invoke<ListedPackage[]>('remote:yum:list', [host], { filter: 'available' }));
    choice = offered
      ? { flavor: flavorFor(offered, {}, false), source: 'distribution', needsRepo: false }
      : { flavor: flavorFor(NEWEST, {}, false), source: 'newest', needsRepo: true };
  }
  ctx.log.info(`${host}: Puppet ${choice.flavor.version ?? choice.flavor.major} (${describe(choice, o.master)})`);
  return choice;
}

function describe(c: GenerationChoice, master?: string): string {
  switch (c.source) {
    case 'option':
      return 'from --puppet';
    case 'master':
      return `as on the master ${master}`;
    case 'installed':
      return 'already installed';
    case 'distribution':
      return "from the distribution's repositories";
    case 'newest':
      return "the newest, from Puppet's repository";
  }
}

/** The --puppet value the puppet:* sub-tasks take for a flavor (puppet:repo needs 7 or 8). */
export function puppetOption(flavor: PuppetFlavor): string {
  return flavor.major === 2 ? '2.7' : String(flavor.major);
}

/**
 * `{ puppet }` for the host's own puppet:* sub-tasks: the generation this flow chose
 * holds for all of them (and under --dry-run, where nothing is installed to probe).
 * A generation --puppet cannot name (4-6, offered by some distribution) is left to
 * each sub-task's own probe.
 */
export function generationOptions(flavor: PuppetFlavor): { puppet?: string } {
  const value = puppetOption(flavor);
  return (PUPPET_CHOICES as readonly string[]).includes(value) ? { puppet: value } : {};
}

/** The packages a master needs: the server and git (the site repository is a clone). */
export function masterPackages(flavor: PuppetFlavor, manager: PackageManagerName): string[] {
  return [...puppetPackages(flavor, manager, 'master'), 'git'];
}

/** The agent packages; the seeds' 2.7/3 rpm hosts name facter as well, as the transcript does. */
export function agentPackages(flavor: PuppetFlavor, manager: PackageManagerName): string[] {
  const base = puppetPackages(flavor, manager, 'agent');
  return flavor.major < 4 && manager !== 'apt-get' ? [...base, 'facter'] : base;
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
  throw new OriginError(
    entry ? `${ca}: the certificate of ${certname} is ${entry.state}, not signed` : `${ca}: no certificate for ${certname} after signing`,
    { hint: `look with: origin-setup puppet:cert:list ${ca} --all` },
  );
}

export interface PuppetHostOptions extends PrepareChoices {
  timeout: number;
  puppet?: string;
}

/**
 * The start both Puppet flows share: SSH answering, the generation chosen (and its
 * repository added when the host needs one), then origin:prepare with the role's packages.
 */
export async function preparePuppetHost(
  ctx: TaskContext,
  host: string,
  o: PuppetHostOptions,
  role: { master?: string; packages: (flavor: PuppetFlavor, manager: PackageManagerName) => string[] },
): Promise<{ flavor: PuppetFlavor; generation: { puppet?: string }; platform: Platform }> {
  await ctx.invoke('remote:available', [host], { wait: true, timeout: o.timeout });
  const { flavor, needsRepo } = await chooseGeneration(ctx, host, { override: o.puppet, master: role.master });
  if (needsRepo) await ctx.invoke('puppet:repo', [host], { puppet: puppetOption(flavor) });
  const platform = await platformOf(ctx, host);
  await prepareWith(ctx, host, o, role.packages(flavor, platform.packages.name));
  return { flavor, generation: generationOptions(flavor), platform };
}
