// remote:* top level — facts about a host (reachability, distribution, arch, init, time
// zone, host name, addresses) and small system settings. Each task is one call into
// src/platform/.
import { UsageError } from '../../engine/errors.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { shown } from '../../engine/bind.js';
import { hostname, identifier, ipv4, oneOf, positive } from '../../engine/validate.js';
import { distributionLabel, distributionOf } from '../../platform/index.js';
import { rebootHost, tryGreeting, tryLogin, waitForLogin } from '../../platform/reach.js';
import {
  downloadUrl,
  fetchCommand,
  getHostname,
  getTimezone,
  interfaceAddresses,
  preserveHostname,
  SELINUX_MODES,
  sedCommand,
  setHostname,
  setSelinux,
  setTimezone,
  zoneName,
} from '../../platform/system.js';
import { cmd } from '../../ssh/quote.js';
import { hostArg, singleHostArg, pathArg, sudoOption } from '../../remote/args.js';
import { remotePath } from '../../remote/validate.js';

const firstLine = (lines: readonly string[]) => lines.find((l) => l.trim() !== '')?.trim() ?? '';

const timeoutOption = {
  type: 'number',
  description: 'give up waiting after this many seconds',
  default: 300,
  placeholder: 'SECONDS',
  validate: positive,
} as const;

export const availableTask = defineTask({
  name: 'remote:available',
  summary: 'print true when the host takes an SSH login and runs a command (exit 1 if not)',
  args: [hostArg],
  options: {
    wait: { type: 'boolean', description: 'keep trying, with backoff, until the host answers or --timeout passes' },
    timeout: timeoutOption,
    greeting: {
      type: 'boolean',
      description: 'only check that sshd answers a new connection (reads its greeting), without logging in: e.g. after a firewall change',
    },
  },
  example: 'origin-setup remote:available broker.example.org --wait --timeout 600',
  async run(ctx, { host }, { wait, timeout, greeting }) {
    if (greeting && wait) throw new UsageError('--greeting checks once: it does not take --wait');
    if (greeting) await tryGreeting(ctx, host);
    else if (wait) await waitForLogin(ctx, host, timeout);
    else await tryLogin(ctx, host);
    return true;
  },
});

export const distributionTask = defineTask({
  name: 'remote:distribution',
  summary: 'print the distribution and version: fedora 19, rhel 6.4, ubuntu 22.04',
  args: [hostArg],
  options: {},
  example: 'origin-setup remote:distribution broker.example.org',
  run: (ctx, { host }) => distributionOf(ctx, host),
  render: distributionLabel,
});

export const archTask = defineTask({
  name: 'remote:arch',
  summary: 'print the machine architecture (x86_64, aarch64)',
  args: [hostArg],
  options: {},
  example: 'origin-setup remote:arch broker.example.org',
  async run(ctx, { host }) {
    return firstLine((await (await ctx.ssh(host)).run(cmd('uname', '-m'), { readOnly: true })).stdout);
  },
});

export const pidoneTask = defineTask({
  name: 'remote:pidone',
  summary: 'print the name of process 1 (systemd, init)',
  args: [hostArg],
  options: {},
  example: 'origin-setup remote:pidone broker.example.org',
  async run(ctx, { host }) {
    const command = cmd('sh', '-c', 'ps -o comm= -p 1 2>/dev/null || cat /proc/1/comm');
    return firstLine((await (await ctx.ssh(host)).run(command, { readOnly: true })).stdout);
  },
});

export const timezoneTask = defineTask({
  name: 'remote:timezone',
  summary: 'print the time zone, or set it to ZONE (a name under /usr/share/zoneinfo)',
  args: [hostArg, { name: 'zone', description: 'the zone to set, e.g. UTC or America/New_York', optional: true, validate: zoneName }],
  options: {},
  example: 'origin-setup remote:timezone broker.example.org UTC',
  async run(ctx, { host, zone }) {
    return zone === undefined ? getTimezone(await ctx.ssh(host)) : setTimezone(ctx, host, zone);
  },
});

const ipaddrOption = {
  type: 'string',
  description: 'also keep one "ADDR NAME SHORT" line for the host in /etc/hosts',
  placeholder: 'ADDR',
  validate: ipv4,
} as const;

export const hostnameTask = defineTask({
  name: 'remote:hostname',
  aliases: ['remote:get_hostname'],
  summary: "print the host's own name, or set it to NAME (persistent across reboots)",
  args: [hostArg, { name: 'name', description: 'the new host name', optional: true, validate: hostname }],
  options: { ipaddr: ipaddrOption },
  example: 'origin-setup remote:hostname 203.0.113.7 broker.example.org --ipaddr 10.0.0.5',
  async run(ctx, { host, name }, { ipaddr }) {
    if (name === undefined) {
      if (ipaddr !== undefined) throw new UsageError('--ipaddr needs a NAME to write');
      return getHostname(await ctx.ssh(host));
    }
    return (await setHostname(ctx, host, name, { ipaddr })).hostname;
  },
});

