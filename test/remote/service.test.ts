// remote:service:* against the real test sshd: the stand-ins record what each
// distribution's init system was asked, through sudo -n for the unprivileged login.
import { describe, expect, it } from 'vitest';
import { runCli, testEnv } from '../support/cli.js';
import { type Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';
import { recorded, sudoed } from './recorded.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;

useTestSshd((s, e) => {
  sshd = s;
  env = e;
});

describe('remote:service:start|stop|restart|enable|disable', () => {
  it.each([
    ['fedora19', ['systemctl start httpd', 'systemctl start ntpd']],
    ['fedora40', ['systemctl start httpd', 'systemctl start ntpd']],
    ['centos7', ['systemctl start httpd', 'systemctl start ntpd']],
    ['amzn2', ['systemctl start httpd', 'systemctl start ntpd']],
    ['ubuntu2204', ['systemctl start httpd', 'systemctl start ntpd']],
    ['debian12', ['systemctl start httpd', 'systemctl start ntpd']],
    ['rhel64', ['service httpd start', 'service ntpd start']],
    ['centos64', ['service httpd start', 'service ntpd start']],
  ])('%s: start runs %j through sudo', async (distro, expected) => {
    sshd.withDistribution(distro);
    const r = await runCli(['remote:service:start', 'testhost', 'httpd', 'ntpd'], env);
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'task: remote:service:start testhost httpd ntpd\n' });
    expect(recorded(sshd)).toEqual(expected);
    expect(sudoed(sshd)).toEqual(expected);
  });

  it('EL6 turns boot-time actions into chkconfig, Fedora 19 into systemctl', async () => {
    sshd.withDistribution('rhel64');
    for (const action of ['enable', 'disable', 'restart', 'stop']) {
      expect((await runCli([`remote:service:${action}`, 'testhost', 'puppet'], env)).code).toBe(0);
    }
    expect(recorded(sshd)).toEqual(['chkconfig puppet on', 'chkconfig puppet off', 'service puppet restart', 'service puppet stop']);

    sshd.clearCalls();
    sshd.withDistribution('fedora19');
    env = sshd.env(testEnv()); // a new run: the probe runs again
    for (const action of ['enable', 'disable']) {
      expect((await runCli([`remote:service:${action}`, 'testhost', 'puppetagent'], env)).code).toBe(0);
    }
    expect(recorded(sshd)).toEqual(['systemctl enable puppetagent', 'systemctl disable puppetagent']);
  });

  it('fails with the command, exit code and stderr when the init system refuses', async () => {
    sshd.withDistribution('fedora19');
    sshd.standIn('systemctl', { exit: 5, stderr: 'Failed to start nosuch.service: Unit not found.\n' });
    const r = await runCli(['remote:service:start', 'testhost', 'nosuch'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: testhost: `sudo -n sh -c 'systemctl start nosuch'` exited 5: Failed to start nosuch.service: Unit not found.");
    expect(r.stdout).toBe('');
  });

  it('refuses hostile service names with exit 2 before connecting', async () => {
    const before = sshd.logins();
    for (const bad of ['httpd; rm -rf /', '$(reboot)', 'a\nb', '`id`', 'x y']) {
      const r = await runCli(['remote:service:start', 'testhost', bad], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: SERVICES .*: only letters, digits/s);
    }
    expect(sshd.logins()).toBe(before);
    expect(sshd.calls()).toEqual([]);
  });

  it('says so when sudo wants a password', async () => {
    sshd.withDistribution('fedora19');
    sshd.sudoMode('password');
    const r = await runCli(['remote:service:restart', 'testhost', 'httpd'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: sudo wants a password for \S+ \(give .* password-less sudo/);
    expect(recorded(sshd)).toEqual([]);
  });

  it('under --dry-run prints the sudo command and runs only the read-only probe', async () => {
    sshd.withDistribution('centos64');
    const r = await runCli(['remote:service:enable', 'testhost', 'puppet', '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("task: remote:service:enable testhost puppet\n  - would run on testhost: sudo -n sh -c 'chkconfig puppet on'\n");
    expect(sshd.calls()).toEqual([]);
  });
});

describe('remote:service:status', () => {
  const systemctl = 'case "$2" in httpd) echo active; exit 0 ;; *) echo inactive; exit 3 ;; esac';

  it('prints SERVICE active|inactive per service and exits 0 (systemd: is-active, no sudo)', async () => {
    sshd.withDistribution('ubuntu2204');
    sshd.standIn('systemctl', { script: systemctl });
    const r = await runCli(['remote:service:status', 'testhost', 'httpd', 'ntpd'], env);
    expect(r).toEqual({ code: 0, stdout: 'httpd active\nntpd inactive\n', stderr: 'task: remote:service:status testhost httpd ntpd\n' });
    expect(recorded(sshd)).toEqual(['systemctl is-active httpd', 'systemctl is-active ntpd']);
    expect(sudoed(sshd)).toEqual([]);
  });

  it('EL6: service STATUS through sudo (init scripts such as iptables need root); runs under --dry-run', async () => {
    sshd.withDistribution('rhel64');
    sshd.standIn('service', { script: '[ "$1" = puppet ] && exit 0; exit 3' });
    const r = await runCli(['remote:service:status', 'testhost', 'puppet', 'iptables', '--dry-run', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { service: 'puppet', active: true },
      { service: 'iptables', active: false },
    ]);
    expect(sudoed(sshd)).toEqual(['service puppet status', 'service iptables status']);
  });
});
