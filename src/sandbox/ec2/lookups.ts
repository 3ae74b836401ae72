// Finding one resource by id, with the error EC2 gives for a malformed or unknown one.
import type { SandboxImage, SandboxInstance, SandboxSecurityGroup, SandboxSnapshot, SandboxState, SandboxVolume } from '../model.js';
import { checkId, defaultVpcId, Ec2Error, quoteIds } from './common.js';

export function findInstance(state: SandboxState, id: string): SandboxInstance {
  checkId(id, 'i', 'InvalidInstanceID.Malformed');
  const found = state.ec2.instances.find((i) => i.id === id);
  if (!found) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID ${quoteIds([id])} does not exist`);
  return found;
}

/** Every id must be known; the error names all the unknown ones, as EC2's does. */
export function findInstances(state: SandboxState, ids: readonly string[]): SandboxInstance[] {
  for (const id of ids) checkId(id, 'i', 'InvalidInstanceID.Malformed');
  const missing = ids.filter((id) => !state.ec2.instances.some((i) => i.id === id));
  if (missing.length === 1) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID ${quoteIds(missing)} does not exist`);
  if (missing.length > 1) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance IDs ${quoteIds(missing)} do not exist`);
  return [...new Set(ids)].map((id) => state.ec2.instances.find((i) => i.id === id)!);
}

export function findImage(state: SandboxState, id: string): SandboxImage {
  checkId(id, 'ami', 'InvalidAMIID.Malformed');
  const found = state.ec2.images.find((i) => i.id === id && i.state !== 'deregistered');
  if (!found) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  return found;
}

export function findGroupById(state: SandboxState, id: string): SandboxSecurityGroup {
  checkId(id, 'sg', 'InvalidGroupId.Malformed');
  const found = state.ec2.securityGroups.find((g) => g.id === id);
  if (!found) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  return found;
}

/** By name, in the default VPC: names are only unique within a VPC. */
export function findGroupByName(state: SandboxState, name: string): SandboxSecurityGroup {
  const vpc = defaultVpcId(state);
  const found = state.ec2.securityGroups.find((g) => g.name === name && g.vpcId === vpc);
  if (!found) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${vpc}'`);
  return found;
}

export function findVolume(state: SandboxState, id: string): SandboxVolume {
  checkId(id, 'vol', 'InvalidVolumeID.Malformed');
  const found = state.ec2.volumes.find((v) => v.id === id);
  if (!found) throw new Ec2Error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
  return found;
}

export function findSnapshot(state: SandboxState, id: string): SandboxSnapshot {
  checkId(id, 'snap', 'InvalidSnapshotID.Malformed');
  const found = state.ec2.snapshots.find((s) => s.id === id);
  if (!found) throw new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
  return found;
}
