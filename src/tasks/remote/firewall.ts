// remote:firewall:* — the host's own firewall (firewalld, lokkit/iptables or ufw). Each
// port or service is opened at runtime and permanently where the firewall has both.
import { defineTask, type SomeTask } from '../../engine/task.js';
import { identifier } from '../../engine/validate.js';
import {
  allowFirewallServices,
  controlFirewall,
  firewallStatus,
  openPorts,
  parsePortSpec,
  portSpec,
  renderStates,
  type ChangeAction,
} from '../../platform/control.js';
import { platformOf } from '../../platform/index.js';
import { hostArg } from '../../remote/args.js';

export const firewallPort = defineTask({
  name: 'remote:firewall:port',
  summary: 'open ports (PORT, PORT/udp, LOW-HIGH/tcp) now and permanently',
  args: [hostArg, { name: 'ports', description: 'PORT[/PROTO] …', variadic: true, validate: portSpec }],
  options: { protocol: { type: 'string', description: 'protocol for ports given without one', default: 'tcp', choices: ['tcp', 'udp'] } },
  example: 'origin-setup remote:firewall:port puppet.example.org 8140 53/udp',
  async run(ctx, { host, ports }, opts) {
    const specs = ports.map((p) => parsePortSpec(p, opts.protocol));
    const firewall = await openPorts(ctx, host, specs);
    return { host, firewall, ports: specs.map((s) => `${s.port}/${s.protocol}`) };
  },
  render: () => undefined,
});

export const firewallService = defineTask({
  name: 'remote:firewall:service',
  summary: 'allow named services (ssh, http, …) now and permanently',
  args: [hostArg, { name: 'services', description: 'firewall service names', variadic: true, validate: identifier }],
  options: {},
  example: 'origin-setup remote:firewall:service puppet.example.org ssh',
  async run(ctx, { host, services }) {
    const firewall = await allowFirewallServices(ctx, host, services);
    return { host, firewall, services };
  },
  render: () => undefined,
});

const SUMMARIES: Record<ChangeAction, string> = {
  start: 'start the firewall',
  stop: 'stop the firewall',
  restart: 'restart the firewall',
  enable: 'start the firewall at every boot',
  disable: 'stop starting the firewall at boot',
};

const controlTask = (action: ChangeAction) =>
  defineTask({
    name: `remote:firewall:${action}`,
    summary: SUMMARIES[action],
    args: [hostArg],
    options: {},
    example: `origin-setup remote:firewall:${action} puppet.example.org`,
    async run(ctx, { host }) {
      return { host, action, firewall: await controlFirewall(ctx, host, action) };
    },
    render: () => undefined,
  });

export const firewallStart = controlTask('start');
export const firewallStop = controlTask('stop');
export const firewallRestart = controlTask('restart');
export const firewallEnable = controlTask('enable');
export const firewallDisable = controlTask('disable');

export const firewallStatusTask = defineTask({
  name: 'remote:firewall:status',
  summary: 'print the firewall service and whether it is active (exit 0 either way)',
  args: [hostArg],
  options: {},
  example: 'origin-setup remote:firewall:status puppet.example.org',
  run: (ctx, { host }) => firewallStatus(ctx, host),
  render: (state) => renderStates([state]),
});

export const firewallFirewalld = defineTask({
  name: 'remote:firewall:firewalld',
  summary: 'print true when the host runs firewalld (the original probe)',
  args: [hostArg],
  options: {},
  example: 'origin-setup remote:firewall:firewalld puppet.example.org',
  async run(ctx, { host }) {
    const platform = await platformOf(ctx, host);
    return platform.firewall.name === 'firewalld' && (await firewallStatus(ctx, host)).active;
  },
});

export const firewallTasks: SomeTask[] = [
  firewallPort,
  firewallService,
  firewallStart,
  firewallStop,
  firewallRestart,
  firewallEnable,
  firewallDisable,
  firewallStatusTask,
  firewallFirewalld,
];
