// Self-enrolment at first boot (--enrol MASTER on ec2:instance:create and
// origin:baseinstance). The tool never logs in to the new instance for this: cloud-init
// runs a script from the user data (templates/enrol-userdata.sh) that installs the agent,
// points it at the master, writes the master's autosign challenge into
// csr_attributes.yaml and only then starts it. The master signs that request by policy
// (src/puppet/autosign.ts), so the instance signs itself in.
//
// Everything is decided before the launch: the image's distribution, the agent's source
// (always the master's major), the master's policy autosigning (set up when missing) and
// its challenge, read from the master over SSH and never printed. Afterwards the launching
// side can wait until the CA lists the certificate as signed.
import type { Image } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError, TimeoutError, UsageError } from '../engine/errors.js';
import type { OptionSpec } from '../engine/task.js';
import { renderTemplate } from '../engine/template.js';
import { hostname } from '../engine/validate.js';
import { poll } from '../engine/wait.js';
import { buildPlatform, familyOf, platformOf } from '../platform/index.js';
import { distributionLabel, majorOf } from '../platform/osrelease.js';
import type { Distribution } from '../platform/types.js';
import { cmd, quote } from '../ssh/quote.js';
import { autosignPaths, secretShape, yamlQuoted } from './autosign.js';
import { findCert, type CertEntry } from './certs.js';
import { agentServiceFor, reportedPuppet, type PuppetFlavor } from './generation.js';
import { publishedMajors, repositoryPlan, sourceSetting, SOURCE_LABEL, type PuppetSource, type ReleasePackage } from './sources.js';
import { masterAutosignTask } from '../tasks/puppet/master.js';
import { serviceRestart } from '../tasks/remote/service.js';

// ---------------------------------------------------------------------------
// The image's distribution.

/** The os-release IDs --enrol-os takes, with the ID_LIKE their os-release says. */
const OS_IDS: Record<string, string[]> = {
  debian: [],
  ubuntu: ['debian'],
  fedora: [],
  rhel: ['fedora'],
  centos: ['rhel', 'fedora'],
  almalinux: ['rhel', 'centos', 'fedora'],
  rocky: ['rhel', 'centos', 'fedora'],
  amzn: ['fedora'],
};

function distribution(id: string, version: string): Distribution {
  return { id, version, like: OS_IDS[id] ?? [], major: majorOf(version) };
}

/** --enrol-os ID:VERSION, e.g. debian:12, ubuntu:24.04, rhel:9, fedora:42, amzn:2023. */
export const enrolOs = (v: string): string | undefined => {
  const m = /^([a-z]+):(\d+(?:\.\d+)*)$/.exec(v);
  if (!m) return 'ID:VERSION, e.g. debian:12, ubuntu:24.04, rhel:9, fedora:42';
  return m[1]! in OS_IDS ? undefined : `unknown distribution ${m[1]}: one of ${Object.keys(OS_IDS).join(', ')}`;
};

export function parseEnrolOs(v: string): Distribution {
  const bad = enrolOs(v);
  if (bad) throw new UsageError(`--enrol-os ${v}: ${bad}`);
  const [id, version] = v.split(':') as [string, string];
  return distribution(id, version);
}

const DEBIAN_CODENAMES: Record<string, string> = { buster: '10', bullseye: '11', bookworm: '12', trixie: '13' };
const UBUNTU_CODENAMES: Record<string, string> = { bionic: '18.04', focal: '20.04', jammy: '22.04', noble: '24.04' };

/**
 * What an image runs, from what EC2 says of it (Name, Description, the manifest location,
 * PlatformDetails): the names the distributions give their cloud images, such as
 * debian-12-amd64-…, ubuntu/images/…/ubuntu-noble-24.04-…, Fedora-Cloud-Base-AmazonEC2…-41-…,
 * RHEL-9.4.0_HVM-…, AlmaLinux OS 9.4…, Rocky-9-EC2-Base-…, CentOS Stream 9 …, al2023-ami-….
 * Undefined when it cannot be told, and for images whose first boot is not cloud-init's
 * (Windows, Fedora CoreOS, Flatcar, Bottlerocket).
 */
