// remote:augeas:* — read and change structured config files on a host through augtool.
import { defineTask, type SomeTask } from '../../engine/task.js';
import { hostArg } from '../../remote/args.js';
import { augeasGet, augeasSet, augeasValue } from '../../remote/augeas.js';
import { augeasPath } from '../../remote/validate.js';

const pathArg = { name: 'path', description: 'the augeas path, e.g. /files/etc/puppet/puppet.conf/main/server', validate: augeasPath } as const;

export const augeasGetTask = defineTask({
  name: 'remote:augeas:get',
  summary: 'print the value of an augeas node on a host',
  args: [hostArg, pathArg],
  options: {},
  example: 'origin-setup remote:augeas:get puppet.example.org /files/etc/puppet/puppet.conf/main/server',
  async run(ctx, { host, path }) {
    const value = await augeasGet(await ctx.ssh(host), path);
    return { host, path, value };
  },
  render: (r) => r.value ?? undefined,
});

export const augeasSetTask = defineTask({
  name: 'remote:augeas:set',
  summary: 'set an augeas node on a host (created when missing) and save the file',
  args: [hostArg, pathArg, { name: 'value', description: 'the value, taken literally ($, spaces and quotes included)', validate: augeasValue }],
  options: {},
  example: "origin-setup remote:augeas:set logs.example.org '/files/etc/rsyslog.conf/$ModLoad[last()+1]' imtcp",
  async run(ctx, { host, path, value }) {
    await augeasSet(await ctx.ssh(host), path, value);
    return { host, path, value };
  },
  render: () => undefined,
});

export const augeasTasks: SomeTask[] = [augeasGetTask, augeasSetTask];
