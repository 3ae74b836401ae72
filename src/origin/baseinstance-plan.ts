// origin:baseinstance, the composed workflow: a named EC2 host, optionally with an
// elastic IP and an A record, reachable over SSH. The README's origin:baseinstance section says what happens; this
// module decides when. Read-only checks run first (all at once), so a run that would
// fail on a foreign DNS record fails before anything is created. Then the launch, the
// address allocation and the DNS change start together, and one wait covers the boot,
// SSH, DNS INSYNC, the association and SSH at the new address. With --enrol the
// instance enrols itself with Puppet at first boot (src/puppet/enrol.ts), and the same
// wait also watches the CA sign it.
//
// Everything is created through sub-tasks (ctx.invoke), which record what they make in
// the run's journal; the engine rolls those back on failure. What this run reuses (an
// instance, a record, an address) is never journaled, so it is never touched.
import type { Instance } from '@aws-sdk/client-ec2';
import type { ElasticIp } from '../aws/addresses.js';
import { findInstance, liveInstancesNamed } from '../aws/instances.js';
import { resolveKeyPair } from '../aws/instance-launch.js';
import { instanceLabel, stateReason } from '../aws/instance-state.js';
import { absolute, hostPart } from '../aws/route53-names.js';
import { createRecord, findRecords, recordSet, waitForChange, type ChangeResult, type RecordView } from '../aws/route53-records.js';
import type { Zone } from '../aws/route53-zones.js';
import { runWaiter } from '../aws/waiters.js';
import { baseOsSection } from '../config/awscred.js';
import type { TaskContext } from '../engine/context.js';
import { InterruptedError, NotFoundError, OriginError, TimeoutError } from '../engine/errors.js';
import type { OptionsOf } from '../engine/task.js';
import { imageId } from '../engine/validate.js';
import { cancellable, Deadline, poll, settleAll } from '../engine/wait.js';
import { privateDnsName, waitForEnrolment } from '../puppet/enrol.js';
import type { PuppetSource } from '../puppet/sources.js';
import { zoneContains } from '../tasks/route53/zone.js';
import { recordCreate, recordGet } from '../tasks/route53/record.js';
import { ipAssociate, ipCreate, ipInfo } from '../tasks/ec2/ip.js';
import { instanceCreate } from '../tasks/ec2/instance.js';
import { availableTask, hostnameTask, preserveHostnameTask } from '../tasks/remote/top.js';

export interface BaseInstanceRequest {
  name: string;
  hostname?: string;
  elasticip: boolean;
  ipaddress?: string;
  image?: string;
  baseos: string;
  type?: string;
  keypair?: string;
  securitygroup: string[];
  disksize?: number;
  encrypted: boolean;
  imds: 'v1' | 'v2';
  userdata?: string;
  timeout: number;
  reuse: boolean;
  /** --enrol MASTER and its companions: the instance enrols itself with Puppet at first boot. */
  enrol?: { master: string; ca?: string; os?: string; source?: PuppetSource; wait: boolean };
}

export interface BaseInstance {
  id: string;
  /** The public DNS name the host answers at now (after the elastic IP moved it). */
  dns: string;
  ip: string;
  fqdn?: string;
  /** With --enrol: the agent's certificate name (the FQDN, else the instance's private DNS name). */
  certname?: string;
}

/** `id=… dns=… ip=… fqdn=…`, one per line, for `eval` and `grep`. */
export function renderBaseInstance(r: BaseInstance): string {
  return Object.entries(r)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n');
}

/** The image to launch: --image, else BaseOSImage of the [--baseos] section of the awscred file. */
export function resolveImage(ctx: TaskContext, image: string | undefined, baseos: string): string {
  if (image) return image;
  const section = baseOsSection(baseos);
  const cred = ctx.settings.awscred();
  if (!cred) {
    throw new OriginError(`no --image given and no awscred file to look up [${section}] BaseOSImage in`, {
      hint: `pass --image AMI, or write ~/.awscred with a [${section}] section holding BaseOSImage=ami-…`,
    });
  }
  const found = cred.sections[section];
  if (!found) {
    const known = Object.keys(cred.sections).filter((s) => cred.sections[s]?.baseOSImage);
    throw new OriginError(`${cred.path} has no [${section}] section (from --baseos ${baseos})`, {
      hint: known.length
        ? `sections with a BaseOSImage: ${known.join(', ')}; or pass --image AMI`
        : `add [${section}] with BaseOSImage=ami-…, or pass --image AMI`,
    });
  }
  if (!found.baseOSImage) {
    throw new OriginError(`[${section}] in ${cred.path} has no BaseOSImage`, { hint: 'add BaseOSImage=ami-…, or pass --image AMI' });
  }
  const problem = imageId(found.baseOSImage);
  if (problem) throw new OriginError(`BaseOSImage '${found.baseOSImage}' in [${section}] of ${cred.path}: ${problem}`);
  ctx.log.verbose(`image ${found.baseOSImage} from [${section}] of ${cred.path}`);
  return found.baseOSImage;
}