export function imageDistribution(image: Pick<Image, 'Name' | 'Description' | 'ImageLocation' | 'PlatformDetails' | 'Platform'>): Distribution | undefined {
  const platform = `${image.PlatformDetails ?? ''} ${image.Platform ?? ''}`.toLowerCase();
  if (platform.includes('windows')) return undefined;
  // Architecture words carry digits (x86_64, arm64) that are no release.
  const text = [image.Name, image.Description, image.ImageLocation, image.PlatformDetails]
    .filter(Boolean)
    .join(' ')
    .toLowerCase()
    .replace(/x86[_-]64|aarch64|arm64|amd64|i[36]86/g, ' ');
  if (/coreos|flatcar|bottlerocket/.test(text)) return undefined;
  let m: RegExpExecArray | null;
  if (/\bal2023\b|amazon linux 2023/.test(text)) return distribution('amzn', '2023');
  if (/\bamzn2\b|amazon linux 2\b/.test(text)) return distribution('amzn', '2');
  if ((m = /centos[-_ ]stream[-_ ](?:ec2[-_ ])?(\d+)\b/.exec(text))) return distribution('centos', m[1]!);
  if ((m = /centos[-_ ](?:linux[-_ ])?(\d+)(?:\.(\d+))?/.exec(text))) return distribution('centos', m[1]!);
  if ((m = /rocky[-_ ]?(?:linux[-_ ])?(\d+)(?:\.(\d+))?/.exec(text))) return distribution('rocky', m[1]!);
  if ((m = /almalinux[-_ ]?(?:os[-_ ])?(\d+)(?:\.(\d+))?/.exec(text))) return distribution('almalinux', m[2] ? `${m[1]}.${m[2]}` : m[1]!);
  if ((m = /\brhel[-_ ]?(\d+)(?:\.(\d+))?|red hat enterprise linux[-_ ]?(\d+)(?:\.(\d+))?/.exec(text))) {
    const [major, minor] = m[1] ? [m[1], m[2]] : [m[3]!, m[4]];
    return distribution('rhel', minor ? `${major}.${minor}` : major);
  }
  if ((m = /fedora\b(.*)$/.exec(text))) {
    // The first two-digit word after "fedora": Fedora-Cloud-Base-AmazonEC2.-41-1.4 → 41.
    const release = /(?:^|[-_ .])(\d{2})(?=$|[-_ .])/.exec(m[1]!)?.[1];
    return release ? distribution('fedora', release) : undefined;
  }
  if ((m = /ubuntu[^0-9]*?(\d{2}\.\d{2})\b/.exec(text))) return distribution('ubuntu', m[1]!);
  if ((m = /ubuntu.*\b(bionic|focal|jammy|noble)\b/.exec(text))) return distribution('ubuntu', UBUNTU_CODENAMES[m[1]!]!);
  if ((m = /debian[-_ ]?(\d{1,2})(?!\d)/.exec(text))) return distribution('debian', m[1]!);
  if ((m = /debian.*\b(buster|bullseye|bookworm|trixie)\b/.exec(text))) return distribution('debian', DEBIAN_CODENAMES[m[1]!]!);
  return undefined;
}

// ---------------------------------------------------------------------------
// Which agent, from where.

export interface AgentPlan {
  source: 'distribution' | 'openvox';
  major: number;
  /** The agent package(s) to install. */
  packages: string[];
  /** OpenVox's release package, installed first. */
  release?: ReleasePackage;
  /** The agent's service (puppet; puppetagent only on Fedora's own Puppet 3). */
  service: string;
  /** "OpenVox 8 (openvox-agent)", "debian 12's Puppet 7 (puppet-agent)". */
  label: string;
}

