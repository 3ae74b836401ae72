// Firewall command families. Each change is made at runtime and permanently where the
// firewall distinguishes the two, so a port opened now is still open after a reboot.
import { cmd } from '../ssh/quote.js';
import type { FirewallCommands, ServiceCommands } from './types.js';

/** 8000-8443 → 8000:8443 for the tools that spell ranges with a colon. */
const colonRange = (port: string) => port.replace('-', ':');

/** firewalld (Fedora ≥ 18, EL ≥ 7, Amazon Linux 2 and 2023 once installed). */
export function firewalldCommands(services: ServiceCommands): FirewallCommands {
  return {
    name: 'firewalld',
    service: 'firewalld',
    // firewall-cmd talks to the daemon over D-Bus and fails while it is stopped; the
    // offline tool edits the permanent configuration directly. Its lokkit-style
    // options are the ones every firewalld release accepts (Fedora 19's included).
    openPort: (port, protocol, running = true) =>
      running
        ? [cmd('firewall-cmd', '--add-port', `${port}/${protocol}`), cmd('firewall-cmd', '--permanent', '--add-port', `${port}/${protocol}`)]
        : [cmd('firewall-offline-cmd', `--port=${port}:${protocol}`)],
    allowService: (service, running = true) =>
      running
        ? [cmd('firewall-cmd', '--add-service', service), cmd('firewall-cmd', '--permanent', '--add-service', service)]
        : [cmd('firewall-offline-cmd', `--service=${service}`)],
    runtimeNeedsRunning: true,
    control: (action) => services.command('firewalld', action),
    isActive: (r) => r.code === 0,
    packages: ['firewalld'],
  };
}

/**
 * lokkit over the iptables service (EL6). lokkit writes /etc/sysconfig/iptables; with
 * --nostart it leaves a stopped firewall stopped, and `condrestart` then reloads the
 * rules only when the firewall is running, which is the runtime half.
 */
export function lokkitCommands(services: ServiceCommands): FirewallCommands {
  const reload = cmd('service', 'iptables', 'condrestart');
  return {
    name: 'iptables',
    service: 'iptables',
    openPort: (port, protocol) => [cmd('lokkit', '--nostart', `--port=${port}:${protocol}`), reload],
    allowService: (service) => [cmd('lokkit', '--nostart', `--service=${service}`), reload],
    runtimeNeedsRunning: false,
    control: (action) => services.command('iptables', action),
    isActive: (r) => r.code === 0,
    packages: ['system-config-firewall-base', 'iptables'],
  };
}

/**
 * ufw (Ubuntu, Debian). A rule added with `ufw allow` is active at once when ufw is
 * enabled and is always saved, so one command does both halves. ufw's on/off switch is
 * `ufw enable|disable` (which also decides boot), not its service unit: a started unit
 * with ufw disabled filters nothing.
 */
export function ufwCommands(): FirewallCommands {
  return {
    name: 'ufw',
    service: 'ufw',
    openPort: (port, protocol) => [cmd('ufw', 'allow', `${colonRange(port)}/${protocol}`)],
    allowService: (service) => [cmd('ufw', 'allow', service)],
    runtimeNeedsRunning: false,
    control: (action) =>
      action === 'status'
        ? cmd('ufw', 'status')
        : action === 'stop' || action === 'disable'
          ? cmd('ufw', 'disable')
          : action === 'restart'
            ? cmd('ufw', 'reload')
            : cmd('ufw', '--force', 'enable'),
    isActive: (r) => r.stdout.some((l) => /^Status:\s*active\b/.test(l.trim())),
    packages: ['ufw'],
  };
}
