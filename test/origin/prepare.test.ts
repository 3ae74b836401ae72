// origin:prepare against the real test sshd: the seed's order of steps, per distribution,
// and a failing step ending the run (the original carried on and reported success).
import { chownSync, existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { hostname as localHostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPaths } from '../../src/platform/system.js';
import { runCli } from '../support/cli.js';
import { startCli } from '../support/cli-watch.js';
import { echoes, startWorld, worldEnv, type World } from './flow-world.js';
import { until } from '../support/until.js';

let world: World;
const HOST = 'box.test';

beforeAll(async () => {
  world = await startWorld({ hosts: [HOST], distribution: 'fedora19' });
  // SysV hosts link /etc/localtime and edit /etc/sysconfig/clock; the test login is not root.
  systemPaths.localtime = join(world.sshd.remoteHome, 'localtime');
  systemPaths.sysconfigClock = join(world.sshd.remoteHome, 'clock');
  writeFileSync(systemPaths.sysconfigClock, 'ZONE="America/New_York"\n');
  const { uid, gid } = statSync(world.sshd.remoteHome);
  chownSync(systemPaths.sysconfigClock, uid, gid);
});
afterAll(async () => world?.sshd.stop());

// The machine's own name: `hostname` without arguments is the real one (the sshd runs in
// its own UTS namespace, which starts with the machine's name).
const realHostname = () => localHostname();

describe('origin:prepare', () => {
  it('runs the seed order on Fedora 19: distribution, arch, timezone, hostname, packages, firewall with ssh', async () => {
    world.reset({ distribution: 'fedora19' });
    const r = await runCli(['origin:prepare', HOST], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:prepare ${HOST}`,
      `  task: remote:distribution ${HOST}`,
      `  task: remote:arch ${HOST}`,
      `  task: remote:timezone ${HOST} UTC`,
      `  task: remote:hostname ${HOST}`,
      `  task: remote:yum:install ${HOST} firewalld augeas`,
      `  task: remote:firewall:service ${HOST} ssh`,
      `  task: remote:firewall:enable ${HOST}`,
      `  task: remote:firewall:start ${HOST}`,
      `  task: remote:available ${HOST}`,
    ]);
    expect(r.stderr).toContain(`  - ${HOST}: fedora 19 x86_64\n`);
    expect(world.commands()).toEqual([
      'timedatectl set-timezone UTC',
      'hostname',
      'yum -y install firewalld augeas',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
    ]);
    expect(r.stdout).toBe(`${HOST} fedora 19 x86_64 ${realHostname()}\n`);
  });

  it('sets the host name, adds packages and time sync (chronyd) on RHEL 9 with dnf', async () => {
    world.reset({ distribution: 'rhel9' });
    const r = await runCli(
      ['origin:prepare', HOST, '--hostname', 'broker.example.org', '--packages', 'git', 'vim-enhanced', '--ntp', '--timezone', 'America/New_York'],
      worldEnv(world),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:prepare ${HOST}`,
      `  task: remote:distribution ${HOST}`,
      `  task: remote:arch ${HOST}`,
      `  task: remote:timezone ${HOST} America/New_York`,
      `  task: remote:hostname ${HOST} broker.example.org`,
      `  task: remote:yum:install ${HOST} git vim-enhanced firewalld augeas chrony`,
      `  task: remote:firewall:service ${HOST} ssh`,
      `  task: remote:firewall:enable ${HOST}`,
      `  task: remote:firewall:start ${HOST}`,
      `  task: remote:available ${HOST}`,
      `  task: remote:service:enable ${HOST} chronyd`,
      `  task: remote:service:start ${HOST} chronyd`,
    ]);
    expect(world.commands()).toEqual([
      'timedatectl set-timezone America/New_York',
      'hostnamectl set-hostname broker.example.org',
      'dnf -y install git vim-enhanced firewalld augeas chrony',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
      'systemctl enable chronyd',
      'systemctl start chronyd',
    ]);
    expect(r.stdout).toBe(`${HOST} rhel 9.4 x86_64 broker.example.org\n`);
  });

  it('uses lokkit, chkconfig and ntpd on CentOS 6 (SysV)', async () => {
    world.reset({ distribution: 'centos64' });
    const r = await runCli(['origin:prepare', HOST, '--ntp'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr).filter((l) => /yum:install|service:/.test(l))).toEqual([
      `  task: remote:yum:install ${HOST} system-config-firewall-base iptables augeas ntp`,
      `  task: remote:service:enable ${HOST} ntpd`,
      `  task: remote:service:start ${HOST} ntpd`,
    ]);
    expect(world.commands().filter((c) => !c.startsWith('mkdir') && c !== 'hostname')).toEqual([
      'yum -y install system-config-firewall-base iptables augeas ntp',
      'lokkit --nostart --service=ssh',
      'service iptables condrestart',
      'chkconfig iptables on',
      'service iptables start',
      'chkconfig ntpd on',
      'service ntpd start',
    ]);
    expect(readlinkSync(systemPaths.localtime)).toBe('/usr/share/zoneinfo/UTC');
    expect(readFileSync(systemPaths.sysconfigClock, 'utf8')).toBe('ZONE="UTC"\n');
  });

  it('uses apt-get, ufw and chrony on Ubuntu 22.04', async () => {
    world.reset({ distribution: 'ubuntu2204' });
    const r = await runCli(['origin:prepare', HOST, '--ntp'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(world.commands()).toEqual([
      'timedatectl set-timezone UTC',
      'hostname',
      'apt-get -q update',
      'apt-get -y install ufw augeas-tools chrony',
      'ufw allow ssh',
      'ufw --force enable',
      'ufw --force enable',
      'systemctl enable chrony',
      'systemctl start chrony',
    ]);
  });

  it('fails the run when a step fails, naming the command, and runs nothing after it', async () => {
    world.reset({ distribution: 'fedora19' });
    world.sshd.standIn('firewall-cmd', { stderr: 'FirewallD is not running\n', exit: 252 });
    const r = await runCli(['origin:prepare', HOST], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*firewall-cmd --add-service ssh.* exited 252: FirewallD is not running/);
    expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:firewall:service ${HOST} ssh`);
    expect(world.commands().some((c) => c.startsWith('systemctl enable'))).toBe(false);
    expect(r.stdout).toBe('');
  });

  it('a firewall that shuts out new connections is caught by the greeting check, with no second login', async () => {
    world.reset({ distribution: 'fedora19' });
    // Starting the firewall pauses until the test has made it bite: the listening sshd goes
    // away, the session already open goes on, new connections are refused.
    const [started, bitten] = [join(world.state, 'firewall-started'), join(world.state, 'firewall-bites')];
    world.sshd.standIn('systemctl', {
      script: `if [ "$1" = start ]; then : > '${started}'; while [ ! -f '${bitten}' ]; do sleep 0.02; done; fi\nexit 0\n`,
    });
    const before = world.sshd.logins();
    try {
      const cli = startCli(['origin:prepare', HOST], worldEnv(world));
      await until('the firewall to start', () => existsSync(started));
      await world.sshd.stopListening();
      writeFileSync(bitten, '');
      const r = await cli.result;
      expect(r.code, r.stderr).toBe(1);
      expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:available ${HOST}`);
      expect(r.stderr).toContain(`error: ${HOST} not reachable: ${HOST} (127.0.0.1:${world.sshd.port}) refused the connection on port ${world.sshd.port}`);
      expect(world.sshd.logins() - before).toBe(1);
      expect(r.stdout).toBe('');
    } finally {
      writeFileSync(bitten, '');
      await world.sshd.start();
    }
  });

  it('refuses bad input with exit 2 before connecting', async () => {
    world.reset({ distribution: 'fedora19' });
    const before = world.sshd.logins();
    for (const argv of [
      ['origin:prepare', HOST, '--timezone', '../../etc/passwd'],
      ['origin:prepare', HOST, '--packages', 'git', '$(reboot)'],
      ['origin:prepare', HOST, '--hostname', 'bad_name!'],
      ['origin:prepare', 'a;b'],
    ]) {
      const r = await runCli(argv, worldEnv(world));
      expect(r.code, argv.join(' ')).toBe(2);
    }
    expect(world.sshd.logins()).toBe(before);
    expect(world.commands()).toEqual([]);
  });
});