/**
 * Live instances carrying exactly this Name. A second one of the same name would break
 * every later `--name` lookup, so ec2:instance:create refuses the launch;
 * here the one found is either the error that names it or, with --reuse, the host.
 */
export function instancesNamed(ctx: TaskContext, name: string): Promise<Instance[]> {
  return liveInstancesNamed(ctx, name);
}

/** The instance to continue from (with --reuse), or undefined when a new one is launched. */
async function existingInstance(ctx: TaskContext, name: string, reuse: boolean): Promise<Instance | undefined> {
  const found = await instancesNamed(ctx, name);
  if (found.length === 0) return undefined;
  const list = found.map((i) => `${instanceLabel(i)} ${i.State?.Name ?? ''}`.trim()).join(', ');
  if (found.length > 1) {
    throw new OriginError(`${found.length} instances are named '${name}': ${list}`, {
      hint: 'delete or rename all but one (origin-setup ec2:instance:rename), then run again',
    });
  }
  const one = found[0]!;
  const state = one.State?.Name;
  if (state !== 'pending' && state !== 'running') {
    throw new OriginError(`instance ${instanceLabel(one)} is ${state}`, {
      hint: `start it (origin-setup ec2:instance:start --id ${one.InstanceId}) and pass --reuse, or delete it`,
    });
  }
  if (!reuse) {
    throw new OriginError(`instance ${instanceLabel(one)} is already ${state}`, {
      hint: 'pass --reuse to continue from it, or choose another NAME',
    });
  }
  ctx.log.info(`reusing instance ${instanceLabel(one)} (${state})`);
  return one;
}

interface DnsPlan {
  zone: Zone;
  fqdn: string;
  host: string;
  /** The address of the A record already there, if any. */
  existing?: string;
}

