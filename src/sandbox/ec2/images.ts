// Images: listing (owners, ids, executable-by, filters, pages), creating one from an
// instance (a snapshot of its root volume, pending for a while) and deregistering.
import type { SandboxImage, SandboxSnapshot, SandboxState } from '../model.js';
import { nextId } from '../model.js';
import {
  type ActionHandler,
  applyFilters,
  DELAYS_MS,
  Ec2Error,
  type FilterAttributes,
  filtersOf,
  paginate,
  putTags,
  tagSet,
  tagSpecifications,
} from './common.js';
import { findImage, findInstance } from './lookups.js';
import { timestamp, type XmlFields } from './xml.js';

/** Accounts EC2 shows with an alias (DescribeImages' imageOwnerAlias, and Owners=amazon). */
export const OWNER_ALIASES: Readonly<Record<string, string>> = { '137112412989': 'amazon' };

const AMI_NAME = /^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/;

/** Pending images whose time has come become available, and so do their snapshots. */
export function advanceImages(state: SandboxState, now: number): void {
  for (const image of state.ec2.images) {
    if (image.state !== 'pending' || image.availableAt === undefined || image.availableAt > now) continue;
    image.state = 'available';
    delete image.availableAt;
    const snap = state.ec2.snapshots.find((s) => s.id === image.rootSnapshotId);
    if (snap) snap.state = 'completed';
  }
}

export function imageXml(image: SandboxImage): XmlFields {
  const alias = OWNER_ALIASES[image.ownerId];
  return {
    imageId: image.id,
    imageLocation: `${alias ?? image.ownerId}/${image.name}`,
    imageState: image.state,
    imageOwnerId: image.ownerId,
    creationDate: image.creationDate,
    isPublic: image.public,
    architecture: image.architecture,
    imageType: 'machine',
    platformDetails: image.platformDetails,
    usageOperation: 'RunInstances',
    imageOwnerAlias: alias,
    name: image.name,
    description: image.description,
    rootDeviceType: 'ebs',
    rootDeviceName: image.rootDeviceName,
    blockDeviceMapping: [
      {
        deviceName: image.rootDeviceName,
        ebs: {
          snapshotId: image.rootSnapshotId,
          volumeSize: image.rootSizeGiB,
          deleteOnTermination: true,
          volumeType: image.rootVolumeType ?? 'gp2',
          encrypted: false,
        },
      },
    ],
    virtualizationType: 'hvm',
    tagSet: tagSet(image.tags),
    hypervisor: 'xen',
    enaSupport: true,
    sriovNetSupport: 'simple',
  };
}

const IMAGE_FILTERS: FilterAttributes<SandboxImage> = {
  name: (i) => [i.name],
  architecture: (i) => [i.architecture],
  state: (i) => [i.state],
  'owner-id': (i) => [i.ownerId],
  'owner-alias': (i) => [OWNER_ALIASES[i.ownerId]],
  'image-id': (i) => [i.id],
  'is-public': (i) => [i.public],
  'platform-details': (i) => [i.platformDetails],
  'root-device-type': () => ['ebs'],
  'root-device-name': (i) => [i.rootDeviceName],
  'image-type': () => ['machine'],
  description: (i) => [i.description],
  'virtualization-type': () => ['hvm'],
  hypervisor: () => ['xen'],
  'creation-date': (i) => [i.creationDate],
  'block-device-mapping.device-name': (i) => [i.rootDeviceName],
  'block-device-mapping.snapshot-id': (i) => [i.rootSnapshotId],
  'block-device-mapping.volume-size': (i) => [i.rootSizeGiB],
  'block-device-mapping.volume-type': (i) => [i.rootVolumeType ?? 'gp2'],
  'block-device-mapping.encrypted': () => [false],
  platform: () => [],
};

/** An Owners or ExecutableBy value as the account ids (or alias) it stands for. */
function ownerMatcher(state: SandboxState, owner: string): (i: SandboxImage) => boolean {
  if (owner === 'self') return (i) => i.ownerId === state.accountId;
  if (owner === 'amazon' || owner === 'aws-marketplace' || owner === 'aws-backup-vault') return (i) => OWNER_ALIASES[i.ownerId] === owner;
  if (/^\d{12}$/.test(owner)) return (i) => i.ownerId === owner;
  throw new Ec2Error('InvalidUserID.Malformed', `Invalid user id: "${owner}"`);
}

