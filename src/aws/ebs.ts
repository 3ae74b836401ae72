// EBS volumes and snapshots: listing (paged) and deleting, with EC2's refusals turned
// into errors that say what to do.
import type { Snapshot, Volume } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError } from '../engine/errors.js';
import { dryRun, mutate } from './ec2.js';

export interface SnapshotSummary {
  id: string;
  started: string;
  state: string;
  volumeId: string;
  sizeGiB: number;
}

export interface VolumeSummary {
  id: string;
  created: string;
  state: string;
  sizeGiB: number;
  /** Instance ids; more than one only for multi-attach volumes. */
  attachedTo: string[];
}

/** Whole seconds, UTC: 2013-05-30T11:37:08Z. */
const timestamp = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

const byTimeThenId =
  <T extends { id: string }>(time: (x: T) => string) =>
  (a: T, b: T) =>
    time(a).localeCompare(time(b)) || a.id.localeCompare(b.id);

/** This account's snapshots (not the public ones EC2 would also list), oldest first. */
export async function listSnapshots(ctx: Pick<TaskContext, 'aws'>): Promise<SnapshotSummary[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const all: Snapshot[] = [];
  for await (const page of sdk.paginateDescribeSnapshots({ client }, { OwnerIds: ['self'] })) all.push(...(page.Snapshots ?? []));
  return all
    .map((s) => ({
      id: s.SnapshotId!,
      started: timestamp(s.StartTime),
      state: s.State ?? '-',
      volumeId: s.VolumeId ?? '-',
      sizeGiB: s.VolumeSize ?? 0,
    }))
    .sort(byTimeThenId((s) => s.started));
}

/** Every volume in the region, oldest first. */
export async function listVolumes(ctx: Pick<TaskContext, 'aws'>): Promise<VolumeSummary[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const all: Volume[] = [];
  for await (const page of sdk.paginateDescribeVolumes({ client }, {})) all.push(...(page.Volumes ?? []));
  return all
    .map((v) => ({
      id: v.VolumeId!,
      created: timestamp(v.CreateTime),
      state: v.State ?? '-',
      sizeGiB: v.Size ?? 0,
      attachedTo: (v.Attachments ?? []).map((a) => a.InstanceId!).filter(Boolean),
    }))
    .sort(byTimeThenId((v) => v.created));
}

export async function deleteSnapshot(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'log'>, id: string): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  try {
    await mutate(ctx, 'DeleteSnapshot', () => client.send(new sdk.DeleteSnapshotCommand({ SnapshotId: id, ...dryRun(ctx) })));
  } catch (err) {
    const { name, message } = err as Error;
    if (name === 'InvalidSnapshot.NotFound') {
      throw new NotFoundError(`no snapshot ${id} in this account`, { hint: 'origin-setup ec2:snapshot:list shows your snapshots' });
    }
    if (name === 'InvalidSnapshot.InUse') {
      throw new OriginError(`snapshot ${id} is in use: ${message}`, { hint: 'deregister the image made from it first' });
    }
    throw err;
  }
  ctx.log.verbose(`deleted snapshot ${id}`);
}

export async function deleteVolume(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'log'>, id: string): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  try {
    await mutate(ctx, 'DeleteVolume', () => client.send(new sdk.DeleteVolumeCommand({ VolumeId: id, ...dryRun(ctx) })));
  } catch (err) {
    const { name, message } = err as Error;
    if (name === 'InvalidVolume.NotFound') {
      throw new NotFoundError(`no volume ${id}`, { hint: 'origin-setup ec2:volume:list shows the volumes' });
    }
    if (name === 'VolumeInUse') {
      throw new OriginError(`volume ${id} is in use: ${message}`, { hint: 'detach it, or terminate its instance, first' });
    }
    throw err;
  }
  ctx.log.verbose(`deleted volume ${id}`);
}