export const setHostnameTask = defineTask({
  name: 'remote:set_hostname',
  summary: "set a host's own name (the original's order: NAME, then the host to reach, default NAME)",
  args: [
    { name: 'name', description: 'the new host name', validate: hostname },
    { ...singleHostArg, optional: true },
  ],
  options: { ipaddr: ipaddrOption },
  example: 'origin-setup remote:set_hostname broker.example.org 203.0.113.7',
  async run(ctx, { name, host }, { ipaddr }) {
    return (await setHostname(ctx, host ?? name, name, { ipaddr })).hostname;
  },
});

export const preserveHostnameTask = defineTask({
  name: 'remote:preserve_hostname',
  summary: 'stop cloud-init from resetting the host name at boot; with NAME, set it first',
  args: [hostArg, { name: 'name', description: 'a host name to set', optional: true, validate: hostname }],
  options: {},
  example: 'origin-setup remote:preserve_hostname 203.0.113.7 broker.example.org',
  async run(ctx, { host, name }) {
    if (name !== undefined) await ctx.invoke(hostnameTask, [host, name]);
    return preserveHostname(ctx, host);
  },
  render: () => undefined,
});

export const ipaddressTask = defineTask({
  name: 'remote:ipaddress',
  summary: 'print the IPv4 addresses of an interface, one per line',
  args: [hostArg, { name: 'iface', description: 'the interface, e.g. eth0', validate: identifier }],
  options: { cidrmask: { type: 'boolean', description: 'keep the /NN prefix length' } },
  example: 'origin-setup remote:ipaddress broker.example.org eth0',
  async run(ctx, { host, iface }, { cidrmask }) {
    return interfaceAddresses(await ctx.ssh(host), iface, cidrmask);
  },
});

export const sedTask = defineTask({
  name: 'remote:sed',
  summary: 'run a sed script on a remote file (the script is passed literally)',
  args: [hostArg, { name: 'script', description: 'the sed script, exactly as sed should see it' }, pathArg('file', 'the file to read')],
  options: {
    inplace: { type: 'boolean', description: 'edit the file in place' },
    sudo: sudoOption,
    destfile: { type: 'string', description: 'write the result here instead of printing it', placeholder: 'PATH', validate: remotePath },
  },
  example: "origin-setup remote:sed broker.example.org 's/^#\\(ServerName\\)/\\1/' /etc/httpd/conf/httpd.conf --inplace --sudo",
  async run(ctx, { host, script, file }, { inplace, sudo, destfile }) {
    if (inplace && destfile !== undefined) throw new UsageError('--inplace and --destfile exclude each other');
    const r = await (await ctx.ssh(host)).run(sedCommand(script, file, { inplace, destfile }), { sudo });
    return r.stdout;
  },
});

export const pullurlTask = defineTask({
  name: 'remote:pullurl',
  summary: 'download a URL on the host (curl, else wget)',
  args: [hostArg, { name: 'url', description: 'an http, https or ftp URL', validate: downloadUrl }],
  options: {
    filepath: { type: 'string', description: 'where to save it (default: the URL file name in the login home)', placeholder: 'PATH', validate: remotePath },
    sudo: sudoOption,
  },
  example: 'origin-setup remote:pullurl broker.example.org https://example.org/f.tgz --filepath /tmp/f.tgz',
  async run(ctx, { host, url }, { filepath, sudo }) {
    await (await ctx.ssh(host)).run(fetchCommand(url, filepath), { sudo });
    return { host, url, filepath };
  },
  render: () => undefined,
});

const SELINUX_PROBLEM = 'must be enforcing, permissive or disabled';

export const selinuxTask = defineTask({
  name: 'remote:selinux',
  summary: 'set the SELinux mode (enforcing, permissive, disabled) now and for every boot',
  args: [
    hostArg,
    {
      name: 'mode',
      description: 'enforcing, permissive or disabled',
      validate: (v: string) => (oneOf(SELINUX_MODES, v) ? undefined : SELINUX_PROBLEM),
    },
  ],
  options: {},
  example: 'origin-setup remote:selinux broker.example.org permissive',
  async run(ctx, { host, mode }) {
    // validate has refused any other word already; this gives the word its type.
    const known = oneOf(SELINUX_MODES, mode);
    if (!known) throw new UsageError(`MODE ${shown(mode)}: ${SELINUX_PROBLEM}`);
    return setSelinux(ctx, host, known);
  },
  render: (r) => r.running,
});

export const rebootTask = defineTask({
  name: 'remote:reboot',
  summary: 'reboot the host; with --wait, return once it is back',
  args: [hostArg],
  options: {
    wait: { type: 'boolean', description: 'wait until the host has rebooted and takes SSH logins again' },
    timeout: timeoutOption,
  },
  example: 'origin-setup remote:reboot broker.example.org --wait',
  async run(ctx, { host }, { wait, timeout }) {
    await rebootHost(ctx, host, { wait, timeoutSeconds: timeout });
    return { host, waited: wait };
  },
  render: () => undefined,
});

export const topTasks: SomeTask[] = [
  availableTask,
  distributionTask,
  archTask,
  pidoneTask,
  timezoneTask,
  hostnameTask,
  setHostnameTask,
  preserveHostnameTask,
  ipaddressTask,
  sedTask,
  pullurlTask,
  selinuxTask,
  rebootTask,
];
