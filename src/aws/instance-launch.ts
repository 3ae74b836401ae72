// Launching one named instance: refuse a Name already in use, size the image's own root
// device, tag at launch, make the request idempotent, journal the instance at once, and
// look at the Name again after the launch, when a concurrent run may have taken it too.
import type { BlockDeviceMapping, Instance } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError, UsageError } from '../engine/errors.js';
import { sleep } from '../engine/wait.js';
import { dryRun, mutate } from './ec2.js';
import { imageById } from './images.js';
import { liveInstancesNamed } from './instances.js';
import { instanceLabel, terminateInstance } from './instance-state.js';

export interface LaunchSpec {
  name: string;
  image: string;
  type: string;
  key: string;
  /** Group names, or sg-… ids (needed outside the default VPC); both may be mixed. */
  securityGroups: readonly string[];
  /** Root volume size in GiB; the image's own size when absent. A resized root volume is gp3. */
  diskSizeGiB?: number;
  /** Encrypt the root volume (the account's default EBS key). */
  encrypted?: boolean;
  /** 'v2' (the default) requires IMDSv2 session tokens; 'v1' also allows token-less requests. */
  imds?: 'v1' | 'v2';
  /** The user data (src/aws/user-data.ts reads and composes it), sent base64-encoded. */
  userData?: Buffer;
}

export interface Launched {
  id: string;
  name: string;
  image: string;
  type: string;
  state?: string;
  /** The private DNS name EC2 gave it at launch (empty in some VPCs until later). */
  privateDnsName?: string;
}

/**
 * The key pair to launch with: the one given on the command line, else AWSKeyPairName
 * of the awscred file. `flag` is the caller's option (`--key`, `--keypair`), so the
 * error names the option the user can pass. Checked before anything is created.
 */
export function resolveKeyPair(ctx: Pick<TaskContext, 'settings'>, given: string | undefined, flag: string): string {
  const key = given ?? ctx.settings.awscred()?.keyPairName;
  if (!key) throw new UsageError(`no key pair: pass ${flag} NAME or set AWSKeyPairName in the awscred file`);
  return key;
}

/**
 * Refuses a Name a live instance already carries: every later --name lookup would
 * otherwise match two instances. `except` lets a rename keep its own name.
 */
export async function assertNameFree(ctx: Pick<TaskContext, 'aws'>, name: string, except?: string): Promise<void> {
  const holders = (await liveInstancesNamed(ctx, name)).filter((i) => i.InstanceId !== except);
  if (holders.length > 0) {
    const list = holders.map((i) => `${i.InstanceId} (${i.State?.Name})`).join(', ');
    throw new OriginError(`an instance named '${name}' already exists: ${list}`, {
      hint: 'choose another --name, or rename or delete the existing one',
    });
  }
}

export async function launchInstance(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log' | 'settings' | 'signal'>,
  spec: LaunchSpec,
): Promise<Launched> {
  const userData = spec.userData?.toString('base64');
  const blockDevices = await rootDeviceMapping(ctx, spec.image, spec.diskSizeGiB, spec.encrypted ?? false);
  await assertNameFree(ctx, spec.name);

  const { client, sdk } = await ctx.aws.ec2();
  const groupIds = spec.securityGroups.filter((g) => /^sg-[0-9a-f]+$/.test(g));
  const groupNames = spec.securityGroups.filter((g) => !groupIds.includes(g));
  const nameTag = [{ Key: 'Name', Value: spec.name }];
  // One token per invocation: the SDK's retries of this request can never start a second
  // instance. (The global Web Crypto, so that loading this module for `list` costs nothing.)
  const clientToken = crypto.randomUUID();
  ctx.log.verbose(`launching ${spec.name}: ${spec.type} from ${spec.image}, key ${spec.key}, groups ${spec.securityGroups.join(' ')}`);
  const out = await mutate(ctx, 'RunInstances', () =>
    client.send(
      new sdk.RunInstancesCommand({
        ImageId: spec.image,
        InstanceType: spec.type as never,
        KeyName: spec.key,
        MinCount: 1,
        MaxCount: 1,
        ...(groupNames.length ? { SecurityGroups: groupNames } : {}),
        ...(groupIds.length ? { SecurityGroupIds: groupIds } : {}),
        ...(blockDevices ? { BlockDeviceMappings: blockDevices } : {}),
        ...(userData ? { UserData: userData } : {}),
        // IMDSv2 is what EC2 recommends: a token first, so a server-side request forgery
        // cannot read the instance's credentials with one GET.
        MetadataOptions: { HttpTokens: spec.imds === 'v1' ? 'optional' : 'required', HttpEndpoint: 'enabled' },
        TagSpecifications: [
          { ResourceType: 'instance', Tags: nameTag },
          { ResourceType: 'volume', Tags: nameTag },
        ],
        ClientToken: clientToken,
        ...dryRun(ctx),
      }),
    ),
  );
  const instance = out.Instances?.[0];
  if (!instance?.InstanceId) throw new OriginError('RunInstances answered without an instance id');
  const id = instance.InstanceId;
  const label = instanceLabel({ ...instance, Tags: instance.Tags ?? nameTag });
  ctx.journal.record({
    kind: 'instance',
    id: label,
    undo: async () => {
      await terminateInstance(ctx, id);
    },
  });
  ctx.log.verbose(`launched ${id} (${spec.name}), ${instance.State?.Name ?? 'pending'}`);
  await keepNameUnique(ctx, spec.name, { ...instance, Tags: instance.Tags ?? nameTag }, label);
  return {
    id,
    name: spec.name,
    image: spec.image,
    type: spec.type,
    state: instance.State?.Name,
    ...(instance.PrivateDnsName ? { privateDnsName: instance.PrivateDnsName } : {}),
  };
}

