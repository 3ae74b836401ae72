// remote:firewall:* against the real test sshd: what firewalld, lokkit/iptables and ufw
// were asked on each distribution (the firewall's own service and tools, never
// systemctl on EL6 or lokkit on a firewalld host).
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';
import { recorded, sudoed } from './recorded.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;

useTestSshd(
  (s, e) => {
    sshd = s;
    env = e;
  },
  { standIns: ['firewall-offline-cmd'] },
);

const firewalldOpen = [
  'systemctl is-active firewalld',
  'firewall-cmd --add-port 8140/tcp',
  'firewall-cmd --permanent --add-port 8140/tcp',
  'firewall-cmd --add-port 53/udp',
  'firewall-cmd --permanent --add-port 53/udp',
  'firewall-cmd --add-port 60000-61000/udp',
  'firewall-cmd --permanent --add-port 60000-61000/udp',
];

describe('remote:firewall:port', () => {
  it.each([
    ['fedora19', firewalldOpen],
    ['fedora40', firewalldOpen],
    ['rhel9', firewalldOpen],
    ['amzn2', firewalldOpen],
    [
      'rhel64',
      ['lokkit --nostart --port=8140:tcp', 'lokkit --nostart --port=53:udp', 'lokkit --nostart --port=60000-61000:udp', 'service iptables condrestart'],
    ],
    ['ubuntu2204', ['ufw allow 8140/tcp', 'ufw allow 53/udp', 'ufw allow 60000:61000/udp']],
    ['debian12', ['ufw allow 8140/tcp', 'ufw allow 53/udp', 'ufw allow 60000:61000/udp']],
  ])('%s: opens ports at runtime and permanently', async (distro, expected) => {
    sshd.withDistribution(distro);
    const r = await runCli(['remote:firewall:port', 'testhost', '8140', '53/udp', '60000-61000', '--protocol', 'udp'], env);
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'task: remote:firewall:port testhost 8140 53/udp 60000-61000\n' });
    // --protocol udp applies to the ports given without one (8140 and the range).
    const withUdp = expected.map((c) => c.replace('8140/tcp', '8140/udp').replace('8140:tcp', '8140:udp'));
    expect(recorded(sshd)).toEqual(withUdp);
    expect(sudoed(sshd)).toEqual(withUdp);
  });

  it('defaults to tcp', async () => {
    sshd.withDistribution('ubuntu2204');
    expect((await runCli(['remote:firewall:port', 'testhost', '8140'], env)).code).toBe(0);
    expect(recorded(sshd)).toEqual(['ufw allow 8140/tcp']);
  });

  it('writes the permanent configuration offline while firewalld is stopped (firewall-cmd would fail)', async () => {
    sshd.withDistribution('fedora19');
    sshd.standIn('systemctl', { stdout: 'inactive\n', exit: 3 });
    const r = await runCli(['remote:firewall:port', 'testhost', '8140/tcp'], env);
    expect(r.code).toBe(0);
    expect(recorded(sshd)).toEqual(['systemctl is-active firewalld', 'firewall-offline-cmd --port=8140:tcp']);
  });

  it('refuses a bad port or protocol with exit 2 before connecting', async () => {
    const before = sshd.logins();
    for (const argv of [['8140;reboot'], ['$(id)'], ['70000'], ['80/sctp'], ['80/tcp/x'], ['9000-8000'], ['80', '--protocol', 'sctp']]) {
      const r = await runCli(['remote:firewall:port', 'testhost', ...argv], env);
      expect(r.code, argv.join(' ')).toBe(2);
    }
    expect(sshd.logins()).toBe(before);
    expect(sshd.calls()).toEqual([]);
  });
});

