// Host identity and basic OS settings: host name, time zone, SELinux mode, interface
// addresses. Each asks the platform how this host does it (hostnamectl or
// /etc/sysconfig/network, timedatectl or the /etc/localtime link), so the tasks stay thin.
import type { TaskContext } from '../engine/context.js';
import { NotFoundError } from '../engine/errors.js';
import { cmd } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';
import { editLines, readLines, setHostsEntry, setPreserveHostname, setShellVariable, writeLines } from './edit.js';
import { platformOf } from './index.js';

/**
 * The system files these functions read and edit. Tests point them at files in the
 * test login's home, since the test sshd's stand-in sudo never really becomes root.
 */
export const systemPaths = {
  hosts: '/etc/hosts',
  hostname: '/etc/hostname',
  sysconfigNetwork: '/etc/sysconfig/network',
  sysconfigClock: '/etc/sysconfig/clock',
  debianTimezone: '/etc/timezone',
  localtime: '/etc/localtime',
  zoneinfo: '/usr/share/zoneinfo',
  cloudCfg: '/etc/cloud/cloud.cfg',
  selinuxConfig: '/etc/selinux/config',
};

const firstLine = (lines: readonly string[]) => lines.find((l) => l.trim() !== '')?.trim() ?? '';

// ---- host name ----------------------------------------------------------------

export async function getHostname(host: RemoteHost): Promise<string> {
  return firstLine((await host.run(cmd('hostname'), { readOnly: true })).stdout);
}

export interface SetHostnameResult {
  hostname: string;
  /** The /etc/hosts line written with --ipaddr. */
  hostsLine?: string;
}

/**
 * Sets the host's own name now and for every later boot: hostnamectl on systemd hosts;
 * elsewhere `hostname` plus the boot-time file (/etc/sysconfig/network on EL, /etc/hostname
 * on Debian). With an address, /etc/hosts keeps one `ADDR NAME SHORT` line for it.
 */
export async function setHostname(ctx: TaskContext, hostName: string, name: string, o: { ipaddr?: string } = {}): Promise<SetHostnameResult> {
  const host = await ctx.ssh(hostName);
  const platform = await platformOf(ctx, hostName);
  if (platform.services.name === 'systemd') {
    await host.run(cmd('hostnamectl', 'set-hostname', name), { sudo: true });
  } else {
    await host.run(cmd('hostname', name), { sudo: true });
    if (platform.packages.name === 'apt-get') {
      await writeLines(host, systemPaths.hostname, [name], { sudo: true });
    } else {
      const r = await editLines(host, systemPaths.sysconfigNetwork, (l) => setShellVariable(l, 'HOSTNAME', name), { sudo: true });
      ctx.log.verbose(`${systemPaths.sysconfigNetwork}: ${r.changed ? 'HOSTNAME set' : 'already right'}`);
    }
  }
  const result: SetHostnameResult = { hostname: name };
  if (o.ipaddr) {
    const r = await editLines(host, systemPaths.hosts, (l) => setHostsEntry(l, o.ipaddr!, name), { sudo: true });
    result.hostsLine = setHostsEntry([], o.ipaddr, name)[0];
    ctx.log.verbose(`${systemPaths.hosts}: ${r.changed ? `wrote ${result.hostsLine}` : 'already right'}`);
  }
  return result;
}

/**
 * cloud-init resets the host name at boot unless cloud.cfg says preserve_hostname: true.
 * Without cloud-init the file is missing: NotFoundError, which a workflow may take as
 * "nothing to keep" (origin:baseinstance does).
 */
export async function preserveHostname(ctx: TaskContext, hostName: string): Promise<{ changed: boolean }> {
  const host = await ctx.ssh(hostName);
  return editLines(host, systemPaths.cloudCfg, setPreserveHostname, {
    sudo: true,
    missing: 'cloud-init is not installed there, so nothing resets the host name',
  });
}

// ---- time zone ----------------------------------------------------------------