/**
 * How long after RunInstances the Name is looked up again. EC2's lists are eventually
 * consistent: a namesake launched a moment ago by another run may not be listed at once.
 */
export const NAME_SETTLE_SECONDS = 2;

/** States in which a namesake launched alongside this one counts: it is still coming up or up. */
const RACE_STATES = ['pending', 'running'];

/** Earliest LaunchTime first; the instance id breaks ties (and orders instances without a time last). */
function launchOrder(a: Instance, b: Instance): number {
  const ta = a.LaunchTime ? new Date(a.LaunchTime).getTime() : Number.POSITIVE_INFINITY;
  const tb = b.LaunchTime ? new Date(b.LaunchTime).getTime() : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.InstanceId! < b.InstanceId! ? -1 : a.InstanceId! > b.InstanceId! ? 1 : 0;
}

/**
 * The check before the launch and the launch are two requests: runs started together all
 * pass the check and all launch. So after the launch the Name is looked up again, and of
 * the live (pending or running) instances carrying it, exactly one stays: the earliest
 * launched, the lower instance id on a tie. Every run sees the same instances and applies
 * the same order, so each knows on its own whether it won; a loser terminates the instance
 * it launched (here, not in the rollback, so --keep-on-failure cannot keep a duplicate) and
 * fails naming the winner. It never touches another run's instance.
 */
async function keepNameUnique(
  ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log' | 'settings' | 'signal'>,
  name: string,
  self: Instance,
  label: string,
): Promise<void> {
  await sleep(NAME_SETTLE_SECONDS, ctx.settings.timeScale, ctx.signal);
  const seen = new Map<string, Instance>();
  for (const i of await liveInstancesNamed(ctx, name, { states: RACE_STATES })) if (i.InstanceId) seen.set(i.InstanceId, i);
  // A list that does not show this instance yet still counts it, with RunInstances' LaunchTime.
  const mine = seen.get(self.InstanceId!);
  seen.set(self.InstanceId!, { ...self, ...mine, LaunchTime: mine?.LaunchTime ?? self.LaunchTime });
  const ranked = [...seen.values()].sort(launchOrder);
  const winner = ranked[0]!;
  if (winner.InstanceId === self.InstanceId) {
    const others = ranked.slice(1).map((i) => i.InstanceId);
    if (others.length) ctx.log.info(`${label} keeps the name '${name}': ${others.join(', ')}, launched later by another run, is terminated by that run`);
    return;
  }
  const when = winner.LaunchTime ? ` at ${new Date(winner.LaunchTime).toISOString()}` : '';
  ctx.log.info(`another run launched ${winner.InstanceId} named '${name}' first${when}: terminating ${label}`);
  try {
    await terminateInstance(ctx, self.InstanceId!);
    // Removed on purpose: the rollback must not try again.
    ctx.journal.forget('instance', label);
  } catch (err) {
    ctx.log.warn(`could not terminate ${label} (${(err as Error).message}); the rollback tries again`);
  }
  throw new OriginError(
    `another run launched an instance named '${name}' at the same time: ${winner.InstanceId} was first${when}, so ${self.InstanceId} was terminated`,
    {
      hint: `${winner.InstanceId} is '${name}' now; continue from it (origin:baseinstance --reuse) or choose another name`,
    },
  );
}

/**
 * Checks the image exists and, when a disk size or encryption is asked for, maps it onto
 * the image's own root device (its name differs between images: /dev/sda1, /dev/xvda, …).
 * A resized volume is gp3: the image's own type is often the older gp2, which costs more
 * for less throughput.
 */
async function rootDeviceMapping(
  ctx: Pick<TaskContext, 'aws'>,
  imageId: string,
  sizeGiB: number | undefined,
  encrypted: boolean,
): Promise<BlockDeviceMapping[] | undefined> {
  const image = await imageById(ctx, imageId);
  if (!image) {
    throw new NotFoundError(`no image ${imageId} in this region`, { hint: 'origin-setup ec2:image:list --owner OWNER shows the images' });
  }
  if (sizeGiB === undefined && !encrypted) return undefined;
  const root = image.RootDeviceName;
  if (!root || image.RootDeviceType !== 'ebs') {
    throw new UsageError(`${sizeGiB !== undefined ? '--disksize' : '--encrypted'}: image ${imageId} has no EBS root device`);
  }
  if (sizeGiB === undefined) return [{ DeviceName: root, Ebs: { Encrypted: true } }];
  const imageSize = image.BlockDeviceMappings?.find((m) => m.DeviceName === root)?.Ebs?.VolumeSize;
  if (imageSize !== undefined && sizeGiB < imageSize) {
    throw new UsageError(`--disksize ${sizeGiB}: image ${imageId} needs at least ${imageSize} GiB for ${root}`);
  }
  return [{ DeviceName: root, Ebs: { VolumeSize: sizeGiB, VolumeType: 'gp3', ...(encrypted ? { Encrypted: true } : {}) } }];
}
