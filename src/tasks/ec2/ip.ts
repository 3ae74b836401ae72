// ec2:ip:* — Elastic IP addresses. The address is the handle; VPC allocation ids stay behind it.
import { associateAddress, disassociateAddress, findAddress, listAddresses, releaseAddress, type ElasticIp } from '../../aws/addresses.js';
import { dryRun, mutate } from '../../aws/ec2.js';
import { resolveInstanceId } from '../../aws/instances.js';
import { OriginError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { ipv4 } from '../../engine/validate.js';

const ipArg = { name: 'ipaddr', description: 'an elastic IP address of this account', validate: ipv4 } as const;

export const ipCreate = defineTask({
  name: 'ec2:ip:create',
  summary: 'allocate a new elastic IP address and print it',
  args: [],
  options: {},
  example: 'ADDR=$(origin-setup ec2:ip:create)',
  async run(ctx) {
    const { client, sdk } = await ctx.aws.ec2();
    const out = await mutate(ctx, 'AllocateAddress', () => client.send(new sdk.AllocateAddressCommand({ Domain: 'vpc', ...dryRun(ctx) })));
    const address = out.PublicIp!;
    const allocationId = out.AllocationId!;
    ctx.journal.record({
      kind: 'elastic IP',
      id: address,
      undo: async () => {
        await client.send(new sdk.ReleaseAddressCommand({ AllocationId: allocationId }));
      },
    });
    ctx.log.verbose(`allocated ${address} (${allocationId})`);
    return { address, allocationId };
  },
  render: (r) => r.address,
});

export const ipList = defineTask({
  name: 'ec2:ip:list',
  summary: 'list the elastic IPs: address and instance (- when free)',
  args: [],
  options: {},
  example: 'origin-setup ec2:ip:list',
  run: (ctx) => listAddresses(ctx),
  render: (r) => r.map((a) => `${a.address} ${a.instanceId ?? '-'}`).join('\n') || undefined,
});

export const ipInfo = defineTask({
  name: 'ec2:ip:info',
  summary: 'show one elastic IP: address, instance, allocation id, association id',
  args: [ipArg],
  options: {},
  example: 'origin-setup ec2:ip:info 203.0.113.7',
  run: (ctx, { ipaddr }) => findAddress(ctx, ipaddr),
  render: (a) => [a.address, a.instanceId ?? '-', a.allocationId ?? '-', a.associationId ?? '-'].join(' '),
});

export const ipAssociate = defineTask({
  name: 'ec2:ip:associate',
  summary: 'point an elastic IP at an instance (given by id or Name tag)',
  args: [ipArg, { name: 'instance', description: 'instance id (i-…) or Name tag' }],
  options: {},
  example: 'origin-setup ec2:ip:associate 203.0.113.7 broker',
  async run(ctx, { ipaddr, instance }) {
    const instanceId = await resolveInstanceId(ctx, instance);
    return associateAddress(ctx, ipaddr, instanceId);
  },
  render: (a) => `${a.address} ${a.instanceId}`,
});

export const ipDisassociate = defineTask({
  name: 'ec2:ip:disassociate',
  summary: 'detach an elastic IP from its instance',
  args: [ipArg],
  options: {},
  example: 'origin-setup ec2:ip:disassociate 203.0.113.7',
  async run(ctx, { ipaddr }): Promise<ElasticIp> {
    const eip = await findAddress(ctx, ipaddr);
    await disassociateAddress(ctx, eip);
    const { associationId: _a, instanceId: _i, privateAddress: _p, ...free } = eip;
    return free;
  },
  render: () => undefined,
});

export const ipDelete = defineTask({
  name: 'ec2:ip:delete',
  summary: 'release an elastic IP (refused while associated, unless --force)',
  args: [ipArg],
  options: {
    force: { type: 'boolean', description: 'disassociate it first if it is in use' },
  },
  example: 'origin-setup ec2:ip:delete 203.0.113.7 --force',
  async run(ctx, { ipaddr }, { force }): Promise<ElasticIp> {
    const eip = await findAddress(ctx, ipaddr);
    if (eip.instanceId || eip.associationId) {
      if (!force) {
        throw new OriginError(`${ipaddr} is associated with ${eip.instanceId ?? eip.associationId}`, {
          hint: 'disassociate it first, or pass --force',
        });
      }
      ctx.log.info(`- disassociating ${ipaddr} from ${eip.instanceId ?? eip.associationId}`);
      await disassociateAddress(ctx, eip);
    }
    await releaseAddress(ctx, eip);
    return eip;
  },
  render: () => undefined,
});

export const ipTasks: SomeTask[] = [ipCreate, ipList, ipInfo, ipAssociate, ipDisassociate, ipDelete];
