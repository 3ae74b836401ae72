// remote:* top-level tasks against the real test sshd. The stand-ins record what each
// distribution was asked; system files (/etc/hosts, cloud.cfg, …) are pointed at files
// in the test login's home through systemPaths, since the stand-in sudo never becomes
// root. `cat` is a recording pass-through here, so the distribution probe can be counted.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname as localHostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Settings, type GlobalFlags } from '../../src/config/settings.js';
import { Output } from '../../src/engine/output.js';
import { findTask } from '../../src/tasks/index.js';
import { newRunner } from '../../src/compose.js';
import { defineTask, type AnyTask } from '../../src/engine/task.js';
import { systemPaths } from '../../src/platform/system.js';
import { runCli, testEnv } from '../support/cli.js';
import { startCli } from '../support/cli-watch.js';
import { DISTRIBUTIONS, startSshd, type Sshd } from '../support/sshd.js';
import { recorded, sudoed } from './recorded.js';
import { archTask, availableTask, distributionTask, hostnameTask, pidoneTask, timezoneTask } from '../../src/tasks/remote/top.js';
import { serviceStart, serviceStatusTask } from '../../src/tasks/remote/service.js';
import { firewallPort } from '../../src/tasks/remote/firewall.js';
import { plainFlags } from '../support/flags.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;
let sys: string;
let n = 0;
const original = { ...systemPaths };

beforeAll(async () => {
  sshd = await startSshd({ standIns: ['cat'] });
});
afterAll(async () => {
  Object.assign(systemPaths, original);
  await sshd?.stop();
});
beforeEach(() => {
  sshd.resetStandIns();
  sshd.standIn('cat', { script: 'exec /bin/cat "$@"' });
  env = sshd.env(testEnv());
  // A fresh directory of "system files" per test, writable by the login user.
  sys = join(sshd.remoteHome, `sys${++n}`);
  mkdirSync(sys);
  const owner = statSync(sshd.remoteHome);
  chownSync(sys, owner.uid, owner.gid);
  for (const key of Object.keys(systemPaths) as (keyof typeof systemPaths)[]) {
    if (key !== 'zoneinfo') systemPaths[key] = join(sys, key);
  }
});

/** Creates one of the system files with this content, writable by the login user. */
function sysFile(key: keyof typeof systemPaths, content: string): string {
  const p = systemPaths[key];
  writeFileSync(p, content);
  chmodSync(p, 0o666); // the umask would narrow writeFileSync's mode
  return p;
}

const probes = () => sshd.calls().filter((c) => c.name === 'cat' && c.args.includes('/etc/os-release')).length;
/** Recorded calls other than sudo and the probe's cat. */
const commands = () => recorded(sshd, ['cat']);

/** Runs a test-only task that invokes real ones, in one run (one Runner, one SSH pool). */
async function runComposed(task: AnyTask, words: string[], runEnv: NodeJS.ProcessEnv): Promise<{ result: unknown; stderr: string }> {
  const flags: GlobalFlags = plainFlags();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => (err += d));
  const settings = new Settings(flags, runEnv, runEnv.HOME!, runEnv.HOME!);
  const out = new Output(new PassThrough(), stderr, { verbose: false, quiet: false, debug: false, json: false, color: false });
  const runner = newRunner((name) => (name === task.name ? task : findTask(name)), settings, out);
  try {
    return { result: await runner.run(task, words, {}), stderr: err };
  } finally {
    await runner.close();
  }
}

describe('remote:distribution', () => {
  const expected: Record<string, string> = {
    fedora19: 'fedora 19',
    fedora40: 'fedora 40',
    rhel64: 'rhel 6.4',
    centos64: 'centos 6.4',
    centos7: 'centos 7',
    rhel9: 'rhel 9.4',
    amzn2: 'amzn 2',
    ubuntu2204: 'ubuntu 22.04',
    debian12: 'debian 12',
    debian13: 'debian 13',
    fedora42: 'fedora 42',
    ubuntu2404: 'ubuntu 24.04',
  };
  it('covers every distribution the harness knows', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(DISTRIBUTIONS).sort());
  });
  it.each(Object.entries(expected))('%s prints %s', async (key, label) => {
    sshd.withDistribution(key);
    const r = await runCli(['remote:distribution', 'testhost'], env);
    expect(r).toEqual({ code: 0, stdout: `${label}\n`, stderr: 'task: remote:distribution testhost\n' });
    expect(probes()).toBe(1);
  });

  it('is read-only, so it runs under --dry-run; --json gives the parsed fields', async () => {
    sshd.withDistribution('centos64');
    const r = await runCli(['remote:distribution', 'testhost', '--dry-run', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'centos', version: '6.4', like: ['rhel', 'fedora'], major: 6 });
  });

  it('fails with exit 1 and a hint when the host has neither release file', async () => {
    sshd.withOsRelease(null, null);
    const r = await runCli(['remote:distribution', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: testhost: cannot tell the distribution \(neither \/etc\/os-release nor \/etc\/redhat-release is readable/m);
  });
});

