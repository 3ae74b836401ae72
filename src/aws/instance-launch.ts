// Launching one named instance: refuse a Name already in use, size the image's own root
// device, tag at launch, make the request idempotent, and journal the instance at once.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BlockDeviceMapping, Instance } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError, UsageError } from '../engine/errors.js';
import { dryRun, mutate } from './ec2.js';
import { imageById } from './images.js';
import { LIVE_STATES } from './instances.js';
import { instanceLabel, terminateInstance } from './instance-state.js';

/** Instance names are looked up with EC2 filters, where * and ? are wildcards. */
export const instanceName = (v: string) =>
  v.trim() === '' ? 'must not be empty' : /[*?]/.test(v) ? 'must not contain * or ? (they are wildcards in lookups)' : undefined;

/** EC2 accepts at most 16 KiB of user data before base64. */
const USER_DATA_LIMIT = 16 * 1024;

export interface LaunchSpec {
  name: string;
  image: string;
  type: string;
  key: string;
  /** Group names, or sg-… ids (needed outside the default VPC); both may be mixed. */
  securityGroups: readonly string[];
  /** Root volume size in GiB; the image's own size when absent. */
  diskSizeGiB?: number;
  /** A local file, sent base64-encoded. */
  userDataFile?: string;
}

export interface Launched {
  id: string;
  name: string;
  image: string;
  type: string;
  state?: string;
}

/**
 * Refuses a Name a live instance already carries: every later --name lookup would
 * otherwise match two instances. `except` lets a rename keep its own name.
 */
export async function assertNameFree(ctx: TaskContext, name: string, except?: string): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  const holders: Instance[] = [];
  for await (const page of sdk.paginateDescribeInstances(
    { client },
    { Filters: [{ Name: 'tag:Name', Values: [name] }, { Name: 'instance-state-name', Values: [...LIVE_STATES] }] },
  )) {
    for (const r of page.Reservations ?? []) holders.push(...(r.Instances ?? []).filter((i) => i.InstanceId !== except));
  }
  if (holders.length > 0) {
    const list = holders.map((i) => `${i.InstanceId} (${i.State?.Name})`).join(', ');
    throw new OriginError(`an instance named '${name}' already exists: ${list}`, {
      hint: 'choose another --name, or rename or delete the existing one',
    });
  }
}

export async function launchInstance(ctx: TaskContext, spec: LaunchSpec): Promise<Launched> {
  const userData = spec.userDataFile ? await readUserData(ctx, spec.userDataFile) : undefined;
  const blockDevices = await rootDeviceMapping(ctx, spec.image, spec.diskSizeGiB);
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
  ctx.journal.record({
    kind: 'instance',
    id: instanceLabel({ ...instance, Tags: instance.Tags ?? nameTag }),
    undo: async () => {
      await terminateInstance(ctx, id);
    },
  });
  ctx.log.verbose(`launched ${id} (${spec.name}), ${instance.State?.Name ?? 'pending'}`);
  return { id, name: spec.name, image: spec.image, type: spec.type, state: instance.State?.Name };
}

/**
 * Checks the image exists and, when a disk size is asked for, maps it onto the image's
 * own root device (its name differs between images: /dev/sda1, /dev/xvda, …).
 */
async function rootDeviceMapping(ctx: TaskContext, imageId: string, sizeGiB: number | undefined): Promise<BlockDeviceMapping[] | undefined> {
  const image = await imageById(ctx, imageId);
  if (!image) {
    throw new NotFoundError(`no image ${imageId} in this region`, { hint: 'origin-setup ec2:image:list --owner OWNER shows the images' });
  }
  if (sizeGiB === undefined) return undefined;
  const root = image.RootDeviceName;
  if (!root || image.RootDeviceType !== 'ebs') {
    throw new UsageError(`--disksize: image ${imageId} has no EBS root device to resize`);
  }
  const imageSize = image.BlockDeviceMappings?.find((m) => m.DeviceName === root)?.Ebs?.VolumeSize;
  if (imageSize !== undefined && sizeGiB < imageSize) {
    throw new UsageError(`--disksize ${sizeGiB}: image ${imageId} needs at least ${imageSize} GiB for ${root}`);
  }
  return [{ DeviceName: root, Ebs: { VolumeSize: sizeGiB } }];
}

async function readUserData(ctx: TaskContext, file: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(resolve(ctx.settings.cwd, file));
  } catch (err) {
    throw new UsageError(`--userdata ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (data.length > USER_DATA_LIMIT) {
    throw new UsageError(`--userdata ${file}: ${data.length} bytes; EC2 accepts at most ${USER_DATA_LIMIT}`);
  }
  return data.toString('base64');
}