export const describeImages: ActionHandler = ({ state, p }) => {
  // Images anyone may launch, and this account's own.
  let images = state.ec2.images.filter((i) => i.state !== 'deregistered' && (i.public || i.ownerId === state.accountId));
  const ids = p.list('ImageId');
  if (ids.length) {
    for (const id of ids) findImage(state, id);
    const missing = ids.filter((id) => !images.some((i) => i.id === id));
    if (missing.length) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
    images = images.filter((i) => ids.includes(i.id));
  }
  const owners = p.list('Owner');
  if (owners.length) {
    const tests = owners.map((o) => ownerMatcher(state, o));
    images = images.filter((i) => tests.some((t) => t(i)));
  }
  const executableBy = p.list('ExecutableBy');
  if (executableBy.length) {
    images = images.filter((i) =>
      executableBy.some((who) => {
        if (who === 'all') return i.public;
        if (who === 'self' || who === state.accountId) return i.public || i.ownerId === state.accountId;
        if (/^\d{12}$/.test(who)) return i.public;
        throw new Ec2Error('InvalidUserID.Malformed', `Invalid user id: "${who}"`);
      }),
    );
  }
  const matching = applyFilters(images, filtersOf(p), IMAGE_FILTERS);
  const { page, nextToken } = paginate('DescribeImages', matching, p, {
    min: 1,
    max: 1000,
    ...(ids.length ? { idsParam: 'imageIds' } : {}),
  });
  return { imagesSet: page.map(imageXml), nextToken };
};

export const createImage: ActionHandler = ({ state, p, now, scale }) => {
  const instanceId = p.required('InstanceId');
  const name = p.required('Name');
  const instance = findInstance(state, instanceId);
  if (instance.state !== 'running' && instance.state !== 'stopped') {
    throw new Ec2Error('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which it can be imaged (${instance.state}).`);
  }
  if (!AMI_NAME.test(name)) {
    throw new Ec2Error(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, spaces, '(', ')', '[', ']', '.', '/', '-', ''', '@' and '_'`,
    );
  }
  const taken = state.ec2.images.find((i) => i.ownerId === state.accountId && i.name === name && i.state !== 'deregistered');
  if (taken) throw new Ec2Error('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${taken.id}`);
  const imageTags = tagSpecifications(p, 'image', ['image', 'snapshot']);
  const snapshotTags = tagSpecifications(p, 'snapshot', ['image', 'snapshot']);
  putTags([], imageTags);
  putTags([], snapshotTags);

  const root = state.ec2.volumes.find((v) => v.id === instance.rootVolumeId);
  const source = state.ec2.images.find((i) => i.id === instance.imageId);
  const imageId = nextId(state, 'ami-');
  const snapshot: SandboxSnapshot = {
    id: nextId(state, 'snap-'),
    volumeId: instance.rootVolumeId,
    sizeGiB: root?.sizeGiB ?? source?.rootSizeGiB ?? 8,
    description: `Created by CreateImage(${instanceId}) for ${imageId}`,
    state: 'pending',
    startTime: timestamp(now),
    ownerId: state.accountId,
    tags: snapshotTags.map((t) => ({ ...t })),
  };
  state.ec2.snapshots.push(snapshot);
  const description = p.str('Description');
  state.ec2.images.push({
    id: imageId,
    name,
    ...(description !== undefined ? { description } : {}),
    ownerId: state.accountId,
    architecture: source?.architecture ?? 'x86_64',
    platformDetails: source?.platformDetails ?? 'Linux/UNIX',
    rootDeviceName: root?.attachment?.device ?? source?.rootDeviceName ?? '/dev/xvda',
    rootSizeGiB: snapshot.sizeGiB,
    rootSnapshotId: snapshot.id,
    rootVolumeType: root?.type ?? source?.rootVolumeType ?? 'gp2',
    state: 'pending',
    public: false,
    creationDate: timestamp(now),
    availableAt: now + DELAYS_MS.image * scale,
    tags: imageTags.map((t) => ({ ...t })),
  });
  return { imageId };
};

export const deregisterImage: ActionHandler = ({ state, p }) => {
  const image = findImage(state, p.required('ImageId'));
  if (image.ownerId !== state.accountId) throw new Ec2Error('AuthFailure', `Not authorized for image:${image.id}`);
  state.ec2.images = state.ec2.images.filter((i) => i !== image);
  const results: XmlFields[] = [];
  if (p.bool('DeleteAssociatedSnapshots') && image.rootSnapshotId) {
    const id = image.rootSnapshotId;
    const before = state.ec2.snapshots.length;
    state.ec2.snapshots = state.ec2.snapshots.filter((s) => !(s.id === id && s.ownerId === state.accountId));
    results.push({ snapshotId: id, returnCode: state.ec2.snapshots.length < before ? 'success' : 'error-generic' });
  }
  return { return: true, ...(results.length ? { deleteSnapshotResultSet: results } : {}) };
};