describe('remote:firewall:service', () => {
  it.each([
    ['fedora19', ['systemctl is-active firewalld', 'firewall-cmd --add-service ssh', 'firewall-cmd --permanent --add-service ssh']],
    ['centos7', ['systemctl is-active firewalld', 'firewall-cmd --add-service ssh', 'firewall-cmd --permanent --add-service ssh']],
    ['centos64', ['lokkit --nostart --service=ssh', 'service iptables condrestart']],
    ['ubuntu2204', ['ufw allow ssh']],
  ])('%s: allows a named service', async (distro, expected) => {
    sshd.withDistribution(distro);
    const r = await runCli(['remote:firewall:service', 'testhost', 'ssh'], env);
    expect(r.code).toBe(0);
    expect(recorded(sshd)).toEqual(expected);
  });

  it('refuses hostile service names', async () => {
    for (const bad of ['ssh;reboot', '$(id)', 'a b']) {
      expect((await runCli(['remote:firewall:service', 'testhost', bad], env)).code).toBe(2);
    }
    expect(sshd.calls()).toEqual([]);
  });
});

describe('remote:firewall:start|stop|restart|enable|disable|status', () => {
  const actions = ['start', 'stop', 'enable', 'disable'];
  it.each([
    ['fedora19', ['systemctl start firewalld', 'systemctl stop firewalld', 'systemctl enable firewalld', 'systemctl disable firewalld']],
    ['amzn2', ['systemctl start firewalld', 'systemctl stop firewalld', 'systemctl enable firewalld', 'systemctl disable firewalld']],
    ['rhel64', ['service iptables start', 'service iptables stop', 'chkconfig iptables on', 'chkconfig iptables off']],
    ['ubuntu2204', ['ufw --force enable', 'ufw disable', 'ufw --force enable', 'ufw disable']],
  ])('%s: the firewall service through its own init system', async (distro, expected) => {
    sshd.withDistribution(distro);
    for (const action of actions) {
      const r = await runCli([`remote:firewall:${action}`, 'testhost'], env);
      expect(r).toEqual({ code: 0, stdout: '', stderr: `task: remote:firewall:${action} testhost\n` });
    }
    expect(recorded(sshd)).toEqual(expected);
    expect(sudoed(sshd)).toEqual(expected);
  });

  it('status prints the firewall service and active|inactive, exit 0 both ways', async () => {
    sshd.withDistribution('rhel64');
    sshd.standIn('service', { stdout: 'iptables: Firewall is not running.\n', exit: 3 });
    let r = await runCli(['remote:firewall:status', 'testhost'], env);
    expect(r).toEqual({ code: 0, stdout: 'iptables inactive\n', stderr: 'task: remote:firewall:status testhost\n' });
    expect(sudoed(sshd)).toEqual(['service iptables status']);

    sshd.resetStandIns();
    sshd.withDistribution('ubuntu2204');
    sshd.standIn('ufw', { stdout: 'Status: active\n\nTo                         Action      From\n' });
    r = await runCli(['remote:firewall:status', 'testhost'], env);
    expect(r.stdout).toBe('ufw active\n');
    expect(recorded(sshd)).toEqual(['ufw status']);
  });

  it('remote:firewall:firewalld is true only for a running firewalld', async () => {
    sshd.withDistribution('fedora19');
    expect((await runCli(['remote:firewall:firewalld', 'testhost'], env)).stdout).toBe('true\n');
    sshd.withDistribution('rhel64'); // each run probes afresh
    expect((await runCli(['remote:firewall:firewalld', 'testhost'], env)).stdout).toBe('false\n');
  });
});

describe('a firewall that is not installed', () => {
  it('Amazon Linux 2 without firewalld: exit 1 with a hint naming the package to install', async () => {
    sshd.withDistribution('amzn2');
    sshd.standIn('systemctl', { stdout: 'inactive\n', exit: 3 });
    sshd.standIn('firewall-offline-cmd', { stderr: 'sh: 1: firewall-offline-cmd: not found\n', exit: 127 });
    const r = await runCli(['remote:firewall:port', 'testhost', '8140'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'exited 127: sh: 1: firewall-offline-cmd: not found (firewalld is not installed there: origin-setup remote:pkg:install testhost firewalld)',
    );
  });
});
