import { describe, expect, it } from 'vitest';
import { OriginError } from '../../../src/engine/errors.js';
import { buildPlatform, chooseFamilies } from '../../../src/platform/families.js';
import { parseDistribution } from '../../../src/platform/osrelease.js';
import type { Distribution } from '../../../src/platform/types.js';
import { lines, OS_RELEASE, REDHAT_RELEASE } from './fixtures.js';

const osr = (key: keyof typeof OS_RELEASE): Distribution => parseDistribution(lines(OS_RELEASE[key]))!;
const rhr = (key: keyof typeof REDHAT_RELEASE): Distribution => parseDistribution([REDHAT_RELEASE[key]])!;
const text = (c: { text: string }) => c.text;

describe('the distribution → command family table', () => {
  it.each([
    // name, distribution, packages, init, firewall, default user
    ['Fedora 19', osr('fedora19'), 'yum', 'systemd', 'firewalld', 'fedora'],
    ['Fedora 41', osr('fedora41'), 'dnf', 'systemd', 'firewalld', 'fedora'],
    ['RHEL 6.4', rhr('rhel64'), 'yum', 'sysv', 'iptables', 'ec2-user'],
    ['CentOS 6.4', rhr('centos64'), 'yum', 'sysv', 'iptables', 'root'],
    ['RHEL 7.9', osr('rhel7'), 'yum', 'systemd', 'firewalld', 'ec2-user'],
    ['CentOS 7', osr('centos7'), 'yum', 'systemd', 'firewalld', 'centos'],
    ['RHEL 9.4', osr('rhel9'), 'dnf', 'systemd', 'firewalld', 'ec2-user'],
    ['AlmaLinux 9', osr('alma9'), 'dnf', 'systemd', 'firewalld', 'ec2-user'],
    ['Rocky 8', osr('rocky8'), 'dnf', 'systemd', 'firewalld', 'rocky'],
    ['Amazon Linux 2', osr('amzn2'), 'yum', 'systemd', 'firewalld', 'ec2-user'],
    ['Amazon Linux 2023', osr('amzn2023'), 'dnf', 'systemd', 'firewalld', 'ec2-user'],
    ['Amazon Linux 1', osr('amzn1'), 'yum', 'sysv', 'iptables', 'ec2-user'],
    ['Ubuntu 22.04', osr('ubuntu2204'), 'apt-get', 'systemd', 'ufw', 'ubuntu'],
    ['Ubuntu 14.04', osr('ubuntu1404'), 'apt-get', 'sysv', 'ufw', 'ubuntu'],
    ['Debian 12', osr('debian12'), 'apt-get', 'systemd', 'ufw', 'admin'],
    ['Debian sid', osr('debianSid'), 'apt-get', 'systemd', 'ufw', 'admin'],
  ] as const)('%s', (_name, d, packages, init, firewall, user) => {
    const p = buildPlatform(d);
    expect([p.packages.name, p.services.name, p.firewall.name, p.defaultUser]).toEqual([packages, init, firewall, user]);
  });

  it('draws the version lines where the distributions changed tools', () => {
    const fedora = (major: number) => chooseFamilies({ id: 'fedora', version: String(major), like: [], major });
    expect([fedora(14).init, fedora(15).init]).toEqual(['sysv', 'systemd']);
    expect([fedora(17).firewall, fedora(18).firewall]).toEqual(['iptables', 'firewalld']);
    expect([fedora(18).defaultUser, fedora(19).defaultUser]).toEqual(['ec2-user', 'fedora']);
    expect([fedora(21).packages, fedora(22).packages]).toEqual(['yum', 'dnf']);
    const rhel = (major: number) => chooseFamilies({ id: 'rhel', version: String(major), like: ['fedora'], major });
    expect([rhel(7).packages, rhel(8).packages]).toEqual(['yum', 'dnf']);
  });

  it('follows ID_LIKE for an unlisted clone and refuses an unknown system with a hint', () => {
    expect(chooseFamilies({ id: 'navy', version: '8.6', like: ['rhel', 'centos', 'fedora'], major: 8 }).packages).toBe('dnf');
    expect(chooseFamilies({ id: 'linuxmint', version: '21.3', like: ['ubuntu', 'debian'], major: 21 }).firewall).toBe('ufw');
    expect(() => chooseFamilies({ id: 'arch', version: '', like: [], major: 0 })).toThrow(OriginError);
    expect(() => chooseFamilies({ id: 'arch', version: '', like: [], major: 0 })).toThrow(/unsupported distribution arch/);
  });

  it('labels the distribution as remote:distribution prints it and names the augeas package', () => {
    expect(buildPlatform(rhr('rhel64')).label).toBe('rhel 6.4');
    expect(buildPlatform(osr('ubuntu2204')).augeasPackage).toBe('augeas-tools');
    expect(buildPlatform(osr('fedora19')).augeasPackage).toBe('augeas');
  });
});