export interface MasterView {
  name: string;
  flavor: PuppetFlavor;
  /** The master's own distribution; asked only when it runs the distribution's Puppet. */
  distro?: Distribution;
}

/** Distributions carry one Puppet per release: the same release means the same packages. */
function sameRelease(a: Distribution, b: Distribution): boolean {
  if (a.id !== b.id) return false;
  return familyOf(a) === 'ubuntu' ? a.version === b.version : a.major === b.major;
}

const CORE_REFUSAL =
  'Puppet Core cannot be installed at boot: its repositories want a Forge API key, which would have to travel in the user data, readable by anything on the instance';

/** Refuses Puppet Core for --enrol (exit 2), before anything else is asked. */
export function enrolSource(ctx: TaskContext, option: string | undefined): PuppetSource | undefined {
  const source = sourceSetting(ctx.settings, option);
  if (source === 'puppetcore') {
    const from = option !== undefined ? '--enrol-source puppetcore' : `PuppetSource=puppetcore (${ctx.settings.awscred()?.path})`;
    throw new UsageError(`${from}: ${CORE_REFUSAL}`, {
      hint: 'OpenVox is a drop-in agent for a Puppet Core master: --enrol-source openvox; or launch without --enrol and run origin:puppetclient HOST MASTER --source puppetcore --autosign',
    });
  }
  return source;
}

/**
 * The agent for the image: always the master's major (a server never serves a newer agent,
 * and an older one gets no new features). The distribution's packages only where they are
 * known to be that Puppet: the master runs them itself, on the same distribution and
 * release. Otherwise OpenVox of that major, where Vox Pupuli publishes it for the image.
 * Anything else is refused, naming what would work.
 */
export function chooseAgentPlan(distro: Distribution, master: MasterView, source?: PuppetSource): AgentPlan {
  const flavor = master.flavor;
  const major = flavor.major;
  const label = distributionLabel(distro);
  const why = `${master.name} runs ${flavor.label}`;
  if (major < 4) {
    throw new OriginError(`--enrol needs a master of Puppet 4 or later (${why}): the boot script sets the agent up with puppet config set --section`, {
      hint: `enrol each host over SSH instead: origin-setup origin:puppetclient HOST ${master.name} --autosign`,
    });
  }
  const service = agentServiceFor(flavor, distro);
  const apt = familyOf(distro) === 'debian' || familyOf(distro) === 'ubuntu';
  const own =
    flavor.source === 'distribution' && master.distro && sameRelease(master.distro, distro)
      ? { source: 'distribution' as const, major, packages: [flavor.package ?? (apt ? 'puppet-agent' : 'puppet')], service }
      : undefined;
  const vox = repositoryPlan('openvox', major, distro);
  const openvox = vox ? { source: 'openvox' as const, major, packages: vox.agent, release: vox.release, service } : undefined;
  const plans = { distribution: own, openvox };
  const order: ('distribution' | 'openvox')[] = source === 'distribution' || source === 'openvox' ? [source] : ['distribution', 'openvox'];
  for (const s of order) {
    const plan = plans[s];
    if (plan) {
      const name = s === 'distribution' ? `${label}'s Puppet ${major}` : `OpenVox ${major}`;
      return { ...plan, label: `${name} (${plan.packages.join(' ')})` };
    }
  }
  const would: string[] = [];
  if (own) would.push(`${label}'s own Puppet ${major} (--enrol-source distribution)`);
  if (openvox) would.push(`OpenVox ${major} (--enrol-source openvox)`);
  const otherMajors = publishedMajors('openvox', distro).filter((m) => m !== major);
  const from = source ? ` from ${SOURCE_LABEL[source]}` : '';
  const onlyOwn = master.distro ? `; the distribution's packages are taken only on the master's own ${distributionLabel(master.distro)}` : '';
  throw new OriginError(`no Puppet ${major} agent${from} to install at boot on ${label} (${why})`, {
    hint: would.length
      ? `what would work: ${would.join('; ')}`
      : otherMajors.length
        ? `OpenVox publishes only Puppet ${otherMajors.join(' and ')} for ${label}${onlyOwn}; use another image, or enrol over SSH: origin-setup origin:puppetclient HOST ${master.name}`
        : `nothing publishes Puppet ${major} for ${label}${onlyOwn}; use another image, or enrol over SSH: origin-setup origin:puppetclient HOST ${master.name}`,
  });
}

