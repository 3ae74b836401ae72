// Services and the firewall, driven through the host's platform families. The tasks in
// remote:service:* and remote:firewall:* are one call each into here.
import type { TaskContext } from '../engine/context.js';
import { RemoteCommandError, UsageError } from '../engine/errors.js';
import { portOrRange } from '../engine/validate.js';
import type { ShellCommand } from '../ssh/quote.js';
import type { ExecResult, RemoteHost } from '../ssh/types.js';
import { platformOf } from './index.js';
import type { FirewallName, Platform, ServiceAction } from './types.js';

export type ChangeAction = Exclude<ServiceAction, 'status'>;

export interface ServiceState {
  service: string;
  active: boolean;
}

/**
 * A status query: read-only and any exit code is an answer. A sudo that wants a
 * password still fails (the SSH layer raises it), so it never reads as "inactive".
 */
function probe(host: RemoteHost, command: ShellCommand, sudo: boolean): Promise<ExecResult> {
  return host.run(command, { readOnly: true, allowExit: 'any', sudo });
}

export async function changeServices(ctx: TaskContext, hostName: string, action: ChangeAction, services: readonly string[]): Promise<void> {
  const host = await ctx.ssh(hostName);
  const platform = await platformOf(ctx, hostName);
  for (const service of services) await host.run(platform.services.command(service, action), { sudo: true });
}

export async function serviceStatus(ctx: TaskContext, hostName: string, services: readonly string[]): Promise<ServiceState[]> {
  const host = await ctx.ssh(hostName);
  const platform = await platformOf(ctx, hostName);
  // systemctl is-active needs no root; SysV status scripts often do (EL6 iptables exits 4 without it).
  const sudo = platform.services.name === 'sysv';
  const states: ServiceState[] = [];
  for (const service of services) {
    const r = await probe(host, platform.services.command(service, 'status'), sudo);
    states.push({ service, active: r.code === 0 });
  }
  return states;
}

export const renderStates = (states: readonly ServiceState[]) => states.map((s) => `${s.service} ${s.active ? 'active' : 'inactive'}`).join('\n');

// ---- firewall -----------------------------------------------------------------

export type Protocol = 'tcp' | 'udp';

/** PORT or PORT/PROTO: 8140, 53/udp, 8000-8443/tcp. */
export const portSpec = (v: string) => {
  const [port, proto, extra] = v.split('/');
  if (extra !== undefined || (proto !== undefined && proto !== 'tcp' && proto !== 'udp')) return 'not PORT or PORT/tcp or PORT/udp';
  return portOrRange(port ?? '');
};

export function parsePortSpec(v: string, defaultProtocol: Protocol): { port: string; protocol: Protocol } {
  const problem = portSpec(v);
  if (problem) throw new UsageError(`PORT '${v}': ${problem}`);
  const [port, proto] = v.split('/') as [string, Protocol | undefined];
  return { port, protocol: proto ?? defaultProtocol };
}

/** Drops a command that is repeated later (lokkit's reload after each port runs once, last). */
function lastOfEach(commands: readonly ShellCommand[]): ShellCommand[] {
  return commands.filter((c, i) => !commands.slice(i + 1).some((later) => later.text === c.text));
}

async function firewallRunning(host: RemoteHost, platform: Platform): Promise<boolean> {
  return platform.firewall.isActive(await probe(host, platform.firewall.control('status'), true));
}

/** A firewall tool that is not installed (Amazon Linux has none by default) fails with a hint saying what to install. */
async function runFirewall(host: RemoteHost, platform: Platform, command: ShellCommand): Promise<void> {
  try {
    await host.run(command, { sudo: true });
  } catch (err) {
    if (err instanceof RemoteCommandError && err.code === 127) {
      throw new RemoteCommandError(err.host, err.command, err.code, err.outputTail, {
        hint: `${platform.firewall.name} is not installed there: origin-setup remote:pkg:install ${host.name} ${platform.firewall.packages.join(' ')}`,
      });
    }
    throw err;
  }
}

async function applyFirewall(ctx: TaskContext, hostName: string, commandsFor: (platform: Platform, running: boolean) => ShellCommand[]): Promise<FirewallName> {
  const host = await ctx.ssh(hostName);
  const platform = await platformOf(ctx, hostName);
  const running = platform.firewall.runtimeNeedsRunning ? await firewallRunning(host, platform) : true;
  if (!running) ctx.log.verbose(`${platform.firewall.name} is not running: changing its permanent configuration only`);
  for (const command of lastOfEach(commandsFor(platform, running))) await runFirewall(host, platform, command);
  return platform.firewall.name;
}

export function openPorts(ctx: TaskContext, hostName: string, ports: readonly { port: string; protocol: Protocol }[]): Promise<FirewallName> {
  return applyFirewall(ctx, hostName, (p, running) => ports.flatMap((x) => p.firewall.openPort(x.port, x.protocol, running)));
}

export function allowFirewallServices(ctx: TaskContext, hostName: string, services: readonly string[]): Promise<FirewallName> {
  return applyFirewall(ctx, hostName, (p, running) => services.flatMap((s) => p.firewall.allowService(s, running)));
}

export async function controlFirewall(ctx: TaskContext, hostName: string, action: ChangeAction): Promise<FirewallName> {
  const host = await ctx.ssh(hostName);
  const platform = await platformOf(ctx, hostName);
  await runFirewall(host, platform, platform.firewall.control(action));
  return platform.firewall.name;
}

export async function firewallStatus(ctx: TaskContext, hostName: string): Promise<ServiceState> {
  const host = await ctx.ssh(hostName);
  const platform = await platformOf(ctx, hostName);
  return { service: platform.firewall.service, active: await firewallRunning(host, platform) };
}