describe('package commands', () => {
  it('dnf, yum and apt-get install, remove, update, list and version', () => {
    const dnf = buildPlatform(osr('fedora41')).packages;
    expect(text(dnf.install(['git', 'puppet']))).toBe('dnf -y install git puppet');
    expect(text(dnf.remove(['git']))).toBe('dnf -y remove git');
    expect(text(dnf.update())).toBe('dnf -y upgrade');
    expect(text(dnf.list('installed'))).toBe('dnf -q list --installed');
    expect(text(dnf.list('updates'))).toBe('dnf -q list --upgrades');
    expect(text(dnf.version('git'))).toBe("rpm -q --qf '%{VERSION}-%{RELEASE}\\n' git");

    const yum = buildPlatform(rhr('centos64')).packages;
    expect(text(yum.install(['augeas']))).toBe('yum -y install augeas');
    expect(text(yum.update())).toBe('yum -y update');
    expect(text(yum.list('available'))).toBe('yum -q list available');

    const apt = buildPlatform(osr('ubuntu2204')).packages;
    expect(text(apt.install(['augeas-tools', 'git']))).toBe(
      `env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get -q update && apt-get -y install "$@"' sh augeas-tools git`,
    );
    expect(text(apt.remove(['git']))).toBe('env DEBIAN_FRONTEND=noninteractive apt-get -y remove git');
    expect(text(apt.update())).toBe(`env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get -q update && apt-get -y upgrade' sh`);
    expect(text(apt.list('updates'))).toBe('apt list --upgradable');
    expect(text(apt.version('git'))).toBe("dpkg-query -W -f '${Version}\\n' git");
  });

  it('parses yum/dnf list output per line, joining a wrapped long name with its columns', () => {
    const yum = buildPlatform(rhr('rhel64')).packages;
    expect(
      yum.parseList([
        'Loaded plugins: fastestmirror, security',
        'Installed Packages',
        'bash.x86_64                          4.1.2-15.el6_4          @anaconda-CentOS-201303020151.x86_64/6.4',
        'system-config-firewall-base.noarch',
        '                                     1.2.27-5.el6            @base',
        'tzdata.noarch     2013c-2.el6   @updates',
        'Available Packages',
        'puppet.noarch  1:2.7.21-1.el6  epel',
      ]),
    ).toEqual([
      { name: 'bash', arch: 'x86_64', version: '4.1.2-15.el6_4', repo: '@anaconda-CentOS-201303020151.x86_64/6.4' },
      { name: 'system-config-firewall-base', arch: 'noarch', version: '1.2.27-5.el6', repo: '@base' },
      { name: 'tzdata', arch: 'noarch', version: '2013c-2.el6', repo: '@updates' },
      { name: 'puppet', arch: 'noarch', version: '1:2.7.21-1.el6', repo: 'epel' },
    ]);
  });

  it('parses apt list output', () => {
    const apt = buildPlatform(osr('debian12')).packages;
    expect(
      apt.parseList([
        'Listing...',
        'bash/stable,now 5.2.15-2+b7 amd64 [installed]',
        'git/stable-security 1:2.39.5-0+deb12u1 amd64 [upgradable from: 1:2.39.2-1.1]',
      ]),
    ).toEqual([
      { name: 'bash', repo: 'stable,now', version: '5.2.15-2+b7', arch: 'amd64' },
      { name: 'git', repo: 'stable-security', version: '1:2.39.5-0+deb12u1', arch: 'amd64' },
    ]);
  });

  it('quotes a hostile package name into one inert word', () => {
    const dnf = buildPlatform(osr('fedora41')).packages;
    expect(text(dnf.install(['x; rm -rf /', '$(id)']))).toBe("dnf -y install 'x; rm -rf /' '$(id)'");
  });
});