// ---------------------------------------------------------------------------
// The user-data script.

export interface EnrolScript {
  plan: AgentPlan;
  distro: Distribution;
  /** The master agents ask for catalogs (`server`). */
  server: string;
  /** A split CA (`ca_server`); undefined when the master is its own CA. */
  caServer?: string;
  /** The certificate name; undefined: the instance's private DNS name, asked of the metadata service at boot. */
  certname?: string;
  /** The master's autosign challenge. */
  challenge: string;
}

/** Where OpenVox's .deb release package is fetched to before apt-get installs it. */
const DEB_CACHE = '/var/cache/origin-setup';

/** The shell lines that install the agent (and first its repository) with the image's package manager. */
export function installCommands(plan: AgentPlan, distro: Distribution): string[] {
  const packages = buildPlatform(distro).packages;
  const lines: string[] = [];
  if (plan.release?.format === 'deb') {
    const file = `${DEB_CACHE}/${plan.release.url.slice(plan.release.url.lastIndexOf('/') + 1)}`;
    lines.push(`fetch ${quote(plan.release.url)} ${quote(file)}`, packages.install([file]).text);
  } else if (plan.release) lines.push(packages.install([plan.release.url]).text);
  lines.push(packages.install(plan.packages).text);
  return lines;
}

/** templates/enrol-userdata.sh filled in: a /bin/sh script for cloud-init, 7-bit text. */
export function renderEnrolScript(s: EnrolScript): string {
  const bad = secretShape(s.challenge);
  if (bad) throw new OriginError(`the autosign challenge cannot go into the boot script: ${bad}`);
  return renderTemplate('enrol-userdata.sh', {
    agent: quote(s.plan.label),
    server: quote(s.server),
    caserver: quote(s.caServer ?? ''),
    certname: quote(s.certname ?? ''),
    service: quote(s.plan.service),
    install: installCommands(s.plan, s.distro)
      .map((l) => `  ${l}`)
      .join('\n'),
    // YAML single quotes: nothing inside is special but ' itself. The challenge has no
    // blanks or line breaks (secretShape), so it cannot end the here-document early.
    challenge: yamlQuoted(s.challenge),
  });
}

// ---------------------------------------------------------------------------
// Before the launch.

export interface EnrolRequest {
  master: string;
  /** --enrol-ca: a split CA; the master is its own CA without it. */
  ca?: string;
  certname?: string;
  /** --enrol-os ID:VERSION, when the image's own description does not tell. */
  os?: string;
  /** --enrol-source. */
  source?: string;
  /** The image to be launched (ami-…). */
  image: string;
}

export interface Enrolment {
  master: string;
  ca: string;
  /** Known before the launch (--enrol-certname, --hostname); else the instance's private DNS name. */
  certname?: string;
  distro: Distribution;
  plan: AgentPlan;
  /** The script for the user data (holds the challenge, except under --dry-run). */
  script: string;
}

