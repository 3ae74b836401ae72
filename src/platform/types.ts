// The contract between remote tasks and distribution awareness. A task asks for the
// host's Platform once (probed once per host per run) and builds every package, service
// and firewall command through it, so no task branches on the distribution itself.
import type { ShellCommand } from '../ssh/quote.js';

export interface Distribution {
  /** os-release ID, lower case: fedora, rhel, centos, amzn, ubuntu, debian, … */
  id: string;
  /** VERSION_ID: 19, 6.4, 2, 22.04, 12 */
  version: string;
  /** ID_LIKE words, e.g. ['rhel', 'fedora'] for centos. */
  like: string[];
  /** The major version as a number (6 for 6.4). */
  major: number;
}

export type PackageManagerName = 'dnf' | 'yum' | 'apt-get';
export type InitSystemName = 'systemd' | 'sysv';
export type FirewallName = 'firewalld' | 'iptables' | 'ufw';

export interface PackageCommands {
  readonly name: PackageManagerName;
  install(packages: readonly string[]): ShellCommand;
  remove(packages: readonly string[]): ShellCommand;
  update(): ShellCommand;
  /** Lists packages; parse the output with parseList. */
  list(filter: 'installed' | 'available' | 'updates'): ShellCommand;
  parseList(lines: readonly string[]): { name: string; arch: string; version: string; repo: string }[];
  /** Prints the installed version of one package, exit non-zero when absent. */
  version(pkg: string): ShellCommand;
  /**
   * Asks the repositories about a few packages by name (run as root: apt refreshes its
   * lists first); exit 1 from yum/dnf means none of them is offered.
   */
  offer(pkgs: readonly string[]): ShellCommand;
  /** Reads offer()'s output: name → the version that an install would get. */
  parseOffer(lines: readonly string[]): Record<string, string>;
}

export type ServiceAction = 'start' | 'stop' | 'restart' | 'enable' | 'disable' | 'status';

export interface ServiceCommands {
  readonly name: InitSystemName;
  /** One command per action; `status` exits 0 when the service is running. */
  command(service: string, action: ServiceAction): ShellCommand;
}

export interface FirewallCommands {
  readonly name: FirewallName;
  /** The service unit that runs the firewall (firewalld, iptables, ufw). */
  readonly service: string;
  /**
   * Commands that open a port (80 or 8000-8443) both now and permanently (one or more).
   * `running: false` asks for the commands that work while the firewall is stopped
   * (permanent configuration only); see runtimeNeedsRunning.
   */
  openPort(port: string, protocol: 'tcp' | 'udp', running?: boolean): ShellCommand[];
  /** Commands that allow a named service (ssh, http, …) now and permanently. */
  allowService(service: string, running?: boolean): ShellCommand[];
  /**
   * True when the runtime commands fail on a stopped firewall (firewall-cmd without
   * firewalld): the caller runs control('status') first and passes `running`.
   */
  readonly runtimeNeedsRunning: boolean;
  /** Starts, stops, enables, disables or queries the firewall itself. */
  control(action: ServiceAction): ShellCommand;
  /** Reads the result of control('status'): true when the firewall is filtering. */
  isActive(result: { code: number; stdout: readonly string[] }): boolean;
  /** The packages that provide this firewall's tools. */
  readonly packages: readonly string[];
}

export interface Platform {
  distro: Distribution;
  packages: PackageCommands;
  services: ServiceCommands;
  firewall: FirewallCommands;
  /** The augeas tools package name for this family (augeas / augeas-tools). */
  augeasPackage: string;
  /** The usual cloud login user: ec2-user, fedora, ubuntu, admin, root. */
  defaultUser: string;
  /** `NAME VERSION` as remote:distribution prints it: fedora 19, rhel 6.4. */
  label: string;
}
