// Elastic IP addresses, handled by the address itself. VPC addresses are acted on by
// allocation and association ids; those are looked up here so no caller has to carry them.
// Shared by ec2:ip:*, ec2:instance:ipaddress and the origin workflows.
import type { Address } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, OriginError } from '../engine/errors.js';
import { dryRun, mutate } from './ec2.js';

export interface ElasticIp {
  address: string;
  /** Absent only for a legacy EC2-Classic address, which is acted on by the address. */
  allocationId?: string;
  associationId?: string;
  instanceId?: string;
  privateAddress?: string;
}

function toElasticIp(a: Address): ElasticIp {
  return {
    address: a.PublicIp!,
    ...(a.AllocationId ? { allocationId: a.AllocationId } : {}),
    ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
    ...(a.InstanceId ? { instanceId: a.InstanceId } : {}),
    ...(a.PrivateIpAddress ? { privateAddress: a.PrivateIpAddress } : {}),
  };
}

/** Compares dotted quads as numbers, so 10.0.0.9 sorts before 10.0.0.10. */
function byAddress(a: ElasticIp, b: ElasticIp): number {
  const pa = a.address.split('.').map(Number);
  const pb = b.address.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** Every elastic IP this account holds in the region (DescribeAddresses is not paged). */
export async function listAddresses(ctx: Pick<TaskContext, 'aws'>): Promise<ElasticIp[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const out = await client.send(new sdk.DescribeAddressesCommand({}));
  return (out.Addresses ?? [])
    .filter((a) => a.PublicIp)
    .map(toElasticIp)
    .sort(byAddress);
}

/**
 * The elastic IP with this address. Throws NotFoundError naming the addresses the
 * account does hold when it is not one of them.
 */
export async function findAddress(ctx: Pick<TaskContext, 'aws'>, ip: string): Promise<ElasticIp> {
  const { client, sdk } = await ctx.aws.ec2();
  // A filter answers an empty list for a foreign address, where PublicIps would throw.
  const out = await client.send(new sdk.DescribeAddressesCommand({ Filters: [{ Name: 'public-ip', Values: [ip] }] }));
  const found = out.Addresses?.find((a) => a.PublicIp === ip);
  if (found) return toElasticIp(found);
  const held = (await listAddresses(ctx)).map((a) => a.address);
  throw new NotFoundError(`${ip} is not one of this account's elastic IPs`, {
    hint: held.length ? `allocated: ${held.join(', ')}` : 'there are none; origin-setup ec2:ip:create allocates one',
  });
}

/**
 * Points the address at an instance. Already pointing there is success; pointing at
 * another instance is refused rather than silently moved.
 */
export async function associateAddress(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log'>, ip: string, instanceId: string): Promise<ElasticIp> {
  const eip = await findAddress(ctx, ip);
  if (eip.instanceId === instanceId) {
    ctx.log.verbose(`${ip} is already associated with ${instanceId}`);
    return eip;
  }
  if (eip.instanceId) {
    throw new OriginError(`${ip} is associated with ${eip.instanceId}`, {
      hint: `run origin-setup ec2:ip:disassociate ${ip} first`,
    });
  }
  const { client, sdk } = await ctx.aws.ec2();
  const target = eip.allocationId ? { AllocationId: eip.allocationId } : { PublicIp: ip };
  const out = await mutate(ctx, 'AssociateAddress', () => client.send(new sdk.AssociateAddressCommand({ ...target, InstanceId: instanceId, ...dryRun(ctx) })));
  const associationId = out.AssociationId;
  // Undone first on rollback, so a later release of the address is not refused as in use.
  ctx.journal.record({
    kind: 'elastic IP association',
    id: `${ip} → ${instanceId}`,
    undo: async () => {
      await client.send(new sdk.DisassociateAddressCommand(associationId ? { AssociationId: associationId } : { PublicIp: ip }));
    },
  });
  ctx.log.verbose(`associated ${ip} with ${instanceId}${associationId ? ` (${associationId})` : ''}`);
  return { ...eip, instanceId, ...(associationId ? { associationId } : {}) };
}

/** Detaches the address from whatever it points at. */
export async function disassociateAddress(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log'>, eip: ElasticIp): Promise<void> {
  if (!eip.instanceId && !eip.associationId) {
    throw new OriginError(`${eip.address} is not associated with anything`, { hint: 'origin-setup ec2:ip:list shows the associations' });
  }
  const { client, sdk } = await ctx.aws.ec2();
  const target = eip.associationId ? { AssociationId: eip.associationId } : { PublicIp: eip.address };
  await mutate(ctx, 'DisassociateAddress', () => client.send(new sdk.DisassociateAddressCommand({ ...target, ...dryRun(ctx) })));
  ctx.journal.forget('elastic IP association', `${eip.address} → ${eip.instanceId}`);
  ctx.log.verbose(`disassociated ${eip.address} from ${eip.instanceId ?? eip.associationId}`);
}

/** Gives the address back to AWS. The caller makes sure it is not associated. */
export async function releaseAddress(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'journal' | 'log'>, eip: ElasticIp): Promise<void> {
  const { client, sdk } = await ctx.aws.ec2();
  const target = eip.allocationId ? { AllocationId: eip.allocationId } : { PublicIp: eip.address };
  await mutate(ctx, 'ReleaseAddress', () => client.send(new sdk.ReleaseAddressCommand({ ...target, ...dryRun(ctx) })));
  // Released on purpose: a rollback later in this run must not try again.
  ctx.journal.forget('elastic IP', eip.address);
  ctx.log.verbose(`released ${eip.address}${eip.allocationId ? ` (${eip.allocationId})` : ''}`);
}