describe('the platform probe runs once per host per run', () => {
  const composite = defineTask({
    name: 'test:composite',
    summary: 'invokes several platform-aware tasks on one host',
    args: [{ name: 'host', description: 'host' }],
    options: {},
    async run(ctx, { host }) {
      await ctx.invoke(distributionTask, [host]);
      await ctx.invoke(serviceStart, [host, 'httpd']);
      await ctx.invoke(firewallPort, [host, '8140']);
      await ctx.invoke(serviceStatusTask, [host, 'httpd']);
      await ctx.invoke(timezoneTask, [host, 'UTC']);
      return ctx.invoke(hostnameTask, [host, 'broker.example.com']);
    },
  });

  it('one cat /etc/os-release and one login for six tasks in one composed run', async () => {
    sshd.withDistribution('fedora19');
    const logins = sshd.logins();
    const { result, stderr: err } = await runComposed(composite, ['testhost'], env);
    expect(result).toBe('broker.example.com');
    expect(probes()).toBe(1);
    expect(sshd.logins() - logins).toBe(1);
    expect(err).toBe(
      [
        'task: test:composite testhost',
        '  task: remote:distribution testhost',
        '  task: remote:service:start testhost httpd',
        '  task: remote:firewall:port testhost 8140',
        '  task: remote:service:status testhost httpd',
        '  task: remote:timezone testhost UTC',
        '  task: remote:hostname testhost broker.example.com',
        '',
      ].join('\n'),
    );
    expect(commands()).toEqual([
      'systemctl start httpd',
      'systemctl is-active firewalld',
      'firewall-cmd --add-port 8140/tcp',
      'firewall-cmd --permanent --add-port 8140/tcp',
      'systemctl is-active httpd',
      'timedatectl set-timezone UTC',
      'hostnamectl set-hostname broker.example.com',
    ]);
  });
});

describe('remote:arch and remote:pidone', () => {
  it('print uname -m and the name of process 1', async () => {
    const arch = await runCli(['remote:arch', 'testhost'], env);
    expect(arch).toEqual({ code: 0, stdout: `${execFileSync('uname', ['-m'], { encoding: 'utf8' })}`, stderr: 'task: remote:arch testhost\n' });
    const pid1 = await runCli(['remote:pidone', 'testhost'], env);
    expect(pid1.code).toBe(0);
    expect(pid1.stdout).toBe(`${execFileSync('ps', ['-o', 'comm=', '-p', '1'], { encoding: 'utf8' }).trim()}\n`);
    expect(commands()).toEqual(['ps -o comm= -p 1']);
    expect(sshd.calls().some((c) => c.name === 'sudo')).toBe(false);
  });
});

