// ec2:ip:* — Elastic IP addresses. The address is the handle; VPC allocation ids stay behind it.
import { dryRun, mutate } from '../../aws/ec2.js';
import { defineTask, type AnyTask } from '../../engine/task.js';

export const ipCreate = defineTask({
  name: 'ec2:ip:create',
  summary: 'allocate a new elastic IP address and print it',
  args: [],
  options: {},
  example: 'ADDR=$(origin-setup ec2:ip:create)',
  async run(ctx) {
    const { client, sdk } = await ctx.aws.ec2();
    const out = await mutate(ctx, 'AllocateAddress', () =>
      client.send(new sdk.AllocateAddressCommand({ Domain: 'vpc', ...dryRun(ctx) })),
    );
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

export const ipTasks: AnyTask[] = [ipCreate];
