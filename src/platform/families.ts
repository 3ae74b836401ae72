// The one table that maps a distribution to its command families. Everything a remote
// task does differently per distribution is decided here, from the probed os-release,
// never by a task.
import { OriginError } from '../engine/errors.js';
import { firewalldCommands, lokkitCommands, ufwCommands } from './firewalls.js';
import { distributionLabel, versionAtLeast } from './osrelease.js';
import { aptCommands, dnfCommands, yumCommands } from './packages.js';
import { systemdCommands, sysvCommands } from './services.js';
import type { Distribution, FirewallName, InitSystemName, PackageManagerName, Platform } from './types.js';

export type FamilyName = 'fedora' | 'el' | 'amazon' | 'debian' | 'ubuntu';

export interface FamilyChoice {
  family: FamilyName;
  packages: PackageManagerName;
  init: InitSystemName;
  /** On SysV hosts, what turns a service on at boot. */
  boot: 'chkconfig' | 'update-rc.d';
  firewall: FirewallName;
  defaultUser: string;
}

const EL_IDS = new Set(['rhel', 'centos', 'almalinux', 'rocky', 'ol', 'scientific', 'cloudlinux', 'eurolinux']);

export function familyOf(d: Distribution): FamilyName | undefined {
  if (d.id === 'fedora') return 'fedora';
  // Amazon Linux 2 says ID_LIKE="centos rhel fedora", so it is matched before the EL clones.
  if (d.id === 'amzn') return 'amazon';
  if (EL_IDS.has(d.id) || d.like.includes('rhel') || d.like.includes('centos')) return 'el';
  if (d.id === 'ubuntu') return 'ubuntu';
  if (d.id === 'debian' || d.like.includes('debian') || d.like.includes('ubuntu')) return 'debian';
  return undefined;
}

const EL_USERS: Record<string, string> = { rhel: 'ec2-user', almalinux: 'ec2-user', ol: 'ec2-user', rocky: 'rocky' };

/**
 * The command families for a distribution.
 *
 * Amazon Linux 2 and 2023 ship without a host firewall (security groups filter
 * instead). The firewall tasks drive firewalld there, which their core repositories
 * carry: it gives the same runtime-plus-permanent commands as EL7+, where
 * iptables-services would need hand-written rules. platform.firewall.packages names
 * what to install first. Amazon Linux 1 (EOL) is treated like EL6 for packages and
 * services.
 */
export function chooseFamilies(d: Distribution): FamilyChoice {
  const family = familyOf(d);
  const v = d.version;
  switch (family) {
    case 'fedora':
      return {
        family,
        packages: d.major >= 22 ? 'dnf' : 'yum',
        init: d.major >= 15 ? 'systemd' : 'sysv',
        boot: 'chkconfig',
        firewall: d.major >= 18 ? 'firewalld' : 'iptables',
        defaultUser: d.major >= 19 ? 'fedora' : 'ec2-user',
      };
    case 'el':
      return {
        family,
        packages: d.major >= 8 ? 'dnf' : 'yum',
        init: d.major >= 7 ? 'systemd' : 'sysv',
        boot: 'chkconfig',
        firewall: d.major >= 7 ? 'firewalld' : 'iptables',
        defaultUser: d.id === 'centos' ? (d.major >= 7 ? 'centos' : 'root') : (EL_USERS[d.id] ?? 'root'),
      };
    case 'amazon': {
      // VERSION_ID is 2 for Amazon Linux 2, 2023 for AL2023, 2018.03 and older for AL1.
      const al1 = d.major !== 2 && d.major < 2022;
      return {
        family,
        packages: d.major >= 2022 ? 'dnf' : 'yum',
        init: al1 ? 'sysv' : 'systemd',
        boot: 'chkconfig',
        firewall: al1 ? 'iptables' : 'firewalld',
        defaultUser: 'ec2-user',
      };
    }
    case 'ubuntu':
      return {
        family,
        packages: 'apt-get',
        init: versionAtLeast(v, '15.04') ? 'systemd' : 'sysv',
        boot: 'update-rc.d',
        firewall: 'ufw',
        defaultUser: 'ubuntu',
      };
    case 'debian':
      return {
        family,
        packages: 'apt-get',
        // testing and sid have no VERSION_ID (major 0): they are the newest of all.
        init: d.id !== 'debian' || d.major === 0 || d.major >= 8 ? 'systemd' : 'sysv',
        boot: 'update-rc.d',
        firewall: 'ufw',
        defaultUser: d.id === 'debian' ? 'admin' : 'root',
      };
    default:
      throw new OriginError(`unsupported distribution ${distributionLabel(d)}`, {
        hint: 'supported: Fedora, RHEL and its clones (CentOS, AlmaLinux, Rocky, Oracle), Amazon Linux, Debian, Ubuntu',
      });
  }
}

export function buildPlatform(d: Distribution): Platform {
  const choice = chooseFamilies(d);
  const services = choice.init === 'systemd' ? systemdCommands() : sysvCommands(choice.boot);
  const packages = choice.packages === 'dnf' ? dnfCommands() : choice.packages === 'yum' ? yumCommands() : aptCommands();
  const firewall = choice.firewall === 'firewalld' ? firewalldCommands(services) : choice.firewall === 'iptables' ? lokkitCommands(services) : ufwCommands();
  return {
    distro: d,
    packages,
    services,
    firewall,
    augeasPackage: choice.packages === 'apt-get' ? 'augeas-tools' : 'augeas',
    defaultUser: choice.defaultUser,
    label: distributionLabel(d),
  };
}
