// The EC2 half of the sandbox: one EC2 Query request in, the XML EC2 would answer out.
// Time moves first (instances and images whose transition is due change state), then the
// action runs on a copy of the EC2 state that is kept only when it succeeds, so a refused
// request changes nothing, as on EC2. DryRun runs the action on a copy that is thrown away
// and answers DryRunOperation when it would have succeeded. Errors other than EC2's own
// are thrown to the caller.
import { randomUUID } from 'node:crypto';
import type { Reply, SandboxClock, SandboxState } from '../model.js';
import { allocateAddress, associateAddress, describeAddresses, disassociateAddress, releaseAddress } from './addresses.js';
import { type ActionHandler, Ec2Error, Params } from './common.js';
import { advanceImages, createImage, deregisterImage, describeImages } from './images.js';
import { advanceInstances, describeInstances, runInstances, startInstances, stopInstances, terminateInstances } from './instances.js';
import { describeKeyPairs } from './keypairs.js';
import {
  authorizeSecurityGroupEgress,
  authorizeSecurityGroupIngress,
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroups,
  revokeSecurityGroupEgress,
  revokeSecurityGroupIngress,
} from './security-groups.js';
import { deleteSnapshot, deleteVolume, describeSnapshots, describeVolumes } from './storage.js';
import { createTags, deleteTags } from './tags.js';
import { errorBody, successBody } from './xml.js';

export { seedEc2, SANDBOX_KEY_NAME } from './seed.js';

const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  DescribeInstances: describeInstances,
  RunInstances: runInstances,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  TerminateInstances: terminateInstances,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeImages: describeImages,
  CreateImage: createImage,
  DeregisterImage: deregisterImage,
  AllocateAddress: allocateAddress,
  AssociateAddress: associateAddress,
  DisassociateAddress: disassociateAddress,
  ReleaseAddress: releaseAddress,
  DescribeAddresses: describeAddresses,
  DescribeSecurityGroups: describeSecurityGroups,
  CreateSecurityGroup: createSecurityGroup,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
  AuthorizeSecurityGroupEgress: authorizeSecurityGroupEgress,
  RevokeSecurityGroupIngress: revokeSecurityGroupIngress,
  RevokeSecurityGroupEgress: revokeSecurityGroupEgress,
  DescribeVolumes: describeVolumes,
  DeleteVolume: deleteVolume,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  DescribeKeyPairs: describeKeyPairs,
};

/** The EC2 actions the sandbox answers. */
export const EC2_ACTIONS: readonly string[] = Object.keys(ACTIONS);

/** Moves every instance and image whose transition time has come. */
export function advanceEc2(state: SandboxState, now: number): void {
  advanceInstances(state, now);
  advanceImages(state, now);
}

export function handleEc2(state: SandboxState, params: Record<string, string>, clock: SandboxClock): Reply {
  const requestId = randomUUID();
  const headers = { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId };
  const now = clock.now();
  const scale = Number.isFinite(clock.scale) && clock.scale > 0 ? clock.scale : 0;
  advanceEc2(state, now);
  const action = params['Action'] ?? '';
  try {
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!handler) throw new Ec2Error('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
    const p = new Params(params);
    const work = structuredClone({ serial: state.serial, ec2: state.ec2, region: state.region, accountId: state.accountId });
    const scratch: SandboxState = { ...state, ...work };
    const dryRun = p.bool('DryRun') === true;
    const body = handler({ state: scratch, p, now, scale });
    if (dryRun) throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    state.serial = scratch.serial;
    state.ec2 = scratch.ec2;
    return { status: 200, body: successBody(action, requestId, body), headers };
  } catch (err) {
    // Anything else is a fault here: the server answers it as InternalError and logs it.
    if (!(err instanceof Ec2Error)) throw err;
    return { status: err.status, body: errorBody(err.code, err.message, requestId), headers };
  }
}