/** Where the A record goes, and what is there now (route53:zone:contains, route53:record:get). */
async function lookupRecord(ctx: TaskContext, hostname: string): Promise<DnsPlan> {
  const fqdn = absolute(hostname);
  const [zone] = await ctx.invoke(zoneContains, [hostname]);
  const host = hostPart(zone!, fqdn);
  let sets: RecordView[] = [];
  try {
    sets = await ctx.invoke(recordGet, [zone!.id, host]);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const blocking = sets.find((s) => s.type === 'CNAME' || (s.type === 'A' && (s.alias !== undefined || s.values.length !== 1)));
  const a = sets.filter((s) => s.type === 'A');
  if (blocking || a.length > 1) {
    const what = (blocking ? [blocking] : a).map((s) => `${s.type} ${s.alias ? `alias ${s.alias}` : s.values.join(' ')}`).join('; ');
    throw new OriginError(`${fqdn} already has ${what}, which is not a single A record this task can reuse`, {
      hint: `remove it (origin-setup route53:record:delete ${zone!.name} ${host} …) or choose another --hostname`,
    });
  }
  const existing = a[0]?.values[0];
  ctx.log.info(existing ? `${fqdn} has an A record: ${existing}` : `${fqdn}: no A record yet`);
  return { zone: zone!, fqdn, host, ...(existing ? { existing } : {}) };
}

/**
 * Reconciles an existing A record with the address this run would use: it must be one
 * of our elastic IPs (looked up separately from --ipaddress's; invoke runs each once
 * per argument list, which fixes the original's skipped second ec2:ip:info).
 */
async function recordAddress(ctx: TaskContext, dns: DnsPlan, given: ElasticIp | undefined): Promise<ElasticIp> {
  const there = dns.existing!;
  if (given && given.address !== there) {
    throw new OriginError(`A record ${dns.fqdn} points at ${there}, not at --ipaddress ${given.address}`, {
      hint: `pass --ipaddress ${there}, or delete the record: origin-setup route53:record:delete ${dns.zone.name} ${dns.host} A ${there}`,
    });
  }
  if (given) return given;
  try {
    return await ctx.invoke(ipInfo, [there]);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new OriginError(`A record ${dns.fqdn} points at ${there}, which is not an elastic IP of this account`, {
      hint: `${err.hint ? `${err.hint}; ` : ''}delete the record (origin-setup route53:record:delete ${dns.zone.name} ${dns.host} A ${there}) or choose another --hostname`,
    });
  }
}

/** The host name SSH should use for the instance now, refreshed after the address moves. */
function publicName(instance: Instance): string | undefined {
  return instance.PublicDnsName || instance.PublicIpAddress || undefined;
}

/**
 * Waits for running with the SDK waiter. The delays (2-4 s, where ec2:instance:wait uses
 * 5-30 s) are tight because the boot is on this task's critical path: every second the
 * waiter sleeps past the moment the instance runs is a second added to the run
 * (bench/baseinstance.mjs). That is one DescribeInstances every few seconds for a minute.
 */
async function waitRunning(ctx: TaskContext, instance: Instance, timeoutSeconds: number): Promise<Instance> {
  const { client, sdk } = await ctx.aws.ec2();
  const id = instance.InstanceId!;
  const label = instanceLabel(instance);
  await runWaiter(
    ctx,
    {
      client,
      what: `${label} to be running`,
      timeoutSeconds,
      minDelaySeconds: 2,
      maxDelaySeconds: 4,
      describeNow: async () => {
        const now = await findInstance(ctx, { id });
        const reason = stateReason(now);
        return `it is ${now.State?.Name ?? 'in no state'}${reason ? ` (${reason})` : ''}`;
      },
    },
    (config) => sdk.waitUntilInstanceRunning(config, { InstanceIds: [id] }),
  );
  const running = await findInstance(ctx, { id });
  ctx.log.info(`instance ${label} running at ${publicName(running) ?? 'no public address'}`);
  return running;
}

export async function baseInstance(ctx: TaskContext, req: BaseInstanceRequest): Promise<BaseInstance> {
  const started = Date.now();
  const deadline = new Deadline(req.timeout, ctx.settings.timeScale);
  const wantsAddress = req.elasticip || req.ipaddress !== undefined;
  // Read the config before touching AWS: a missing [baseos] section needs no round trip.
  let image = req.reuse ? undefined : resolveImage(ctx, req.image, req.baseos);
  let key = req.reuse ? undefined : resolveKeyPair(ctx, req.keypair, '--keypair');
  if (req.hostname && !wantsAddress) {
    ctx.log.info(`no elastic IP (--elasticip or --ipaddress): no A record is made for ${req.hostname}`);
  }

  // 1. Read-only checks, all at once: nothing is created if any of them fails.
  const [existing, given, dns] = await settleAll<[Instance | undefined, ElasticIp | undefined, DnsPlan | undefined]>([
    existingInstance(ctx, req.name, req.reuse),
    req.ipaddress ? ctx.invoke(ipInfo, [req.ipaddress]) : Promise.resolve(undefined),
    req.hostname && wantsAddress ? lookupRecord(ctx, req.hostname) : Promise.resolve(undefined),
  ]);
  const known = dns?.existing ? await recordAddress(ctx, dns, given) : given;
  if (known?.instanceId && known.instanceId !== existing?.InstanceId) {
    throw new OriginError(`elastic IP ${known.address} is associated with ${known.instanceId}`, {
      hint: `free it first (origin-setup ec2:ip:disassociate ${known.address}) or use another address`,
    });
  }
  if (known && dns?.existing) ctx.log.info(`reusing A record ${dns.fqdn} → ${known.address}`);
  if (!existing) {
    image ??= resolveImage(ctx, req.image, req.baseos);
    key ??= resolveKeyPair(ctx, req.keypair, '--keypair');
  }

  // 2. Launch, allocate and submit the DNS change together. All of them settle before
  // anything else happens, so each one is journaled before a failure rolls back; once
  // one has failed, the DNS change (which waits for the address) is not sent at all.
  let failed = false;
  if (existing && req.enrol) {
    ctx.log.warn(`--enrol: ${instanceLabel(existing)} is reused and booted before, so it does not enrol at boot now (origin:puppetclient enrols it over SSH)`);
  }
  const launch = existing
    ? Promise.resolve(existing)
    : ctx.invoke(instanceCreate, [], launchOptions(req, image!, key!)).then(
        (r): Instance => ({
          InstanceId: r.id,
          Tags: [{ Key: 'Name', Value: r.name }],
          ...((r.enrol?.certname ?? r.privateDnsName) ? { PrivateDnsName: r.enrol?.certname ?? r.privateDnsName } : {}),
        }),
      );
  const address: Promise<string | undefined> = known
    ? Promise.resolve(known.address)
    : wantsAddress
      ? ctx.invoke(ipCreate).then((r) => r.address)
      : Promise.resolve(undefined);
  const change: Promise<ChangeResult | undefined> =
    dns && !dns.existing
      ? address.then(async (ip) => {
          if (failed) throw new InterruptedError();
          try {
            return await ctx.invoke(recordCreate, [dns.zone.id, dns.host, 'A', ip!], { ttl: 300 });
          } catch (err) {
            if (existing || !recordTaken(err)) throw err;
            return createAfterNamesake(ctx, dns, ip!, launch, err, deadline);
          }
        })
      : Promise.resolve(undefined);
  const [launched, ip, submitted] = await settleAll<[Instance, string | undefined, ChangeResult | undefined]>([launch, address, change], () => (failed = true));
  ctx.log.info(`instance ${instanceLabel(launched)} ${existing ? 'reused' : 'launched'}`);

  // 3. One wait for everything: boot, SSH, address, SSH again; DNS INSYNC meanwhile.
  const { ctx: waitCtx, cancel } = cancellable(ctx);
  // The [--baseos] section's RemoteUser logs in to the host this run builds, under every
  // name it is reached by (the original mixed it up with the top-level RemoteUser).
  const loginAs = ctx.settings.awscred()?.sections[baseOsSection(req.baseos)]?.remoteUser;
  const available = (at: string) => {
    if (loginAs) ctx.loginUser(at, loginAs);
    return ctx.invoke(availableTask, [at], { wait: true, timeout: deadline.remaining(`${at} answered SSH`) });
  };
  const host = async (): Promise<{ instance: Instance; at: string }> => {
    let instance = await waitRunning(waitCtx, launched, deadline.remaining(`${instanceLabel(launched)} was running`));
    let at = publicName(instance);
    if (at) await available(at);
    else if (!ip) {
      throw new OriginError(`instance ${instanceLabel(instance)} has no public address to reach it by`, {
        hint: 'launch it in a subnet that assigns public IPs, or pass --elasticip',
      });
    }
    if (ip) {
      if (waitCtx.signal.aborted) throw new InterruptedError();
      await ctx.invoke(ipAssociate, [ip, instance.InstanceId!]);
      instance = await findInstance(ctx, { id: instance.InstanceId! });
      // EC2 may still describe the old address for a moment; the EIP itself is then the way in.
      const moved = instance.PublicIpAddress === ip ? (publicName(instance) ?? ip) : ip;
      if (moved !== at) await available(moved);
      at = moved;
    }
    if (req.hostname) {
      if (waitCtx.signal.aborted) throw new InterruptedError();
      await ctx.invoke(hostnameTask, [at!, req.hostname.replace(/\.$/, '')]);
      await ctx.invoke(preserveHostnameTask, [at!]).catch((err: unknown) => {
        // No cloud-init on the image: nothing will reset the name, so there is nothing to keep.
        if (!(err instanceof NotFoundError)) throw err;
        ctx.log.info(`${err.message}${err.hint ? `: ${err.hint}` : ''}`);
      });
    }
    return { instance, at: at! };
  };
  const insync = async (): Promise<ChangeResult | undefined> => {
    if (!submitted || submitted.status === 'INSYNC') return submitted;
    const done = await waitForChange(waitCtx, submitted.changeId, deadline.remaining(`change ${submitted.changeId} was INSYNC`));
    ctx.log.info(`${dns!.fqdn} → ${ip} is INSYNC`);
    return done;
  };
  // The certificate is signed by the master's policy once the instance's own boot has
  // installed and started the agent; this only watches the CA, alongside the rest.
  const enrolled = async (): Promise<string | undefined> => {
    if (!req.enrol) return undefined;
    const given = req.hostname?.replace(/\.$/, '').toLowerCase();
    if (ctx.dryRun) return given;
    const certname =
      given ??
      launched.PrivateDnsName?.toLowerCase() ??
      (await privateDnsName(waitCtx, launched.InstanceId!, deadline.remaining(`${instanceLabel(launched)} had a private DNS name`)));
    if (req.enrol.wait) {
      await waitForEnrolment(waitCtx, { ca: req.enrol.ca ?? req.enrol.master, certname, timeoutSeconds: deadline.remaining(`${certname} was signed`) });
    }
    return certname;
  };
  const [{ instance, at }, , certname] = await settleAll<[{ instance: Instance; at: string }, ChangeResult | undefined, string | undefined]>(
    [host(), insync(), enrolled()],
    cancel,
  );

  ctx.log.verbose(`baseinstance complete: ${((Date.now() - started) / 1000 / ctx.settings.timeScale).toFixed(0)}s`);
  return {
    id: instance.InstanceId!,
    dns: at,
    ip: ip ?? instance.PublicIpAddress ?? instance.PrivateIpAddress ?? '',
    ...(req.hostname ? { fqdn: req.hostname.replace(/\.$/, '') } : {}),
    ...(certname ? { certname } : {}),
  };
}

/** Route53's "already exists" for the A record, as createRecord words it. */
function recordTaken(err: unknown): boolean {
  return err instanceof OriginError && /^A record \S+ already exists/.test(err.message);
}

/**
 * Two runs of one NAME and one --hostname both send their CREATE before either knows
 * which launch keeps the Name (ec2:instance:create decides that after RunInstances), and
 * only the first CREATE of a name succeeds. When the other run's came first, this run
 * waits for its own launch: if it lost, the launch's error is the one that matters; if it
 * won, the record is the losing run's, which that run's rollback deletes. Once it is gone,
 * this run creates its own (journaled as usual). A record that stays was not a namesake's:
 * the original error stands.
 */
async function createAfterNamesake(
  ctx: TaskContext,
  dns: DnsPlan,
  ip: string,
  launch: Promise<Instance>,
  taken: unknown,
  deadline: Deadline,
): Promise<ChangeResult> {
  try {
    await launch;
  } catch {
    throw taken;
  }
  ctx.log.info(`${dns.fqdn} was just created by another run of this name, which lost it; waiting for that run to remove its record`);
  try {
    await poll(
      {
        what: `${dns.fqdn} to be removed by the other run`,
        timeoutSeconds: Math.min(60, deadline.remaining(`${dns.fqdn} was free`)),
        delaySeconds: 1,
        maxDelaySeconds: 4,
        scale: ctx.settings.timeScale,
        signal: ctx.signal,
      },
      async () => ((await findRecords(ctx, dns.zone, dns.fqdn, 'A')).length === 0 ? true : undefined),
    );
  } catch (err) {
    if (err instanceof TimeoutError) throw taken;
    throw err;
  }
  const result = await createRecord(ctx, dns.zone, recordSet(dns.fqdn, 'A', 300, [ip]));
  ctx.log.info(`${dns.fqdn} → ${ip} created`);
  return result;
}

/** The options handed to ec2:instance:create; unset ones are left to its defaults (--type: AWSEC2Type). */
function launchOptions(req: BaseInstanceRequest, image: string, key: string): OptionsOf<typeof instanceCreate> {
  return {
    name: req.name,
    image,
    securitygroup: req.securitygroup,
    key,
    ...(req.type ? { type: req.type } : {}),
    ...(req.disksize !== undefined ? { disksize: req.disksize } : {}),
    ...(req.encrypted ? { encrypted: true } : {}),
    imds: req.imds,
    ...(req.userdata !== undefined ? { userdata: req.userdata } : {}),
    ...(req.enrol
      ? {
          enrol: req.enrol.master,
          ...(req.enrol.ca ? { enrolCa: req.enrol.ca } : {}),
          ...(req.enrol.os ? { enrolOs: req.enrol.os } : {}),
          ...(req.enrol.source ? { enrolSource: req.enrol.source } : {}),
          // The host's own name is its certificate name; this run sets it over SSH meanwhile.
          ...(req.hostname ? { enrolCertname: req.hostname } : {}),
        }
      : {}),
  };
}