/** The distribution to enrol: --enrol-os, else what the image's description says, else a usage error. */
async function targetDistribution(ctx: TaskContext, req: EnrolRequest): Promise<Distribution> {
  if (req.os !== undefined) return parseEnrolOs(req.os);
  const { imageById } = await import('../aws/images.js');
  const image = await imageById(ctx, req.image);
  if (!image) throw new NotFoundError(`no image ${req.image} in this region`, { hint: 'origin-setup ec2:image:list --owner OWNER shows the images' });
  const found = imageDistribution(image);
  if (!found || !familyOf(found)) {
    const said = [image.Name && `name '${image.Name}'`, image.Description && `description '${image.Description}'`].filter(Boolean).join(', ');
    throw new UsageError(`--enrol: cannot tell which distribution image ${req.image} runs${said ? ` (${said})` : ''}`, {
      hint: 'say it with --enrol-os ID:VERSION, e.g. --enrol-os debian:12, ubuntu:24.04, rhel:9, fedora:42',
    });
  }
  ctx.log.verbose(`image ${req.image} runs ${distributionLabel(found)}`);
  return found;
}

async function masterFlavor(ctx: TaskContext, host: string, role: string): Promise<PuppetFlavor> {
  const flavor = await reportedPuppet(ctx, host);
  if (!flavor) {
    throw new NotFoundError(`${host} has no Puppet installed, so it cannot be the ${role} the instance enrols with`, {
      hint: `make it the master first: origin-setup origin:puppetmaster ${host} --autosign`,
    });
  }
  return flavor;
}

const DRY_RUN_CHALLENGE = 'not-read-under-dry-run';

/**
 * The CA's side, once per run however many instances enrol with it (the run's memo is
 * shared by every host a run builds): policy autosigning set up when the CA lacks it (and
 * the server restarted, since it reads `autosign` when it starts), then the challenge read
 * from the secret file the policy script checks. The challenge is registered with the
 * redactor before anything else happens to it.
 */
function prepareCa(ctx: TaskContext, ca: string): Promise<{ flavor: PuppetFlavor; challenge: string }> {
  return ctx.memo(`enrol:${ca}`, async () => {
    let flavor = await masterFlavor(ctx, ca, 'CA');
    const paths = autosignPaths(flavor);
    if (flavor.paths.autosign !== paths.policy) {
      ctx.log.info(`${ca} signs no requests by policy yet (autosign = ${flavor.paths.autosign}): setting it up`);
      await ctx.invoke(masterAutosignTask, [ca]);
      await ctx.invoke(serviceRestart, [ca, flavor.masterService]);
      if (!ctx.dryRun) {
        flavor = (await reportedPuppet(ctx, ca, { fresh: true })) ?? flavor;
        if (flavor.paths.autosign !== paths.policy) {
          throw new OriginError(`${ca}: autosign is still ${flavor.paths.autosign} after puppet:master:autosign`, {
            hint: `look at the server section of ${flavor.config} on ${ca}`,
          });
        }
      }
    }
    if (ctx.dryRun) {
      ctx.log.info(`would read the autosign challenge from ${paths.secret} on ${ca} (not under --dry-run)`);
      return { flavor, challenge: DRY_RUN_CHALLENGE };
    }
    const host = await ctx.ssh(ca);
    const r = await host.run(cmd('cat', paths.secret), { sudo: true, readOnly: true });
    const challenge = r.stdout.join('\n').trim();
    ctx.redact(challenge);
    const bad = secretShape(challenge);
    if (bad) {
      throw new OriginError(`${ca}: ${paths.secret} holds no usable autosign challenge (${bad})`, {
        hint: `set it up again: origin-setup puppet:master:autosign ${ca} (then restart ${flavor.masterService})`,
      });
    }
    ctx.log.verbose(`${ca}: autosign challenge read from ${paths.secret}`);
    return { flavor, challenge };
  });
}

/**
 * Everything the launch needs, in an order that refuses bad input before anything is
 * asked of a host: Puppet Core and an unknown distribution (exit 2), then a master without
 * Puppet or with no agent for the image (exit 1), then the CA's autosigning and challenge,
 * a certificate already there for the name, and the script.
 */