/** America/New_York, Etc/GMT+5, UTC: path words under /usr/share/zoneinfo, no `..`. */
export const zoneName = (v: string) =>
  /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(v) && !v.split('/').some((p) => p === '..' || p === '.')
    ? undefined
    : 'not a time zone name such as UTC or America/New_York';

/** The zone a /etc/localtime link points at: …/zoneinfo/Europe/Paris → Europe/Paris. */
export function zoneFromLink(target: string): string | undefined {
  const i = target.lastIndexOf('zoneinfo/');
  return i >= 0 ? target.slice(i + 'zoneinfo/'.length) || undefined : undefined;
}

/**
 * The zone name: the /etc/localtime link on systemd and Debian hosts; EL6 copies the
 * zone file instead, and records its name in /etc/sysconfig/clock (ZONE="…").
 */
export async function getTimezone(host: RemoteHost): Promise<string> {
  const link = await host.run(cmd('readlink', systemPaths.localtime), { readOnly: true, allowExit: 'any' });
  const linked = link.code === 0 ? zoneFromLink(firstLine(link.stdout)) : undefined;
  if (linked) return linked;
  const clock = await readLines(host, systemPaths.sysconfigClock);
  const zoneLine = clock?.find((l) => /^ZONE=/.test(l.trim()));
  if (zoneLine)
    return zoneLine
      .trim()
      .slice(5)
      .replace(/^["']|["']$/g, '');
  const debian = await readLines(host, systemPaths.debianTimezone);
  if (debian && firstLine(debian)) return firstLine(debian);
  return firstLine((await host.run(cmd('date', '+%Z'), { readOnly: true })).stdout);
}

export async function setTimezone(ctx: TaskContext, hostName: string, zone: string): Promise<string> {
  const host = await ctx.ssh(hostName);
  const file = `${systemPaths.zoneinfo}/${zone}`;
  const exists = await host.run(cmd('test', '-f', file), { readOnly: true, allowExit: [0, 1] });
  if (exists.code !== 0) {
    throw new NotFoundError(`${hostName}: no time zone ${zone} (${file} does not exist)`, {
      hint: `names are paths under ${systemPaths.zoneinfo}, such as UTC or America/New_York`,
    });
  }
  const platform = await platformOf(ctx, hostName);
  if (platform.services.name === 'systemd') {
    await host.run(cmd('timedatectl', 'set-timezone', zone), { sudo: true });
    return zone;
  }
  await host.run(cmd('ln', '-sf', file, systemPaths.localtime), { sudo: true });
  if (platform.packages.name === 'apt-get') {
    await writeLines(host, systemPaths.debianTimezone, [zone], { sudo: true });
  } else {
    // EL6's tzdata updates re-copy the zone named here over /etc/localtime.
    await editLines(host, systemPaths.sysconfigClock, (l) => setShellVariable(l, 'ZONE', `"${zone}"`), { sudo: true });
  }
  return zone;
}

// ---- SELinux ------------------------------------------------------------------

export const SELINUX_MODES = ['enforcing', 'permissive', 'disabled'] as const;
export type SelinuxMode = (typeof SELINUX_MODES)[number];

export interface SelinuxResult {
  /** What /etc/selinux/config now says (from the next boot). */
  mode: SelinuxMode;
  /** What getenforce says now. */
  running: string;
  rebootNeeded: boolean;
}

/**
 * Writes SELINUX=MODE and applies it now where the kernel allows: setenforce switches
 * between enforcing and permissive, but enabling or disabling SELinux takes a reboot.
 */
export async function setSelinux(ctx: TaskContext, hostName: string, mode: SelinuxMode): Promise<SelinuxResult> {
  const host = await ctx.ssh(hostName);
  const probe = await host.run(cmd('getenforce'), { readOnly: true, allowExit: 'any' });
  if (probe.code !== 0) {
    throw new NotFoundError(`${hostName}: SELinux is not available (getenforce exited ${probe.code})`, {
      hint: 'install the SELinux userland (libselinux-utils / selinux-utils) first',
    });
  }
  const running = firstLine(probe.stdout);
  await editLines(host, systemPaths.selinuxConfig, (l) => setShellVariable(l, 'SELINUX', mode), {
    sudo: true,
    missing: 'SELinux has no configuration file on this host',
  });
  const enabledNow = running.toLowerCase() !== 'disabled';
  if (mode !== 'disabled' && enabledNow) {
    await host.run(cmd('setenforce', mode === 'enforcing' ? '1' : '0'), { sudo: true });
    return { mode, running: mode === 'enforcing' ? 'Enforcing' : 'Permissive', rebootNeeded: false };
  }
  const rebootNeeded = enabledNow === (mode === 'disabled');
  if (rebootNeeded) ctx.log.warn(`${hostName}: SELinux ${mode === 'disabled' ? 'is disabled' : 'is enabled'} from the next boot; it is ${running} until then`);
  return { mode, running, rebootNeeded };
}

// ---- addresses ----------------------------------------------------------------

/**
 * Addresses from `ip -4 -o addr show`: one interface address per line,
 * `2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\ …`.
 */
export function parseIpv4Addresses(lines: readonly string[], keepMask: boolean): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /\binet\s+(\d+\.\d+\.\d+\.\d+)(\/\d+)?/.exec(line);
    if (m) out.push(keepMask ? `${m[1]}${m[2] ?? ''}` : m[1]!);
  }
  return out;
}

