// sandbox:* — the embedded sandbox's own state: show it, or start again from a new one.
// Each runs in the sandbox whether or not --sandbox is given.
import type { SandboxState } from '../../sandbox/model.js';
import { defineTask, type SomeTask } from '../../engine/task.js';

export const sandboxShow = defineTask({
  name: 'sandbox:show',
  summary: "print the sandbox's state: instances, addresses, groups, zones and records (--json: all of it)",
  args: [],
  options: {},
  example: 'origin-setup sandbox:show',
  async run(ctx): Promise<SandboxState> {
    const { readState } = await import('../../sandbox/store.js');
    return readState(ctx.settings.sandbox!.dir);
  },
  render: (s) => {
    const tag = (tags: { key: string; value: string }[]) => tags.find((t) => t.key === 'Name')?.value ?? '-';
    return [
      ...s.ec2.instances.map((i) => `instance ${i.id} ${tag(i.tags)} ${i.state}${i.publicIp ? ` ${i.publicIp}` : ''}`),
      ...s.ec2.addresses.map((a) => `address ${a.publicIp} ${a.allocationId} ${a.instanceId ?? '-'}`),
      ...s.ec2.securityGroups.map((g) => `group ${g.id} ${g.name}`),
      ...s.ec2.keyPairs.map((k) => `keypair ${k.name}`),
      ...s.route53.zones.flatMap((z) => [`zone ${z.id} ${z.name}`, ...z.records.map((r) => `record ${r.name} ${r.type} ${r.values.join(' ')}`)]),
    ].join('\n');
  },
});

export const sandboxReset = defineTask({
  name: 'sandbox:reset',
  summary: 'empty the sandbox: a new one with only its seed images, group, key pair and zone',
  args: [],
  options: {},
  example: 'origin-setup sandbox:reset',
  async run(ctx) {
    const { resetState } = await import('../../sandbox/store.js');
    const dir = ctx.settings.sandbox!.dir;
    await resetState(dir);
    return dir;
  },
});

export const sandboxTasks: SomeTask[] = [sandboxShow, sandboxReset];