export async function prepareEnrolment(ctx: TaskContext, req: EnrolRequest): Promise<Enrolment> {
  const source = enrolSource(ctx, req.source);
  const distro = await targetDistribution(ctx, req);
  const ca = req.ca ?? req.master;
  const master: MasterView = { name: req.master, flavor: await masterFlavor(ctx, req.master, 'master') };
  if (master.flavor.source === 'distribution') master.distro = (await platformOf(ctx, req.master)).distro;
  const plan = chooseAgentPlan(distro, master, source);
  const { flavor: caFlavor, challenge } = await prepareCa(ctx, ca);
  const certname = req.certname?.replace(/\.$/, '').toLowerCase();
  if (certname && !ctx.dryRun) await refuseTakenName(ctx, ca, caFlavor, certname);
  const script = renderEnrolScript({
    plan,
    distro,
    server: req.master,
    ...(ca !== req.master ? { caServer: ca } : {}),
    ...(certname ? { certname } : {}),
    challenge,
  });
  const who = certname ?? "the instance's private DNS name";
  ctx.log.info(`at first boot: ${plan.label} on ${distributionLabel(distro)}, server ${req.master}${ca !== req.master ? `, CA ${ca}` : ''}, certname ${who}`);
  return { master: req.master, ca, ...(certname ? { certname } : {}), distro, plan, script };
}

/** A name the CA already knows would have the new agent's request refused, or its old certificate taken for it. */
async function refuseTakenName(ctx: TaskContext, ca: string, flavor: PuppetFlavor, certname: string): Promise<void> {
  const entry = await findCert(await ctx.ssh(ca), flavor, certname);
  if (!entry) return;
  throw new OriginError(
    `${ca} already has a ${entry.state === 'pending' ? 'request' : `${entry.state} certificate`} for ${certname}: the new instance could not enrol under that name`,
    {
      hint: `if the old host is gone, remove it first: origin-setup puppet:cert:clean ${ca} ${certname}`,
    },
  );
}

// ---------------------------------------------------------------------------
// After the launch.

/** The instance's private DNS name (its certname when none was given), lower case, once EC2 reports one. */
export async function privateDnsName(ctx: TaskContext, id: string, timeoutSeconds: number): Promise<string> {
  const { findInstance } = await import('../aws/instances.js');
  return poll(
    { what: `a private DNS name for ${id}`, timeoutSeconds, delaySeconds: 2, maxDelaySeconds: 10, scale: ctx.settings.timeScale, signal: ctx.signal },
    async () => (await findInstance(ctx, { id })).PrivateDnsName?.toLowerCase() || undefined,
  );
}

/**
 * Waits until the CA lists CERTNAME as signed. A revoked certificate fails at once; a
 * request that stays unsigned until the deadline means the policy refused it, and the
 * timeout says so.
 */
export async function waitForEnrolment(ctx: TaskContext, o: { ca: string; certname: string; timeoutSeconds: number }): Promise<CertEntry> {
  const flavor = await masterFlavor(ctx, o.ca, 'CA');
  const host = await ctx.ssh(o.ca);
  let last: CertEntry | undefined;
  ctx.log.info(`waiting up to ${o.timeoutSeconds}s for ${o.ca} to sign ${o.certname}`);
  try {
    return await poll(
      {
        what: `${o.ca} to sign ${o.certname}`,
        timeoutSeconds: o.timeoutSeconds,
        delaySeconds: 5,
        maxDelaySeconds: 20,
        scale: ctx.settings.timeScale,
        signal: ctx.signal,
      },
      async (n) => {
        last = await findCert(host, flavor, o.certname);
        ctx.log.verbose(`${n}) ${o.certname} on ${o.ca}: ${last ? last.state : 'no request yet'}`);
        if (last?.state === 'revoked') {
          throw new OriginError(`${o.ca}: the certificate of ${o.certname} is revoked`, {
            hint: `remove it (origin-setup puppet:cert:clean ${o.ca} ${o.certname}) and launch again`,
          });
        }
        return last?.state === 'signed' ? last : undefined;
      },
    );
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    const seen = last?.state === 'pending';
    throw new TimeoutError(
      `timed out after ${o.timeoutSeconds}s waiting for ${o.ca} to sign ${o.certname}: ${seen ? 'its request is there, unsigned: the autosign policy refused it' : 'no request from it arrived'}`,
      {
        hint: seen
          ? `compare the challenge in its csr_attributes.yaml with the master's; origin-setup puppet:cert:sign ${o.ca} ${o.certname} signs it by hand`
          : 'the instance may still be installing Puppet (pass a longer --timeout), or cannot reach the master on 8140: see /var/log/cloud-init-output.log on it',
      },
    );
  }
}