export async function interfaceAddresses(host: RemoteHost, iface: string, keepMask: boolean): Promise<string[]> {
  // `ip` through PATH: /usr/sbin/ip on Fedora, /sbin/ip on EL6.
  const r = await host.run(cmd('ip', '-4', '-o', 'addr', 'show', 'dev', iface), { readOnly: true, allowExit: 'any' });
  if (r.code !== 0) {
    throw new NotFoundError(`${host.name}: no interface ${iface}${r.stderr.length ? ` (${r.stderr.join(' ').trim()})` : ''}`, {
      hint: 'list them with: ip -o link',
    });
  }
  return parseIpv4Addresses(r.stdout, keepMask);
}

// ---- sed and downloads ---------------------------------------------------------

/**
 * sed with the script as one quoted word: `$`, backticks and `\` reach sed unchanged
 * (the original wrapped it in double quotes, so the remote shell expanded them). With a
 * destination, the redirection runs inside the same (possibly sudo) shell, with the
 * script and paths as positional parameters rather than pasted into the script.
 */
export function sedCommand(script: string, file: string, o: { inplace?: boolean; destfile?: string } = {}) {
  if (o.destfile !== undefined) return cmd('sh', '-c', 'sed -e "$1" -- "$2" > "$3"', 'sh', script, file, o.destfile);
  return cmd('sed', ...(o.inplace ? ['-i'] : []), '-e', script, '--', file);
}

/** A URL a download tool may be given: http, https or ftp, one line, not an option. */
export const downloadUrl = (v: string) => {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(v)) return 'a URL must not contain blanks or control characters';
  try {
    const u = new URL(v);
    return ['http:', 'https:', 'ftp:'].includes(u.protocol) ? undefined : 'only http, https and ftp URLs';
  } catch {
    return 'not a URL';
  }
};

/**
 * curl when the host has it, else wget; -f / wget's own exit code make an HTTP error
 * fail the task. Without a path the file is named after the URL, in the login's home.
 */
export function fetchCommand(url: string, filepath?: string) {
  const script = [
    'if command -v curl >/dev/null 2>&1; then',
    '  if [ -n "$2" ]; then exec curl -fsSL -o "$2" -- "$1"; else exec curl -fsSLO -- "$1"; fi',
    'fi',
    'if [ -n "$2" ]; then exec wget -q -O "$2" -- "$1"; else exec wget -q -- "$1"; fi',
  ].join('\n');
  return cmd('sh', '-c', script, 'sh', url, filepath ?? '');
}
