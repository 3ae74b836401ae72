// Elastic IPs: allocating, pointing at an instance (which then answers on it), moving,
// letting go and releasing, with EC2's refusals.
import type { SandboxAddress, SandboxState } from '../model.js';
import { nextId } from '../model.js';
import {
  type ActionHandler,
  applyFilters,
  checkId,
  Ec2Error,
  type FilterAttributes,
  filtersOf,
  nextAddress,
  type Params,
  putTags,
  tagSet,
  tagSpecifications,
} from './common.js';
import { addressInUse, givePublicIp } from './instances.js';
import { findInstance } from './lookups.js';
import type { XmlFields } from './xml.js';

function addressXml(state: SandboxState, a: SandboxAddress): XmlFields {
  const instance = a.instanceId ? state.ec2.instances.find((i) => i.id === a.instanceId) : undefined;
  return {
    publicIp: a.publicIp,
    allocationId: a.allocationId,
    domain: 'vpc',
    instanceId: a.instanceId,
    associationId: a.associationId,
    networkInterfaceId: instance ? `eni-${instance.id.slice(2)}` : undefined,
    networkInterfaceOwnerId: instance ? state.accountId : undefined,
    privateIpAddress: instance?.privateIp,
    tagSet: tagSet(a.tags),
    publicIpv4Pool: 'amazon',
    networkBorderGroup: state.region,
  };
}

function byAllocationId(state: SandboxState, id: string): SandboxAddress {
  checkId(id, 'eipalloc', 'InvalidAllocationID.Malformed');
  const found = state.ec2.addresses.find((a) => a.allocationId === id);
  if (!found) throw new Ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
  return found;
}

function byPublicIp(state: SandboxState, ip: string): SandboxAddress {
  const found = state.ec2.addresses.find((a) => a.publicIp === ip);
  if (!found) throw new Ec2Error('AuthFailure', `The address '${ip}' does not belong to you.`);
  return found;
}

/** AllocationId, else PublicIp: the two ways a request names an address. */
function addressOf(state: SandboxState, p: Params): SandboxAddress {
  const allocationId = p.str('AllocationId');
  if (allocationId) return byAllocationId(state, allocationId);
  const ip = p.str('PublicIp');
  if (ip) return byPublicIp(state, ip);
  throw new Ec2Error('MissingParameter', 'Either public IP or allocation id must be specified');
}

/** Lets an address go from its instance, which then has an address of its own again while it runs. */
function detach(state: SandboxState, a: SandboxAddress): void {
  const instance = state.ec2.instances.find((i) => i.id === a.instanceId);
  delete a.instanceId;
  delete a.associationId;
  if (!instance) return;
  if (instance.state === 'running') givePublicIp(state, instance);
  else delete instance.publicIp;
}

/** AWS's default quota of elastic IPs per region. */
const ADDRESS_LIMIT = 5;

export const allocateAddress: ActionHandler = ({ state, p }) => {
  const domain = p.str('Domain') ?? 'vpc';
  if (domain !== 'vpc' && domain !== 'standard') throw new Ec2Error('InvalidParameterValue', `Invalid value '${domain}' for domain.`);
  if (state.ec2.addresses.length >= ADDRESS_LIMIT) throw new Ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
  const tags = tagSpecifications(p, 'elastic-ip', ['elastic-ip']);
  const address: SandboxAddress = { allocationId: nextId(state, 'eipalloc-'), publicIp: '', tags: [] };
  putTags(address.tags, tags);
  address.publicIp = nextAddress(state, 'elastic', addressInUse(state));
  state.ec2.addresses.push(address);
  return {
    publicIp: address.publicIp,
    domain: 'vpc',
    allocationId: address.allocationId,
    publicIpv4Pool: 'amazon',
    networkBorderGroup: state.region,
  };
};

export const associateAddress: ActionHandler = ({ state, p }) => {
  const address = addressOf(state, p);
  const instanceId = p.str('InstanceId');
  if (!instanceId) {
    if (p.str('NetworkInterfaceId'))
      throw new Ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${p.str('NetworkInterfaceId')}' does not exist`);
    throw new Ec2Error('MissingParameter', 'Either instance ID or network interface id must be specified');
  }
  const instance = findInstance(state, instanceId);
  if (instance.state !== 'running' && instance.state !== 'stopped') {
    throw new Ec2Error('IncorrectInstanceState', `The ${instance.state} instance '${instance.id}' is not in a valid state for this operation.`);
  }
  if (address.instanceId && address.instanceId !== instance.id && p.bool('AllowReassociation') === false) {
    throw new Ec2Error('Resource.AlreadyAssociated', `resource ${address.allocationId} is already associated with associate-id ${address.associationId}`);
  }
  // One elastic IP per instance here: another one pointing at it is let go first.
  for (const other of state.ec2.addresses) if (other !== address && other.instanceId === instance.id) detach(state, other);
  if (address.instanceId) detach(state, address);
  address.instanceId = instance.id;
  address.associationId = nextId(state, 'eipassoc-');
  instance.publicIp = address.publicIp;
  return { return: true, associationId: address.associationId };
};

export const disassociateAddress: ActionHandler = ({ state, p }) => {
  const associationId = p.str('AssociationId');
  let address: SandboxAddress | undefined;
  if (associationId) {
    checkId(associationId, 'eipassoc', 'InvalidAssociationID.Malformed');
    address = state.ec2.addresses.find((a) => a.associationId === associationId);
    if (!address) throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
  } else {
    const ip = p.str('PublicIp');
    if (!ip) throw new Ec2Error('MissingParameter', 'Either public IP or association id must be specified');
    address = byPublicIp(state, ip);
    // EC2 accepts this for an address that points nowhere and changes nothing.
    if (!address.instanceId) return { return: true };
  }
  detach(state, address);
  return { return: true };
};

export const releaseAddress: ActionHandler = ({ state, p }) => {
  const address = addressOf(state, p);
  if (address.instanceId) {
    throw new Ec2Error('InvalidIPAddress.InUse', `Address ${address.publicIp} (${address.allocationId}) is in use by ${address.instanceId}.`);
  }
  state.ec2.addresses = state.ec2.addresses.filter((a) => a !== address);
  return { return: true };
};

const ADDRESS_FILTERS: FilterAttributes<SandboxAddress> = {
  'public-ip': (a) => [a.publicIp],
  'allocation-id': (a) => [a.allocationId],
  'association-id': (a) => [a.associationId],
  'instance-id': (a) => [a.instanceId],
  domain: () => ['vpc'],
  'network-border-group': () => [],
};

export const describeAddresses: ActionHandler = ({ state, p }) => {
  let addresses = state.ec2.addresses;
  const ips = p.list('PublicIp');
  if (ips.length) {
    const missing = ips.filter((ip) => !addresses.some((a) => a.publicIp === ip));
    if (missing.length) throw new Ec2Error('InvalidAddress.NotFound', `Address '${missing[0]}' not found.`);
    addresses = addresses.filter((a) => ips.includes(a.publicIp));
  }
  const allocationIds = p.list('AllocationId');
  if (allocationIds.length) {
    for (const id of allocationIds) byAllocationId(state, id);
    addresses = addresses.filter((a) => allocationIds.includes(a.allocationId));
  }
  const attributes: FilterAttributes<SandboxAddress> = {
    ...ADDRESS_FILTERS,
    'private-ip-address': (a) => [state.ec2.instances.find((i) => i.id === a.instanceId)?.privateIp],
    'network-border-group': () => [state.region],
  };
  return { addressesSet: applyFilters(addresses, filtersOf(p), attributes).map((a) => addressXml(state, a)) };
};