/** What a launch with --enrol reports. */
export interface EnrolResult {
  master: string;
  ca: string;
  /** Undefined until the instance's private DNS name is known. */
  certname?: string;
  agent: string;
  /** Set when the run waited: the CA's entry for the certificate, signed. */
  signed?: { fingerprint: string; algorithm: string };
}

export function enrolResult(e: Enrolment, certname = e.certname, cert?: CertEntry): EnrolResult {
  return {
    master: e.master,
    ca: e.ca,
    ...(certname ? { certname } : {}),
    agent: e.plan.label,
    ...(cert ? { signed: { fingerprint: cert.fingerprint, algorithm: cert.algorithm } } : {}),
  };
}

/**
 * After the launch: the certificate name (the instance's private DNS name unless one was
 * given) and, when asked, the wait for the CA to sign it.
 */
export async function afterLaunch(
  ctx: TaskContext,
  e: Enrolment,
  instance: { id: string; privateDnsName?: string },
  wait: { timeoutSeconds: number } | undefined,
): Promise<EnrolResult> {
  if (ctx.dryRun) return enrolResult(e);
  const certname = e.certname ?? instance.privateDnsName?.toLowerCase() ?? (wait ? await privateDnsName(ctx, instance.id, wait.timeoutSeconds) : undefined);
  if (!wait || !certname) return enrolResult(e, certname);
  return enrolResult(e, certname, await waitForEnrolment(ctx, { ca: e.ca, certname, timeoutSeconds: wait.timeoutSeconds }));
}

/** The part's name in a multipart message: after the operator's parts, so their scripts run first. */
export const ENROL_PART = 'zz-origin-setup-enrol.sh';

const hostnameOption = hostname;

/** The --enrol options ec2:instance:create and origin:baseinstance share. */
export const enrolOptions = {
  enrol: {
    type: 'string',
    description: 'enrol with this Puppet master at first boot: user data installs its Puppet major and starts the agent, signed by policy',
    placeholder: 'MASTER',
    validate: hostnameOption,
  },
  enrolCa: {
    type: 'string',
    description: 'with --enrol: the CA, when it is not the master (ca_server; its autosign policy signs)',
    placeholder: 'CA',
    validate: hostnameOption,
  },
  enrolOs: {
    type: 'string',
    description: "with --enrol: the image's distribution when its name does not tell (debian:12, ubuntu:24.04, rhel:9, fedora:42)",
    placeholder: 'ID:VERSION',
    validate: enrolOs,
  },
  enrolSource: {
    type: 'string',
    description:
      "with --enrol: the agent's packages, distribution or openvox (default: the master's own packaging on its own release, else OpenVox; config key PuppetSource)",
    choices: ['distribution', 'openvox', 'puppetcore'],
    placeholder: 'SOURCE',
  },
  enrolWait: { type: 'boolean', description: 'with --enrol: wait until the CA lists the certificate as signed (within --timeout)' },
} as const satisfies Record<string, OptionSpec>;

/** --enrol-* without --enrol is a usage error rather than silently nothing. */
export function requireEnrol(opts: Record<string, unknown>): void {
  if (opts.enrol !== undefined) return;
  const stray = Object.keys(opts).filter((k) => /^enrol[A-Z]/.test(k) && opts[k] !== undefined && opts[k] !== false);
  if (stray.length) throw new UsageError(`${stray.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} without --enrol MASTER`);
}
