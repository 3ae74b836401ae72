// Instances: launching (with the root volume, tags, idempotency), listing with filters and
// pages, starting, stopping and terminating, and the passing of time between those states.
import type { InstanceState, SandboxInstance, SandboxState, SandboxVolume, Tag } from '../model.js';
import { nextId } from '../model.js';
import {
  type ActionHandler,
  applyFilters,
  availabilityZone,
  DELAYS_MS,
  defaultSubnetId,
  defaultVpcId,
  Ec2Error,
  type FilterAttributes,
  filtersOf,
  nextAddress,
  paginate,
  type Params,
  privateDnsName,
  publicDnsName,
  putTags,
  tagSet,
  tagSpecifications,
  TERMINATED_VISIBLE_MS,
} from './common.js';
import { findGroupById, findGroupByName, findImage, findInstances } from './lookups.js';
import { timestamp, type XmlFields } from './xml.js';

const STATE_CODES: Record<InstanceState, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const USER_SHUTDOWN = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };

export const VOLUME_TYPES = ['standard', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1'];

/** EC2 keeps whole seconds of a launch time; the tool breaks name races on it. */
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

/** Every address an instance or elastic IP holds, so a new one is never a duplicate. */
export function addressInUse(state: SandboxState): (ip: string) => boolean {
  const used = new Set<string>();
  for (const i of state.ec2.instances) {
    used.add(i.privateIp);
    if (i.publicIp) used.add(i.publicIp);
  }
  for (const a of state.ec2.addresses) used.add(a.publicIp);
  return (ip) => used.has(ip);
}

/** The instance's public address: its elastic IP when one points at it, else a new one. */
export function givePublicIp(state: SandboxState, i: SandboxInstance): void {
  const eip = state.ec2.addresses.find((a) => a.instanceId === i.id);
  i.publicIp = eip ? eip.publicIp : nextAddress(state, 'public', addressInUse(state));
}

/**
 * Moves every instance on whose transition time has come: pending → running (with a public
 * address), stopping → stopped (the auto-assigned address goes), shutting-down → terminated
 * (the elastic IP is let go, delete-on-termination volumes are deleted, others detached).
 * A terminated instance is listed for an hour, then forgotten, as on AWS.
 */
export function advanceInstances(state: SandboxState, now: number): void {
  for (const i of state.ec2.instances) {
    if (i.transitionAt === undefined || i.transitionAt > now) continue;
    const at = i.transitionAt;
    if (i.state === 'pending') {
      i.state = 'running';
      delete i.transitionAt;
      givePublicIp(state, i);
    } else if (i.state === 'stopping') {
      i.state = 'stopped';
      delete i.transitionAt;
      if (!state.ec2.addresses.some((a) => a.instanceId === i.id)) delete i.publicIp;
    } else if (i.state === 'shutting-down') {
      i.state = 'terminated';
      // Not a transition any more: when the terminated instance stops being listed.
      i.transitionAt = at + TERMINATED_VISIBLE_MS;
      delete i.publicIp;
      for (const a of state.ec2.addresses) {
        if (a.instanceId === i.id) {
          delete a.instanceId;
          delete a.associationId;
        }
      }
      state.ec2.volumes = state.ec2.volumes.filter((v) => !(v.attachment?.instanceId === i.id && v.attachment.deleteOnTermination));
      for (const v of state.ec2.volumes) {
        if (v.attachment?.instanceId === i.id) {
          delete v.attachment;
          v.state = 'available';
        }
      }
    }
  }
  state.ec2.instances = state.ec2.instances.filter((i) => !(i.state === 'terminated' && i.transitionAt !== undefined && i.transitionAt <= now));
}

// --- the XML of an instance ---

export function instanceXml(state: SandboxState, i: SandboxInstance): XmlFields {
  const image = state.ec2.images.find((x) => x.id === i.imageId);
  const live = i.state !== 'terminated';
  const volumes = state.ec2.volumes.filter((v) => v.attachment?.instanceId === i.id);
  const rootDevice = volumes.find((v) => v.id === i.rootVolumeId)?.attachment?.device ?? image?.rootDeviceName ?? '/dev/xvda';
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: { code: STATE_CODES[i.state], name: i.state },
    // EC2 answers an empty name rather than none while there is no address.
    privateDnsName: live ? privateDnsName(i.privateIp, state.region) : '',
    dnsName: i.publicIp ? publicDnsName(i.publicIp, state.region) : '',
    reason: i.stateReason?.code === USER_SHUTDOWN.code ? 'User initiated' : '',
    keyName: i.keyName,
    amiLaunchIndex: launchIndex(state, i),
    productCodes: [],
    instanceType: i.type,
    launchTime: i.launchTime,
    placement: { availabilityZone: availabilityZone(state), groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: live ? defaultSubnetId(state) : undefined,
    vpcId: live ? defaultVpcId(state) : undefined,
    privateIpAddress: live ? i.privateIp : undefined,
    ipAddress: i.publicIp,
    sourceDestCheck: true,
    groupSet: live ? i.securityGroupIds.map((id) => ({ groupId: id, groupName: state.ec2.securityGroups.find((g) => g.id === id)?.name })) : [],
    stateReason: i.stateReason ? { code: i.stateReason.code, message: i.stateReason.message } : undefined,
    architecture: image?.architecture ?? 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: rootDevice,
    blockDeviceMapping: volumes.map((v) => ({
      deviceName: v.attachment!.device,
      ebs: { volumeId: v.id, status: 'attached', attachTime: v.createTime, deleteOnTermination: v.attachment!.deleteOnTermination },
    })),
    virtualizationType: 'hvm',
    clientToken: i.clientToken ?? '',
    tagSet: tagSet(i.tags),
    hypervisor: 'xen',
    ebsOptimized: false,
    enaSupport: true,
    metadataOptions: {
      state: i.state === 'pending' ? 'pending' : 'applied',
      httpTokens: i.metadataHttpTokens,
      httpPutResponseHopLimit: i.metadataHopLimit ?? 1,
      httpEndpoint: i.metadataHttpEndpoint ?? 'enabled',
      httpProtocolIpv6: 'disabled',
      instanceMetadataTags: 'disabled',
    },
    platformDetails: image?.platformDetails ?? 'Linux/UNIX',
    usageOperation: 'RunInstances',
  };
}

function reservationOf(i: SandboxInstance): string {
  return i.reservationId ?? `r-${i.id.slice(2)}`;
}

function launchIndex(state: SandboxState, i: SandboxInstance): number {
  const r = reservationOf(i);
  return Math.max(0, state.ec2.instances.filter((x) => reservationOf(x) === r).indexOf(i));
}

/** Instances grouped by reservation, in the order first seen. */
function reservationsXml(state: SandboxState, instances: readonly SandboxInstance[]): XmlFields[] {
  const groups = new Map<string, SandboxInstance[]>();
  for (const i of instances) {
    const r = reservationOf(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(i);
  }
  return [...groups.entries()].map(([id, members]) => ({
    reservationId: id,
    ownerId: state.accountId,
    groupSet: [],
    instancesSet: members.map((i) => instanceXml(state, i)),
  }));
}

// --- DescribeInstances ---

function instanceFilters(state: SandboxState): FilterAttributes<SandboxInstance> {
  const groupNames = (i: SandboxInstance) => i.securityGroupIds.map((id) => state.ec2.securityGroups.find((g) => g.id === id)?.name);
  const arch = (i: SandboxInstance) => [state.ec2.images.find((x) => x.id === i.imageId)?.architecture ?? 'x86_64'];
  return {
    'instance-id': (i) => [i.id],
    'instance-state-name': (i) => [i.state],
    'instance-state-code': (i) => [STATE_CODES[i.state]],
    'image-id': (i) => [i.imageId],
    'instance-type': (i) => [i.type],
    'key-name': (i) => [i.keyName],
    'ip-address': (i) => [i.publicIp],
    'private-ip-address': (i) => (i.state === 'terminated' ? [] : [i.privateIp]),
    'dns-name': (i) => (i.publicIp ? [publicDnsName(i.publicIp, state.region)] : []),
    'private-dns-name': (i) => (i.state === 'terminated' ? [] : [privateDnsName(i.privateIp, state.region)]),
    'reservation-id': (i) => [reservationOf(i)],
    'availability-zone': () => [availabilityZone(state)],
    'vpc-id': (i) => (i.state === 'terminated' ? [] : [defaultVpcId(state)]),
    'subnet-id': (i) => (i.state === 'terminated' ? [] : [defaultSubnetId(state)]),
    'instance.group-id': (i) => i.securityGroupIds,
    'instance.group-name': groupNames,
    'group-id': (i) => i.securityGroupIds,
    'group-name': groupNames,
    'client-token': (i) => [i.clientToken],
    'launch-time': (i) => [i.launchTime],
    architecture: arch,
    'root-device-type': () => ['ebs'],
    'metadata-options.http-tokens': (i) => [i.metadataHttpTokens],
    'state-reason-code': (i) => [i.stateReason?.code],
  };
}

export const describeInstances: ActionHandler = ({ state, p }) => {
  const ids = p.list('InstanceId');
  const chosen = ids.length ? findInstances(state, ids) : state.ec2.instances;
  const matching = applyFilters(chosen, filtersOf(p), instanceFilters(state));
  const { page, nextToken } = paginate('DescribeInstances', matching, p, {
    min: 5,
    max: 1000,
    ...(ids.length ? { idsParam: 'instancesSet' } : {}),
  });
  return { reservationSet: reservationsXml(state, page), nextToken };
};

// --- RunInstances ---

interface DeviceRequest {
  device: string;
  sizeGiB?: number;
  type?: string;
  encrypted?: boolean;
  deleteOnTermination?: boolean;
  snapshotId?: string;
  noDevice: boolean;
  virtual: boolean;
}

function deviceRequests(p: Params): DeviceRequest[] {
  return p.group('BlockDeviceMapping').map((m) => {
    const ebs = m.struct('Ebs');
    const device = m.str('DeviceName');
    if (!device) throw new Ec2Error('InvalidBlockDeviceMapping', 'The device name must be given for every block device mapping.');
    const type = ebs.str('VolumeType');
    if (type !== undefined && !VOLUME_TYPES.includes(type)) {
      throw new Ec2Error('InvalidParameterValue', `Value (${type}) for parameter volumeType is invalid. Valid types: ${VOLUME_TYPES.join(', ')}.`);
    }
    const size = ebs.int('VolumeSize');
    if (size !== undefined && (size < 1 || size > 16_384)) {
      throw new Ec2Error('InvalidParameterValue', `Volume size ${size} is out of range: 1-16384 GiB.`);
    }
    return {
      device,
      ...(size !== undefined ? { sizeGiB: size } : {}),
      ...(type !== undefined ? { type } : {}),
      ...(ebs.bool('Encrypted') !== undefined ? { encrypted: ebs.bool('Encrypted')! } : {}),
      ...(ebs.bool('DeleteOnTermination') !== undefined ? { deleteOnTermination: ebs.bool('DeleteOnTermination')! } : {}),
      ...(ebs.str('SnapshotId') ? { snapshotId: ebs.str('SnapshotId')! } : {}),
      noDevice: m.str('NoDevice') !== undefined,
      virtual: m.str('VirtualName') !== undefined,
    };
  });
}

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;
const LAUNCH_TAG_TYPES = ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu'];
const USER_DATA_LIMIT = 16 * 1024;
const INSTANCE_LIMIT = 20;

export const runInstances: ActionHandler = ({ state, p, now, scale }) => {
  const imageId = p.required('ImageId');
  const type = p.str('InstanceType') ?? 'm1.small';
  const minCount = p.requiredInt('MinCount');
  const maxCount = p.requiredInt('MaxCount');
  const token = p.str('ClientToken');

  if (token) {
    // The same token again is the same launch: its instances are answered, none is started.
    const earlier = state.ec2.instances.filter((i) => i.clientToken === token);
    if (earlier.length) {
      if (earlier.some((i) => i.imageId !== imageId || i.type !== type) || earlier.length > maxCount) {
        throw new Ec2Error('IdempotentParameterMismatch', `Arguments on this idempotent request are inconsistent with arguments used in previous request(s).`);
      }
      return reservationsXml(state, earlier)[0]!;
    }
  }

  if (minCount < 1 || maxCount < 1) throw new Ec2Error('InvalidParameterValue', 'MinCount and MaxCount must be at least 1');
  if (minCount > maxCount) {
    throw new Ec2Error('InvalidParameterValue', `MinCount (${minCount}) must be less than or equal to MaxCount (${maxCount})`);
  }
  const live = state.ec2.instances.filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down').length;
  if (live + minCount > INSTANCE_LIMIT) {
    throw new Ec2Error(
      'InstanceLimitExceeded',
      `You have requested more instances (${live + minCount}) than your current instance limit of ${INSTANCE_LIMIT} allows for the specified instance type.`,
    );
  }
  const count = Math.min(maxCount, INSTANCE_LIMIT - live);

  const image = findImage(state, imageId);
  if (image.state !== 'available') throw new Ec2Error('InvalidAMIID.Unavailable', `Image ${imageId} is not available (${image.state})`);
  if (!INSTANCE_TYPE.test(type)) throw new Ec2Error('InvalidParameterValue', `Invalid value '${type}' for InstanceType.`);

  const keyName = p.str('KeyName');
  if (keyName !== undefined && !state.ec2.keyPairs.some((k) => k.name === keyName)) {
    throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
  }

  const groupIds = [
    ...p.list('SecurityGroup').map((name) => findGroupByName(state, name).id),
    ...p.list('SecurityGroupId').map((id) => findGroupById(state, id).id),
  ];
  if (groupIds.length === 0) groupIds.push(findGroupByName(state, 'default').id);

  const userData = p.str('UserData');
  if (userData !== undefined) {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(userData)) throw new Ec2Error('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
    if (Buffer.from(userData, 'base64').length > USER_DATA_LIMIT) {
      throw new Ec2Error('InvalidParameterValue', `User data is limited to ${USER_DATA_LIMIT} bytes`);
    }
  }

  const meta = p.struct('MetadataOptions');
  const httpTokens = meta.str('HttpTokens') ?? 'optional';
  if (httpTokens !== 'required' && httpTokens !== 'optional') {
    throw new Ec2Error('InvalidParameterValue', `The value '${httpTokens}' is not valid for HttpTokens. Valid values: required, optional.`);
  }
  const httpEndpoint = meta.str('HttpEndpoint') ?? 'enabled';
  if (httpEndpoint !== 'enabled' && httpEndpoint !== 'disabled') {
    throw new Ec2Error('InvalidParameterValue', `The value '${httpEndpoint}' is not valid for HttpEndpoint. Valid values: enabled, disabled.`);
  }
  const hopLimit = meta.int('HttpPutResponseHopLimit') ?? 1;
  if (hopLimit < 1 || hopLimit > 64) throw new Ec2Error('InvalidParameterValue', `HttpPutResponseHopLimit must be between 1 and 64.`);

  // Checked on throw-away copies first, so a bad tag starts nothing.
  const instanceTags = tagSpecifications(p, 'instance', LAUNCH_TAG_TYPES);
  const volumeTags = tagSpecifications(p, 'volume', LAUNCH_TAG_TYPES);
  putTags([], instanceTags);
  putTags([], volumeTags);

  const devices = deviceRequests(p);
  const rootReq = devices.find((d) => d.device === image.rootDeviceName);
  const rootSize = rootReq?.sizeGiB ?? image.rootSizeGiB;
  if (rootSize < image.rootSizeGiB) {
    throw new Ec2Error(
      'InvalidBlockDeviceMapping',
      `Volume of size ${rootSize}GB is smaller than snapshot '${image.rootSnapshotId ?? image.id}', expect size >= ${image.rootSizeGiB}GB`,
    );
  }
  const extra = devices.filter((d) => d !== rootReq && !d.noDevice && !d.virtual);
  for (const d of extra) {
    if (d.sizeGiB === undefined && d.snapshotId === undefined) {
      throw new Ec2Error('InvalidBlockDeviceMapping', `The device ${d.device} needs a volume size or a snapshot id.`);
    }
  }
  const extraSizes = extra.map((d) => {
    if (d.snapshotId === undefined) return d.sizeGiB!;
    const snap = state.ec2.snapshots.find((s) => s.id === d.snapshotId);
    if (!snap) throw new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${d.snapshotId}' does not exist.`);
    if (d.sizeGiB !== undefined && d.sizeGiB < snap.sizeGiB) {
      throw new Ec2Error('InvalidBlockDeviceMapping', `Volume of size ${d.sizeGiB}GB is smaller than snapshot '${snap.id}', expect size >= ${snap.sizeGiB}GB`);
    }
    return d.sizeGiB ?? snap.sizeGiB;
  });

  const reservationId = nextId(state, 'r-');
  const launchTime = wholeSeconds(now);
  const launched: SandboxInstance[] = [];
  for (let n = 0; n < count; n++) {
    const id = nextId(state, 'i-');
    const volume = (device: string, sizeGiB: number, req: DeviceRequest | undefined, snapshotId: string | undefined, fallbackType: string): SandboxVolume => {
      const v: SandboxVolume = {
        id: nextId(state, 'vol-'),
        sizeGiB,
        type: req?.type ?? fallbackType,
        encrypted: req?.encrypted ?? false,
        ...(snapshotId ? { snapshotId } : {}),
        state: 'in-use',
        attachment: { instanceId: id, device, deleteOnTermination: req?.deleteOnTermination ?? true },
        createTime: timestamp(now),
        tags: volumeTags.map((t: Tag) => ({ ...t })),
      };
      state.ec2.volumes.push(v);
      return v;
    };
    const root = volume(image.rootDeviceName, rootSize, rootReq, image.rootSnapshotId, image.rootVolumeType ?? 'gp2');
    extra.forEach((d, k) => volume(d.device, extraSizes[k]!, d, d.snapshotId, 'gp2'));
    const instance: SandboxInstance = {
      id,
      reservationId,
      imageId: image.id,
      type,
      ...(keyName !== undefined ? { keyName } : {}),
      state: 'pending',
      transitionAt: now + DELAYS_MS.launch * scale,
      launchTime,
      privateIp: nextAddress(state, 'private', addressInUse(state)),
      securityGroupIds: [...new Set(groupIds)],
      ...(userData !== undefined ? { userData } : {}),
      ...(token ? { clientToken: token } : {}),
      metadataHttpTokens: httpTokens,
      metadataHopLimit: hopLimit,
      metadataHttpEndpoint: httpEndpoint,
      rootVolumeId: root.id,
      tags: instanceTags.map((t) => ({ ...t })),
    };
    state.ec2.instances.push(instance);
    launched.push(instance);
  }
  return reservationsXml(state, launched)[0]!;
};

// --- Start, Stop, Terminate ---

type Change = { instanceId: string; currentState: XmlFields; previousState: XmlFields };

const stateXml = (s: InstanceState) => ({ code: STATE_CODES[s], name: s });

/**
 * Checks every instance first (one that cannot make the change fails the whole request, as
 * on EC2), then changes them and says what each was and is.
 */
function changeStates(state: SandboxState, p: Params, check: (i: SandboxInstance) => void, change: (i: SandboxInstance) => void): Change[] {
  const ids = p.list('InstanceId');
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = findInstances(state, ids);
  instances.forEach(check);
  return instances.map((i) => {
    const previous = i.state;
    change(i);
    return { instanceId: i.id, currentState: stateXml(i.state), previousState: stateXml(previous) };
  });
}

export const startInstances: ActionHandler = ({ state, p, now, scale }) => ({
  instancesSet: changeStates(
    state,
    p,
    (i) => {
      if (i.state === 'stopping' || i.state === 'shutting-down' || i.state === 'terminated') {
        throw new Ec2Error('IncorrectInstanceState', `The instance '${i.id}' is not in a state from which it can be started.`);
      }
    },
    (i) => {
      if (i.state !== 'stopped') return;
      i.state = 'pending';
      i.transitionAt = now + DELAYS_MS.launch * scale;
      delete i.stateReason;
    },
  ),
});

export const stopInstances: ActionHandler = ({ state, p, now, scale }) => ({
  instancesSet: changeStates(
    state,
    p,
    (i) => {
      if (i.state === 'pending' || i.state === 'shutting-down' || i.state === 'terminated') {
        throw new Ec2Error('IncorrectInstanceState', `The instance '${i.id}' is not in a state from which it can be stopped.`);
      }
    },
    (i) => {
      if (i.state !== 'running') return;
      i.state = 'stopping';
      i.transitionAt = now + DELAYS_MS.stop * scale;
      i.stateReason = { ...USER_SHUTDOWN };
    },
  ),
});

export const terminateInstances: ActionHandler = ({ state, p, now, scale }) => ({
  instancesSet: changeStates(
    state,
    p,
    () => undefined,
    (i) => {
      if (i.state === 'shutting-down' || i.state === 'terminated') return;
      i.state = 'shutting-down';
      i.transitionAt = now + DELAYS_MS.terminate * scale;
      i.stateReason = { ...USER_SHUTDOWN };
    },
  ),
});