describe('remote:timezone', () => {
  it('reads the zone from the /etc/localtime link', async () => {
    execFileSync('ln', ['-s', '/usr/share/zoneinfo/Europe/Paris', systemPaths.localtime]);
    const r = await runCli(['remote:timezone', 'testhost'], env);
    expect(r).toEqual({ code: 0, stdout: 'Europe/Paris\n', stderr: 'task: remote:timezone testhost\n' });
  });

  it('reads ZONE= from /etc/sysconfig/clock when /etc/localtime is a copy (EL6)', async () => {
    sysFile('localtime', 'TZif2...');
    sysFile('sysconfigClock', 'ZONE="America/New_York"\nUTC=True\n');
    expect((await runCli(['remote:timezone', 'testhost'], env)).stdout).toBe('America/New_York\n');
  });

  it.each([
    ['fedora19', ['timedatectl set-timezone America/New_York']],
    ['ubuntu2204', ['timedatectl set-timezone America/New_York']],
    ['amzn2', ['timedatectl set-timezone America/New_York']],
  ])('%s: sets it with timedatectl', async (distro, expected) => {
    sshd.withDistribution(distro);
    const r = await runCli(['remote:timezone', 'testhost', 'America/New_York'], env);
    expect(r).toEqual({ code: 0, stdout: 'America/New_York\n', stderr: 'task: remote:timezone testhost America/New_York\n' });
    expect(commands()).toEqual(expected);
    expect(sudoed(sshd)).toEqual(expected);
  });

  it('EL6: links /etc/localtime and writes ZONE= in /etc/sysconfig/clock', async () => {
    sshd.withDistribution('rhel64');
    sysFile('localtime', 'old copy');
    sysFile('sysconfigClock', 'ZONE="UTC"\nUTC=True\n');
    const r = await runCli(['remote:timezone', 'testhost', 'Europe/Paris'], env);
    expect(r.code).toBe(0);
    expect(readlinkSync(systemPaths.localtime)).toBe('/usr/share/zoneinfo/Europe/Paris');
    expect(readFileSync(systemPaths.sysconfigClock, 'utf8')).toBe('ZONE="Europe/Paris"\nUTC=True\n');
    expect(commands()).toEqual([]);
    expect(sudoed(sshd)).toEqual([
      `ln -sf /usr/share/zoneinfo/Europe/Paris ${systemPaths.localtime}`,
      `cat -- ${systemPaths.sysconfigClock}`,
      `sh -c 'cat > "$1"' sh ${systemPaths.sysconfigClock}`,
    ]);
  });

  it('an unknown zone fails with exit 1 before changing anything; a malformed one exits 2 before connecting', async () => {
    sshd.withDistribution('fedora19');
    const r = await runCli(['remote:timezone', 'testhost', 'Mars/Olympus_Mons'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: no time zone Mars\/Olympus_Mons \(\/usr\/share\/zoneinfo\/Mars\/Olympus_Mons does not exist\)/);
    expect(commands()).toEqual([]);
    const logins = sshd.logins();
    for (const bad of ['UTC; reboot', '../../etc/passwd', '$(id)']) {
      expect((await runCli(['remote:timezone', 'testhost', bad], env)).code).toBe(2);
    }
    expect(sshd.logins()).toBe(logins);
  });
});

describe('remote:hostname', () => {
  it('prints the host name; remote:get_hostname is the same task', async () => {
    const r = await runCli(['remote:hostname', 'testhost'], env);
    expect(r).toEqual({ code: 0, stdout: `${localHostname()}\n`, stderr: 'task: remote:hostname testhost\n' });
    const alias = await runCli(['remote:get_hostname', 'testhost'], env);
    expect(alias.stdout).toBe(`${localHostname()}\n`);
    expect(sshd.calls().filter((c) => c.name === 'hostname')).toEqual([
      { name: 'hostname', args: [] },
      { name: 'hostname', args: [] },
    ]);
  });

  it.each([
    ['fedora19', ['hostnamectl set-hostname broker.example.com']],
    ['fedora40', ['hostnamectl set-hostname broker.example.com']],
    ['centos7', ['hostnamectl set-hostname broker.example.com']],
    ['amzn2', ['hostnamectl set-hostname broker.example.com']],
    ['ubuntu2204', ['hostnamectl set-hostname broker.example.com']],
  ])('%s: sets it persistently with hostnamectl and touches no EL6 file', async (distro, expected) => {
    sshd.withDistribution(distro);
    const network = sysFile('sysconfigNetwork', 'NETWORKING=yes\nHOSTNAME=old\n');
    const r = await runCli(['remote:hostname', 'testhost', 'broker.example.com'], env);
    expect(r).toEqual({ code: 0, stdout: 'broker.example.com\n', stderr: 'task: remote:hostname testhost broker.example.com\n' });
    expect(commands()).toEqual(expected);
    expect(sudoed(sshd)).toEqual(expected);
    expect(readFileSync(network, 'utf8')).toBe('NETWORKING=yes\nHOSTNAME=old\n');
  });

  it('EL6: hostname NAME now, HOSTNAME= in /etc/sysconfig/network for the next boot', async () => {
    sshd.withDistribution('centos64');
    const network = sysFile('sysconfigNetwork', 'NETWORKING=yes\nHOSTNAME=localhost.localdomain\nGATEWAY=10.0.0.1\n');
    const r = await runCli(['remote:hostname', 'testhost', 'broker.example.com'], env);
    expect(r.code).toBe(0);
    expect(commands()).toEqual(['hostname broker.example.com']);
    expect(readFileSync(network, 'utf8')).toBe('NETWORKING=yes\nHOSTNAME=broker.example.com\nGATEWAY=10.0.0.1\n');
  });

  it('--ipaddr keeps exactly one line for the name in /etc/hosts, without regex accidents, and a re-run writes nothing', async () => {
    sshd.withDistribution('fedora19');
    const hosts = sysFile(
      'hosts',
      ['127.0.0.1 localhost localhost.localdomain', '10.0.0.9 broker.example.com broker', '10.0.0.8 brokerXexample.com', '10.0.0.7 db.example.com', ''].join(
        '\n',
      ),
    );
    const want = [
      '127.0.0.1 localhost localhost.localdomain',
      '10.0.0.8 brokerXexample.com',
      '10.0.0.7 db.example.com',
      '10.0.0.5 broker.example.com broker',
      '',
    ].join('\n');
    const r = await runCli(['remote:hostname', 'testhost', 'broker.example.com', '--ipaddr', '10.0.0.5'], env);
    expect(r.code).toBe(0);
    expect(readFileSync(hosts, 'utf8')).toBe(want);
    const written = statSync(hosts).ino;

    sshd.clearCalls();
    const again = await runCli(['remote:hostname', 'testhost', 'broker.example.com', '--ipaddr', '10.0.0.5', '--verbose'], env);
    expect(again.code).toBe(0);
    expect(readFileSync(hosts, 'utf8')).toBe(want);
    expect(statSync(hosts).ino).toBe(written); // edited in place, never replaced
    expect(again.stderr).toContain(`${hosts}: already right`);
    expect(sudoed(sshd)).toEqual(['hostnamectl set-hostname broker.example.com', `cat -- ${hosts}`]);
  });

  it('remote:set_hostname keeps the original argument order: NAME, then the host to reach', async () => {
    sshd.withDistribution('fedora19');
    const r = await runCli(['remote:set_hostname', 'broker.example.com', 'testhost'], env);
    expect(r).toEqual({ code: 0, stdout: 'broker.example.com\n', stderr: 'task: remote:set_hostname broker.example.com testhost\n' });
    expect(commands()).toEqual(['hostnamectl set-hostname broker.example.com']);
  });

  it('refuses hostile names and addresses with exit 2 before connecting', async () => {
    const logins = sshd.logins();
    for (const argv of [
      ['testhost', 'broker;reboot'],
      ['testhost', '$(reboot)'],
      ['testhost', 'a\nb'],
      ['testhost', 'ok.example.com', '--ipaddr', '10.0.0.5; reboot'],
      ['testhost', '--ipaddr', '10.0.0.5'],
      ['test;host'],
    ]) {
      const r = await runCli(['remote:hostname', ...argv], env);
      expect(r.code, argv.join(' ')).toBe(2);
    }
    expect(sshd.logins()).toBe(logins);
    expect(sshd.calls()).toEqual([]);
  });

  it('under --dry-run prints the change and makes none', async () => {
    sshd.withDistribution('fedora19');
    const r = await runCli(['remote:hostname', 'testhost', 'broker.example.com', '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "task: remote:hostname testhost broker.example.com\n  - would run on testhost: sudo -n sh -c 'hostnamectl set-hostname broker.example.com'\n",
    );
    expect(commands()).toEqual([]);
  });
});

describe('remote:preserve_hostname', () => {
  it('ensures exactly one preserve_hostname: true, idempotently', async () => {
    const cfg = sysFile('cloudCfg', 'users:\n - default\npreserve_hostname: false\ndisable_root: 1\n');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['remote:preserve_hostname', 'testhost'], env);
      expect(r).toEqual({ code: 0, stdout: '', stderr: 'task: remote:preserve_hostname testhost\n' });
    }
    expect(readFileSync(cfg, 'utf8')).toBe('users:\n - default\ndisable_root: 1\npreserve_hostname: true\n');
    // Written once: the second run only read the file.
    expect(sudoed(sshd).filter((c) => c.startsWith('sh -c'))).toEqual([`sh -c 'cat > "$1"' sh ${cfg}`]);
  });

  it('with NAME invokes remote:hostname first', async () => {
    sshd.withDistribution('ubuntu2204');
    sysFile('cloudCfg', 'users:\n');
    const r = await runCli(['remote:preserve_hostname', 'testhost', 'broker.example.com'], env);
    expect(r).toEqual({
      code: 0,
      stdout: '',
      stderr: 'task: remote:preserve_hostname testhost broker.example.com\n  task: remote:hostname testhost broker.example.com\n',
    });
    expect(commands()).toEqual(['hostnamectl set-hostname broker.example.com']);
  });

  it('says why when cloud-init is not installed (exit 1: a workflow may treat it as nothing to keep)', async () => {
    const r = await runCli(['remote:preserve_hostname', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: testhost: ${systemPaths.cloudCfg} does not exist (cloud-init is not installed there, so nothing resets the host name)`);
    expect(sudoed(sshd)).toEqual([`cat -- ${systemPaths.cloudCfg}`]);
  });
});

describe('remote:ipaddress', () => {
  const out = [
    '2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global dynamic eth0\\       valid_lft 3500sec preferred_lft 3500sec',
    '2: eth0    inet 10.0.0.6/32 scope global secondary eth0\\       valid_lft forever preferred_lft forever',
    '',
  ].join('\n');

  it('prints each IPv4 address of the interface, with --cidrmask the prefix length too', async () => {
    sshd.standIn('ip', { stdout: out });
    expect((await runCli(['remote:ipaddress', 'testhost', 'eth0'], env)).stdout).toBe('10.0.0.5\n10.0.0.6\n');
    expect((await runCli(['remote:ipaddress', 'testhost', 'eth0', '--cidrmask'], env)).stdout).toBe('10.0.0.5/24\n10.0.0.6/32\n');
    // `ip` through PATH, so EL6's /sbin/ip works as well as Fedora's /usr/sbin/ip.
    expect(commands()).toEqual(['ip -4 -o addr show dev eth0', 'ip -4 -o addr show dev eth0']);
  });

  it("a missing interface is exit 1 with ip's reason; a hostile one exit 2", async () => {
    sshd.standIn('ip', { stderr: 'Device "eth9" does not exist.\n', exit: 1 });
    const r = await runCli(['remote:ipaddress', 'testhost', 'eth9'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: no interface eth9 \(Device "eth9" does not exist.\)/);
    expect((await runCli(['remote:ipaddress', 'testhost', 'eth0;reboot'], env)).code).toBe(2);
  });
});

describe('remote:sed', () => {
  const script = 's/NAME/$HOME `touch pwned` $(touch pwned2) "q" \\1/';

  it('passes the script literally: $, backticks, quotes and backslashes reach sed unexpanded', async () => {
    const file = join(sshd.remoteHome, `sed${n}.txt`);
    writeFileSync(file, 'hello NAME\n', { mode: 0o666 });
    const r = await runCli(['remote:sed', 'testhost', 's/NAME/$HOME `id` "q" \\\\/', file], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello $HOME `id` "q" \\\n');
  });

  it('--inplace edits the file, --destfile writes elsewhere, and nothing in the script runs', async () => {
    const file = join(sshd.remoteHome, `sedi${n}.txt`);
    const dest = join(sshd.remoteHome, `sedd${n}.txt`);
    writeFileSync(file, 'x NAME\n', { mode: 0o666 });
    const literal = 's/NAME/[&]/';
    expect((await runCli(['remote:sed', 'testhost', literal, file, '--destfile', dest], env)).code).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('x [NAME]\n');
    expect((await runCli(['remote:sed', 'testhost', literal, file, '--inplace'], env)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('x [NAME]\n');
    // A script that is not valid sed fails in sed, but never runs its text as shell.
    const r = await runCli(['remote:sed', 'testhost', script, file], env);
    expect(r.code).toBe(1);
    expect(() => statSync(join(sshd.remoteHome, 'pwned'))).toThrow();
    expect(() => statSync(join(sshd.remoteHome, 'pwned2'))).toThrow();
  });

  it('--sudo runs sed through sudo with the script as one word; --inplace with --destfile is a usage error', async () => {
    const file = join(sshd.remoteHome, `seds${n}.txt`);
    writeFileSync(file, 'a\n', { mode: 0o666 });
    expect((await runCli(['remote:sed', 'testhost', "s/a/'b'/", file, '--sudo', '--inplace'], env)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe("'b'\n");
    expect(sudoed(sshd)).toEqual([`sed -i -e 's/a/'\\''b'\\''/' -- ${file}`]);
    expect((await runCli(['remote:sed', 'testhost', 'p', file, '--inplace', '--destfile', '/tmp/x'], env)).code).toBe(2);
  });
});

describe('remote:pullurl', () => {
  it('downloads with curl, URL and path as literal words', async () => {
    const url = 'https://example.org/a?b=c&d=$(touch${IFS}pwned)';
    const r = await runCli(['remote:pullurl', 'testhost', url, '--filepath', '/tmp/f x.tgz'], env);
    expect(r).toEqual({ code: 0, stdout: '', stderr: `task: remote:pullurl testhost ${url}\n` });
    expect(sshd.calls().filter((c) => c.name === 'curl')).toEqual([{ name: 'curl', args: ['-fsSL', '-o', '/tmp/f x.tgz', '--', url] }]);
    expect(() => statSync(join(sshd.remoteHome, 'pwned'))).toThrow();
  });

  it('without --filepath keeps the URL file name; refuses other schemes and blanks with exit 2', async () => {
    expect((await runCli(['remote:pullurl', 'testhost', 'http://example.org/f.rpm'], env)).code).toBe(0);
    expect(commands()).toEqual(['curl -fsSLO -- http://example.org/f.rpm']);
    for (const bad of ['file:///etc/shadow', '-o/etc/passwd', 'http://x/ y', 'http://x/\nreboot']) {
      expect((await runCli(['remote:pullurl', 'testhost', bad], env)).code, bad).toBe(2);
    }
  });

  it('really downloads when the tool is real (curl from a local HTTP server)', async () => {
    sshd.standIn('curl', { script: 'exec /usr/bin/curl "$@"' });
    const server = createServer((_req, res) => res.end('payload\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const dest = join(sshd.remoteHome, `pulled${n}`);
    try {
      const r = await runCli(['remote:pullurl', 'testhost', `http://127.0.0.1:${port}/x`, '--filepath', dest], env);
      expect(r.code).toBe(0);
      expect(readFileSync(dest, 'utf8')).toBe('payload\n');
    } finally {
      server.close();
    }
  });
});

describe('remote:selinux (valid modes only)', () => {
  it('writes SELINUX=MODE and applies it with setenforce', async () => {
    sshd.standIn('getenforce', { stdout: 'Enforcing\n' });
    const cfg = sysFile('selinuxConfig', '# comment SELINUX=x\nSELINUX=enforcing\nSELINUXTYPE=targeted\n');
    const r = await runCli(['remote:selinux', 'testhost', 'permissive'], env);
    expect(r).toEqual({ code: 0, stdout: 'Permissive\n', stderr: 'task: remote:selinux testhost permissive\n' });
    expect(readFileSync(cfg, 'utf8')).toBe('# comment SELINUX=x\nSELINUX=permissive\nSELINUXTYPE=targeted\n');
    expect(commands()).toEqual(['getenforce', 'setenforce 0']);
    expect(sudoed(sshd)).toContain('setenforce 0');
  });

  it('disabled (or enabling a disabled SELinux) only edits the file and warns that it takes a reboot', async () => {
    sshd.standIn('getenforce', { stdout: 'Enforcing\n' });
    const cfg = sysFile('selinuxConfig', 'SELINUX=enforcing\n');
    const r = await runCli(['remote:selinux', 'testhost', 'disabled'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: testhost: SELinux is disabled from the next boot; it is Enforcing until then');
    expect(readFileSync(cfg, 'utf8')).toBe('SELINUX=disabled\n');
    expect(commands()).toEqual(['getenforce']);

    sshd.clearCalls();
    sshd.standIn('getenforce', { stdout: 'Disabled\n' });
    const on = await runCli(['remote:selinux', 'testhost', 'enforcing'], env);
    expect(on.code).toBe(0);
    expect(on.stderr).toContain('SELinux is enabled from the next boot');
    expect(commands()).toEqual(['getenforce']);
  });

  it('refuses the original\'s invalid "enabled" and anything else with exit 2', async () => {
    for (const bad of ['enabled', 'Enforcing', '1', 'permissive;reboot']) {
      const r = await runCli(['remote:selinux', 'testhost', bad], env);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/must be enforcing, permissive or disabled/);
    }
    expect(sshd.calls()).toEqual([]);
  });

  it('fails clearly on a host without SELinux', async () => {
    sshd.standIn('getenforce', { exit: 127, stderr: 'sh: getenforce: not found\n' });
    const r = await runCli(['remote:selinux', 'testhost', 'permissive'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: SELinux is not available \(getenforce exited 127\)/);
  });
});

describe('sudo wrapping', () => {
  it('privileged commands go through sudo -n sh -c for a non-root login; probes do not', async () => {
    sshd.withDistribution('fedora19');
    await runCli(['remote:hostname', 'testhost', 'a.example.com'], env);
    await runCli(['remote:arch', 'testhost'], env);
    expect(
      sshd
        .calls()
        .filter((c) => c.name === 'sudo')
        .map((c) => c.args),
    ).toEqual([['-n', 'sh', '-c', 'hostnamectl set-hostname a.example.com']]);
    expect(lstatSync(sshd.remoteHome).isDirectory()).toBe(true);
  });
});

describe('remote:available and remote:reboot (an sshd that comes and goes)', () => {
  let late: Sshd;
  let lateEnv: NodeJS.ProcessEnv;
  // start() on a running sshd would launch a second one on the same port: track it.
  let up = false;
  const stopLate = async () => {
    await late.stop();
    up = false;
  };
  const startLate = async () => {
    await late.start();
    up = true;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    late = await startSshd({ hosts: ['latehost'] });
    up = true;
  });
  afterAll(async () => late?.stop());
  beforeEach(async () => {
    if (!up) await startLate();
    late.resetStandIns();
    lateEnv = late.env(testEnv());
  });

  it('one quick try: true when the host answers', async () => {
    const r = await runCli(['remote:available', 'latehost'], lateEnv);
    expect(r).toEqual({ code: 0, stdout: 'true\n', stderr: 'task: remote:available latehost\n' });
  });

  it('--greeting: true when sshd answers a new connection, with no login; the reason when nothing listens', async () => {
    const before = late.logins();
    const r = await runCli(['remote:available', 'latehost', '--greeting', '--verbose'], lateEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('true\n');
    expect(r.stderr).toMatch(/^ {2}- latehost: sshd answers a new connection: SSH-2\.0-OpenSSH_\S+/m);
    expect(late.logins() - before).toBe(0);
    await stopLate();
    const down = await runCli(['remote:available', 'latehost', '--greeting'], lateEnv);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`error: latehost not reachable: latehost (127.0.0.1:${late.port}) refused the connection on port ${late.port}`);
    const both = await runCli(['remote:available', 'latehost', '--greeting', '--wait'], lateEnv);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--greeting checks once: it does not take --wait');
  });

  it('one quick try: exit 1 with the reason when nothing listens', async () => {
    await stopLate();
    const started = Date.now();
    const r = await runCli(['remote:available', 'latehost'], lateEnv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^error: latehost not reachable: latehost \\(127\\.0\\.0\\.1:${late.port}\\) refused the connection on port ${late.port}`, 'm'),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('--wait polls with backoff until an sshd that starts late answers', async () => {
    await stopLate();
    const logins = late.logins();
    const cli = startCli(['remote:available', 'latehost', '--wait', '--timeout', '20000', '--verbose'], lateEnv);
    // sshd starts once the CLI has said its second try was refused too (a fixed sleep
    // raced it: on a loaded machine the CLI might not have tried twice yet).
    await cli.stderrMatches(/- try 2: .*refused/);
    await startLate();
    const r = await cli.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('true\n');
    expect(r.stderr).toMatch(/- try 1: latehost \(127\.0\.0\.1:\d+\) refused the connection/);
    expect(r.stderr).toMatch(/- try [2-9]\d*: .*refused/);
    expect(late.logins() - logins).toBe(1);
  });

  it('--wait gives up at --timeout against an sshd that never starts, naming the last failure', async () => {
    await stopLate();
    const started = Date.now();
    // 500 s at the tests' time scale of 0.001 is half a second.
    const r = await runCli(['remote:available', 'latehost', '--wait', '--timeout', '500'], lateEnv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: timed out after 500s waiting for latehost to take an SSH login; last try: latehost \(127\.0\.0\.1:\d+\) refused the connection/m,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('--wait retries a refused key for a grace period, then fails naming it (the key may not be installed yet)', async () => {
    const stranger = late.newKey('stranger');
    const env2 = late.env(testEnv(), { identityFile: stranger });
    const started = Date.now();
    // The 60 s grace is 60 ms at the tests' time scale; the --timeout is far longer.
    const r = await runCli(['remote:available', 'latehost', '--wait', '--timeout', '60000', '--verbose'], env2);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: authentication failed for \S+@latehost/m);
    expect(r.stderr).toMatch(/- try 1: authentication failed/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('--wait gets in once the key is authorized, as when cloud-init writes it after sshd starts', async () => {
    const late_key = late.newKey('cloudinit');
    const env2 = late.env(testEnv(), { identityFile: late_key });
    const cli = startCli(['remote:available', 'latehost', '--wait', '--timeout', '60000', '--verbose'], env2);
    // The key goes in once the CLI reports its first refusal: in the same turn of the event
    // loop, so before its next try (2 ms later at the tests' time scale) and well inside
    // the grace period. A timer here raced the CLI: authorized before the first try, or
    // after the grace had run out, on a loaded machine.
    await cli.stderrMatches(/- try 1: authentication failed/);
    late.authorize(late_key);
    const r = await cli.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('true\n');
    expect(r.stderr).toMatch(/- try 1: authentication failed/);
  });

  it('every try is a fresh login of its own, leaving the pooled connection to the other tasks', async () => {
    const probeTwice = defineTask({
      name: 'test:arch-available-arch',
      summary: 'a pooled command, a reachability probe, a pooled command',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(ctx, { host }) {
        const a = await ctx.invoke(archTask, [host]);
        await ctx.invoke(availableTask, [host]);
        return [a, await ctx.invoke(pidoneTask, [host])];
      },
    });
    const logins = late.logins();
    const { result } = await runComposed(probeTwice, ['latehost'], lateEnv);
    expect((result as string[])[0]).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(late.logins() - logins).toBe(2);
  });

  it('refuses a bad --timeout and a hostile host with exit 2', async () => {
    expect((await runCli(['remote:available', 'latehost', '--wait', '--timeout', '0'], lateEnv)).code).toBe(2);
    expect((await runCli(['remote:available', 'late;host'], lateEnv)).code).toBe(2);
  });

  /** Waits until the reboot stand-in has been called (it runs a second after the command returns). */
  async function rebootCalled(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!late.calls().some((c) => c.name === 'reboot')) {
      if (Date.now() > deadline) throw new Error('reboot was never called');
      await sleep(50);
    }
  }

  it('reboot runs reboot through sudo, in the background so the command returns first', async () => {
    const r = await runCli(['remote:reboot', 'latehost'], lateEnv);
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'task: remote:reboot latehost\n' });
    await rebootCalled();
    expect(recorded(late)).toEqual(['reboot']);
    expect(sudoed(late)).toEqual(['(sleep 1; reboot) >/dev/null 2>&1 </dev/null &']);
  });

  it('reboot --wait returns once the host went down and answers again', async () => {
    const cli = startCli(['remote:reboot', 'latehost', '--wait', '--timeout', '30000', '--verbose'], lateEnv);
    await rebootCalled();
    await stopLate();
    // Up again once the CLI has seen it down (a fixed pause raced its tries): a failed try,
    // refused, or reset when it caught sshd going away (then it may be back already).
    await cli.stderrMatches(/- try \d+: /);
    await startLate();
    const r = await cli.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => !/^\s+- /.test(l))).toEqual(['task: remote:reboot latehost --wait --timeout 30000', '']);
  });

  it('reboot --dry-run prints the command and does not wait', async () => {
    const r = await runCli(['remote:reboot', 'latehost', '--wait', '--dry-run'], lateEnv);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("task: remote:reboot latehost\n  - would run on latehost: sudo -n sh -c '(sleep 1; reboot) >/dev/null 2>&1 </dev/null &'\n");
    await sleep(1500);
    expect(late.calls()).toEqual([]);
  });
});