describe('service commands', () => {
  it('systemctl on systemd hosts, with is-active for status', () => {
    const s = buildPlatform(osr('fedora19')).services;
    expect(['start', 'stop', 'restart', 'enable', 'disable', 'status'].map((a) => text(s.command('httpd', a as never)))).toEqual([
      'systemctl start httpd',
      'systemctl stop httpd',
      'systemctl restart httpd',
      'systemctl enable httpd',
      'systemctl disable httpd',
      'systemctl is-active httpd',
    ]);
  });

  it('service plus chkconfig on EL6, update-rc.d on old Debian-likes', () => {
    const el6 = buildPlatform(rhr('rhel64')).services;
    expect(['start', 'restart', 'enable', 'disable', 'status'].map((a) => text(el6.command('puppet', a as never)))).toEqual([
      'service puppet start',
      'service puppet restart',
      'chkconfig puppet on',
      'chkconfig puppet off',
      'service puppet status',
    ]);
    const trusty = buildPlatform(osr('ubuntu1404')).services;
    expect(text(trusty.command('ntp', 'enable'))).toBe('update-rc.d ntp enable');
    expect(text(trusty.command('ntp', 'stop'))).toBe('service ntp stop');
  });
});

describe('firewall commands', () => {
  it('firewalld: runtime then permanent, offline tool when stopped, service control through systemctl', () => {
    const f = buildPlatform(osr('fedora19')).firewall;
    expect(f.openPort('8140', 'tcp').map(text)).toEqual(['firewall-cmd --add-port 8140/tcp', 'firewall-cmd --permanent --add-port 8140/tcp']);
    expect(f.openPort('8000-8443', 'udp', false).map(text)).toEqual(['firewall-offline-cmd --port=8000-8443:udp']);
    expect(f.allowService('ssh').map(text)).toEqual(['firewall-cmd --add-service ssh', 'firewall-cmd --permanent --add-service ssh']);
    expect(f.allowService('ssh', false).map(text)).toEqual(['firewall-offline-cmd --service=ssh']);
    expect(f.runtimeNeedsRunning).toBe(true);
    expect(text(f.control('start'))).toBe('systemctl start firewalld');
    expect(text(f.control('status'))).toBe('systemctl is-active firewalld');
    expect(f.isActive({ code: 0, stdout: ['active'] })).toBe(true);
    expect(f.isActive({ code: 3, stdout: ['inactive'] })).toBe(false);
    expect(f.packages).toEqual(['firewalld']);
  });

  it('lokkit on EL6: permanent rule, then a reload only if iptables is running; service iptables via chkconfig', () => {
    const f = buildPlatform(rhr('centos64')).firewall;
    expect(f.openPort('8140', 'tcp').map(text)).toEqual(['lokkit --nostart --port=8140:tcp', 'service iptables condrestart']);
    expect(f.allowService('ssh').map(text)).toEqual(['lokkit --nostart --service=ssh', 'service iptables condrestart']);
    expect(text(f.control('enable'))).toBe('chkconfig iptables on');
    expect(text(f.control('status'))).toBe('service iptables status');
    expect(f.runtimeNeedsRunning).toBe(false);
  });

  it('ufw: one allow rule, ranges with a colon, on/off through ufw itself', () => {
    const f = buildPlatform(osr('ubuntu2204')).firewall;
    expect(f.openPort('8140', 'tcp').map(text)).toEqual(['ufw allow 8140/tcp']);
    expect(f.openPort('60000-61000', 'udp').map(text)).toEqual(['ufw allow 60000:61000/udp']);
    expect(f.allowService('ssh').map(text)).toEqual(['ufw allow ssh']);
    expect(['start', 'stop', 'restart', 'enable', 'disable', 'status'].map((a) => text(f.control(a as never)))).toEqual([
      'ufw --force enable',
      'ufw disable',
      'ufw reload',
      'ufw --force enable',
      'ufw disable',
      'ufw status',
    ]);
    expect(f.isActive({ code: 0, stdout: ['Status: active', '', 'To  Action  From'] })).toBe(true);
    expect(f.isActive({ code: 0, stdout: ['Status: inactive'] })).toBe(false);
  });
});
