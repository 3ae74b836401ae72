// EBS volumes and snapshots: listing with filters and pages, and deleting with EC2's
// refusals (a volume still attached, a snapshot an image is made of).
import type { SandboxSnapshot, SandboxState, SandboxVolume } from '../model.js';
import { type ActionHandler, applyFilters, availabilityZone, Ec2Error, type FilterAttributes, filtersOf, paginate, tagSet } from './common.js';
import { OWNER_ALIASES } from './images.js';
import { findSnapshot, findVolume } from './lookups.js';
import type { XmlFields } from './xml.js';

function volumeXml(state: SandboxState, v: SandboxVolume): XmlFields {
  return {
    volumeId: v.id,
    size: v.sizeGiB,
    snapshotId: v.snapshotId ?? '',
    availabilityZone: availabilityZone(state),
    status: v.state,
    createTime: v.createTime,
    attachmentSet: v.attachment
      ? [
          {
            volumeId: v.id,
            instanceId: v.attachment.instanceId,
            device: v.attachment.device,
            status: 'attached',
            attachTime: v.createTime,
            deleteOnTermination: v.attachment.deleteOnTermination,
          },
        ]
      : [],
    volumeType: v.type,
    // What gp3 and io volumes report; gp2's come from the size (3 per GiB, at least 100).
    iops: v.type === 'gp3' ? 3000 : v.type === 'gp2' ? Math.min(16_000, Math.max(100, 3 * v.sizeGiB)) : undefined,
    throughput: v.type === 'gp3' ? 125 : undefined,
    encrypted: v.encrypted,
    tagSet: tagSet(v.tags),
    multiAttachEnabled: false,
  };
}

const VOLUME_FILTERS: FilterAttributes<SandboxVolume> = {
  'volume-id': (v) => [v.id],
  status: (v) => [v.state],
  size: (v) => [v.sizeGiB],
  'volume-type': (v) => [v.type],
  'snapshot-id': (v) => [v.snapshotId],
  encrypted: (v) => [v.encrypted],
  'create-time': (v) => [v.createTime],
  'attachment.instance-id': (v) => [v.attachment?.instanceId],
  'attachment.device': (v) => [v.attachment?.device],
  'attachment.status': (v) => (v.attachment ? ['attached'] : []),
  'attachment.delete-on-termination': (v) => [v.attachment?.deleteOnTermination],
  'multi-attach-enabled': () => [false],
};

export const describeVolumes: ActionHandler = ({ state, p }) => {
  const ids = p.list('VolumeId');
  const chosen = ids.length ? ids.map((id) => findVolume(state, id)) : state.ec2.volumes;
  const attributes = { ...VOLUME_FILTERS, 'availability-zone': () => [availabilityZone(state)] };
  const matching = applyFilters(chosen, filtersOf(p), attributes);
  const { page, nextToken } = paginate('DescribeVolumes', matching, p, { min: 5, max: 500, ...(ids.length ? { idsParam: 'volumeIds' } : {}) });
  return { volumeSet: page.map((v) => volumeXml(state, v)), nextToken };
};

export const deleteVolume: ActionHandler = ({ state, p }) => {
  const volume = findVolume(state, p.required('VolumeId'));
  if (volume.attachment) {
    throw new Ec2Error('VolumeInUse', `Volume ${volume.id} is currently attached to ${volume.attachment.instanceId}`);
  }
  state.ec2.volumes = state.ec2.volumes.filter((v) => v !== volume);
  return { return: true };
};

function snapshotXml(s: SandboxSnapshot): XmlFields {
  return {
    snapshotId: s.id,
    volumeId: s.volumeId,
    status: s.state,
    startTime: s.startTime,
    progress: s.state === 'completed' ? '100%' : '0%',
    ownerId: s.ownerId,
    ownerAlias: OWNER_ALIASES[s.ownerId],
    volumeSize: s.sizeGiB,
    description: s.description,
    encrypted: false,
    tagSet: tagSet(s.tags),
    storageTier: 'standard',
  };
}

const SNAPSHOT_FILTERS: FilterAttributes<SandboxSnapshot> = {
  'snapshot-id': (s) => [s.id],
  'volume-id': (s) => [s.volumeId],
  status: (s) => [s.state],
  'owner-id': (s) => [s.ownerId],
  'owner-alias': (s) => [OWNER_ALIASES[s.ownerId]],
  description: (s) => [s.description],
  'volume-size': (s) => [s.sizeGiB],
  encrypted: () => [false],
  'start-time': (s) => [s.startTime],
  progress: (s) => [s.state === 'completed' ? '100%' : '0%'],
  'storage-tier': () => ['standard'],
};

export const describeSnapshots: ActionHandler = ({ state, p }) => {
  const ids = p.list('SnapshotId');
  // The seed's snapshots belong to the public images of other accounts: listed as public.
  let snapshots = ids.length ? ids.map((id) => findSnapshot(state, id)) : state.ec2.snapshots;
  const owners = p.list('Owner');
  if (owners.length) {
    snapshots = snapshots.filter((s) =>
      owners.some((o) => {
        if (o === 'self') return s.ownerId === state.accountId;
        if (/^\d{12}$/.test(o)) return s.ownerId === o;
        if (o === 'amazon' || o === 'aws-marketplace') return OWNER_ALIASES[s.ownerId] === o;
        throw new Ec2Error('InvalidUserID.Malformed', `Invalid user id: "${o}"`);
      }),
    );
  }
  const matching = applyFilters(snapshots, filtersOf(p), SNAPSHOT_FILTERS);
  const { page, nextToken } = paginate('DescribeSnapshots', matching, p, { min: 5, max: 1000, ...(ids.length ? { idsParam: 'snapshotIds' } : {}) });
  return { snapshotSet: page.map(snapshotXml), nextToken };
};

export const deleteSnapshot: ActionHandler = ({ state, p }) => {
  const snapshot = findSnapshot(state, p.required('SnapshotId'));
  if (snapshot.ownerId !== state.accountId) throw new Ec2Error('AuthFailure', `Not authorized for snapshot:${snapshot.id}`);
  const image = state.ec2.images.find((i) => i.rootSnapshotId === snapshot.id && i.state !== 'deregistered');
  if (image) throw new Ec2Error('InvalidSnapshot.InUse', `The snapshot ${snapshot.id} is currently in use by ${image.id}`);
  state.ec2.snapshots = state.ec2.snapshots.filter((s) => s !== snapshot);
  return { return: true };
};
