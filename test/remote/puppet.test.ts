// puppet:* against a real sshd. The `puppet` and `puppetserver` stand-ins answer from
// files this test writes in the instance directory (the version, the CA's certificate
// list, `config print`, a run's output and exit code), so a request that "arrives later"
// is a file written while the task is waiting. Every test asserts the exact commands the
// stand-ins recorded.
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/engine/template.js';
import { runCli, testEnv } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;
let bin: string;
let capture: string;

const SHA_SIGNED = '8F:0E:2C:71:9A:4B:66:D3:10:C2:7E:55:A1:B8:3F:E0:94:12:6D:7C:C0:5B:3A:29:E8:17:FD:40:6B:92:AE:13';
const SHA_PENDING = '5B:C3:11:9E:02:7D:A4:68:F1:3C:90:2E:BB:47:D6:05:8A:71:C9:3E:14:F2:60:AD:2B:98:E5:37:0C:D4:61:AF';

const file = (name: string) => join(sshd.dir, name);
const write = (name: string, text: string) => writeFileSync(file(name), text, { mode: 0o644 });

/** The CA as each generation prints it. */
const LIST = {
  3: {
    master: `+ "testhost.example.com" (SHA256) ${SHA_SIGNED} (alt names: "DNS:puppet", "DNS:testhost.example.com")\n`,
    pending: `  "broker.example.com"   (SHA256) ${SHA_PENDING}\n`,
    signed: `+ "broker.example.com"   (SHA256) ${SHA_PENDING}\n`,
  },
  7: {
    master: `Signed Certificates:\n    testhost.example.com    (SHA256)  ${SHA_SIGNED}\talt names: ["DNS:puppet", "DNS:testhost.example.com"]\n`,
    pending: `Requested Certificates:\n    broker.example.com      (SHA256)  ${SHA_PENDING}\n`,
    signed: `Signed Certificates:\n    broker.example.com      (SHA256)  ${SHA_PENDING}\n    testhost.example.com    (SHA256)  ${SHA_SIGNED}\n`,
  },
} as const;

/** Makes the host look like it runs this Puppet; the CA holds `certs`. */
function puppetHost(version: string, certs = ''): void {
  write('puppet.version', `${version}\n`);
  write('puppet.certs', certs);
}

beforeAll(async () => {
  sshd = await startSshd({ standIns: ['touch', 'mkdir', 'chmod', 'usermod'] });
  bin = join(sshd.dir, 'bin');
  capture = join(sshd.remoteHome, 'installed');
});
afterAll(async () => sshd?.stop());
beforeEach(() => {
  sshd.resetStandIns();
  for (const f of ['puppet.version', 'puppet.certs', 'puppet.config', 'puppet.run', 'puppet.run.exit', 'puppet.module.out', 'puppet.module.exit']) rmSync(file(f), { force: true });
  rmSync(capture, { recursive: true, force: true });
  mkdirSync(capture);
  const { uid, gid } = statSync(sshd.remoteHome);
  chownSync(capture, uid, gid);
  const d = sshd.dir;
  sshd.standIn('puppet', {
    script: `D='${d}'
case "$1" in
  --version) cat "$D/puppet.version" 2>/dev/null ;;
  cert) [ "$2" = list ] && cat "$D/puppet.certs" ;;
  config) [ "$2" = print ] && cat "$D/puppet.config" 2>/dev/null ;;
  agent|apply) cat "$D/puppet.run" 2>/dev/null; exit "$(cat "$D/puppet.run.exit" 2>/dev/null || echo 0)" ;;
  module) cat "$D/puppet.module.out" 2>/dev/null; exit "$(cat "$D/puppet.module.exit" 2>/dev/null || echo 0)" ;;
esac
exit 0
`,
  });
  sshd.standIn('puppetserver', { script: `[ "$1 $2" = "ca list" ] && cat '${d}/puppet.certs'\nexit 0\n` });
  // The login user cannot write /etc: root-owned uploads land in a capture directory, named by destination.
  sshd.standIn('install', {
    script: `for a; do src=$dst; dst=$a; done\ncp "$src" '${capture}'/"$(printf %s "$dst" | tr / _)"\n`,
  });
  env = sshd.env(testEnv());
});

/** The recorded calls of these stand-ins, as command lines. */
function ran(...names: string[]): string[] {
  return sshd
    .calls()
    .filter((c) => names.includes(c.name))
    .map((c) => [c.name, ...c.args].join(' '));
}

/** What sudo ran: the text after `sudo -n sh -c`. */
function sudoRan(): string[] {
  return sshd
    .calls()
    .filter((c) => c.name === 'sudo')
    .map((c) => c.args.slice(3).join(' '));
}

/** Success, showing stderr when it is not. */
function expectOk(r: { code: number; stderr: string }): void {
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
}

const captured = (dest: string) => readFileSync(join(capture, dest.replace(/\//g, '_')), 'utf8');

describe('puppet:cert:list', () => {
  it('Puppet 3.x: runs `puppet cert list --all` as root and prints state name fingerprint', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    const r = await runCli(['puppet:cert:list', 'testhost', '--all'], env);
    expect(r.stderr).toBe('task: puppet:cert:list testhost\n');
    expect(r.stdout).toBe(`+ testhost.example.com SHA256:${SHA_SIGNED}\n broker.example.com SHA256:${SHA_PENDING}\n`);
    expectOk(r);
    expect(ran('puppet', 'puppetserver')).toEqual(['puppet --version', 'puppet cert list --all']);
    expect(sudoRan()).toEqual([`${bin}/puppet cert list --all`]);
  });

  it('Puppet 7: runs `puppetserver ca list`, and --json gives objects', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    const r = await runCli(['puppet:cert:list', 'testhost', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: 'broker.example.com', state: 'pending', algorithm: 'SHA256', fingerprint: SHA_PENDING, altNames: [] },
      { name: 'testhost.example.com', state: 'signed', algorithm: 'SHA256', fingerprint: SHA_SIGNED, altNames: ['DNS:puppet', 'DNS:testhost.example.com'] },
    ]);
    expect(ran('puppet', 'puppetserver')).toEqual(['puppet --version', 'puppetserver ca list']);
  });

  it('with a certificate name lists --all and shows only that name', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    const r = await runCli(['puppet:cert:list', 'testhost', 'Broker.example.com'], env);
    expect(r.stdout).toBe(` broker.example.com SHA256:${SHA_PENDING}\n`);
    expect(ran('puppet')).toEqual(['puppet --version', 'puppet cert list --all']);
  });

  it('--puppet 8 overrides what the host has (and says so)', async () => {
    puppetHost('3.1.1', LIST[7].master);
    const r = await runCli(['puppet:cert:list', 'testhost', '--puppet', '8'], env);
    expect(r.stderr).toContain('testhost: the host has Puppet 3.1.1, but --puppet 8 was given; following --puppet');
    // The host's binaries belong to its Puppet 3, so the all-in-one location is used
    // (which this host does not have).
    expect(sudoRan()).toEqual(['/opt/puppetlabs/bin/puppetserver ca list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/opt/puppetlabs/bin/puppetserver: not found');
  });

  it('Puppet 7: a failing `puppetserver ca list` asks whether puppetserver runs', async () => {
    puppetHost('7.30.0');
    sshd.standIn('puppetserver', { stderr: 'Fatal error when running action\n  Error: Failed connecting to https://testhost:8140/puppet-ca/v1/certificate_statuses/any_key\n', exit: 1 });
    const r = await runCli(['puppet:cert:list', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Failed connecting to https://testhost:8140');
    expect(r.stderr).toContain('is puppetserver running on testhost?');
  });

  it('fails clearly on a host without Puppet', async () => {
    const r = await runCli(['puppet:cert:list', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('testhost: Puppet is not installed');
    expect(r.stderr).toContain('--puppet 2.7|3|7|8');
    expect(sudoRan()).toEqual([]);
  });
});

describe('puppet:cert:sign', () => {
  it('Puppet 3.x: lists, finds the pending request, signs exactly that name', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expect(r.stderr).toBe('task: puppet:cert:sign testhost broker.example.com\n');
    expectOk(r);
    expect(r.stdout).toBe('');
    expect(ran('puppet', 'puppetserver')).toEqual(['puppet --version', 'puppet cert list --all', 'puppet cert sign broker.example.com']);
  });

  it('Puppet 7: signs with puppetserver ca sign --certname', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({
      master: 'testhost',
      certname: 'broker.example.com',
      action: 'signed',
      fingerprint: SHA_PENDING,
      algorithm: 'SHA256',
    });
    expect(ran('puppet', 'puppetserver')).toEqual(['puppet --version', 'puppetserver ca list --all', 'puppetserver ca sign --certname broker.example.com']);
  });

  it('an already signed certificate is success with a note, and nothing is signed', async () => {
    puppetHost('7.30.0', LIST[7].signed);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expectOk(r);
    expect(r.stderr).toBe('task: puppet:cert:sign testhost broker.example.com\n  - broker.example.com is already signed on testhost\n');
    expect(ran('puppetserver')).toEqual(['puppetserver ca list --all']);
  });

  it('without --wait, a missing request is an error and nothing is signed', async () => {
    puppetHost('3.1.1', LIST[3].master);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('testhost: no certificate request from broker.example.com');
    expect(r.stderr).toContain('--wait');
    expect(ran('puppet').filter((c) => c.includes('sign'))).toEqual([]);
  });

  it('--wait polls until the request appears, then signs it', async () => {
    puppetHost('7.30.0', LIST[7].master);
    // 60 s at a time scale of 0.05 is 3 s of real time; the request arrives after 0.6 s.
    const slow = { ...env, ORIGIN_SETUP_TIME_SCALE: '0.05' };
    const arrives = setTimeout(() => write('puppet.certs', LIST[7].pending + LIST[7].master), 600);
    const started = Date.now();
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--wait', '--timeout', '60', '--verbose'], slow);
    clearTimeout(arrives);
    expectOk(r);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(r.stderr).toContain('waiting up to 60s for the certificate request of broker.example.com on testhost');
    const calls = ran('puppetserver');
    const lists = calls.filter((c) => c === 'puppetserver ca list --all');
    expect(lists.length).toBeGreaterThanOrEqual(3);
    // Every list before the last found nothing; the one sign comes after the last list.
    expect(calls).toEqual([...lists, 'puppetserver ca sign --certname broker.example.com']);
  });

  it('--wait times out naming the agent and the master, and never signs', async () => {
    puppetHost('3.1.1', LIST[3].master);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--wait', '--timeout', '5'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('timed out after 5s waiting for a certificate request from broker.example.com on testhost');
    expect(r.stderr).toContain('is the Puppet agent on broker.example.com running and pointed at testhost');
    const calls = ran('puppet');
    expect(calls.filter((c) => c === 'puppet cert list --all').length).toBeGreaterThanOrEqual(2);
    expect(calls.filter((c) => c.startsWith('puppet cert sign'))).toEqual([]);
  });

  it('refuses a revoked certificate at once, pointing at cert:clean', async () => {
    puppetHost('3.1.1', `- "broker.example.com" (SHA256) ${SHA_PENDING} (certificate revoked)\n`);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--wait'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the certificate of broker.example.com is revoked');
    expect(r.stderr).toContain('puppet:cert:clean testhost broker.example.com');
    expect(ran('puppet')).toEqual(['puppet --version', 'puppet cert list --all']);
  });

  it('refuses a hostile certificate name before connecting', async () => {
    const r = await runCli(['puppet:cert:sign', 'testhost', 'x;reboot'], env);
    expect(r.code).toBe(2);
    expect(sshd.calls()).toEqual([]);
  });
});

describe('puppet:cert:clean and revoke', () => {
  it('clean removes what is there, and is a no-op for an unknown name', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    expectOk(await runCli(['puppet:cert:clean', 'testhost', 'broker.example.com'], env));
    expect(ran('puppetserver')).toEqual(['puppetserver ca list --all', 'puppetserver ca clean --certname broker.example.com']);
    sshd.clearCalls();
    const r = await runCli(['puppet:cert:clean', 'testhost', 'gone.example.com'], env);
    expectOk(r);
    expect(r.stderr).toContain('testhost has no certificate or request for gone.example.com: nothing to clean');
    expect(ran('puppetserver')).toEqual(['puppetserver ca list --all']);
  });

  it('revoke revokes a signed certificate and refuses a mere request', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    expectOk(await runCli(['puppet:cert:revoke', 'testhost', 'testhost.example.com'], env));
    expect(ran('puppet')).toEqual(['puppet --version', 'puppet cert list --all', 'puppet cert revoke testhost.example.com']);
    sshd.clearCalls();
    const r = await runCli(['puppet:cert:revoke', 'testhost', 'broker.example.com'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('puppet:cert:clean testhost broker.example.com');
    expect(ran('puppet').filter((c) => c.includes('revoke'))).toEqual([]);
  });
});

describe('puppet:master:configure', () => {
  it('Puppet 3.x: puppet config set in [main], site defaults not swapped, both directories made', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:master:configure', 'testhost', '--server', 'puppet.example.com'], env);
    expectOk(r);
    expect(ran('puppet', 'augtool')).toEqual([
      'puppet --version',
      'puppet config set --section main server puppet.example.com',
      'puppet config set --section main modulepath /etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules',
      'puppet config set --section main manifestdir /var/lib/puppet/site/manifests',
      'puppet config set --section main manifest /var/lib/puppet/site/manifests/site.pp',
    ]);
    expect(ran('mkdir')).toEqual(['mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests']);
  });

  it('Puppet 7: basemodulepath and default_manifest in [server], $codedir kept literal', async () => {
    puppetHost('7.30.0');
    const r = await runCli(['puppet:master:configure', 'testhost', '--siteroot', '/srv/site'], env);
    expectOk(r);
    expect(ran('puppet')).toEqual([
      'puppet --version',
      'puppet config set --section server basemodulepath /srv/site/modules:$codedir/modules:/opt/puppetlabs/puppet/modules',
      'puppet config set --section server default_manifest /srv/site/manifests/site.pp',
    ]);
    expect(sudoRan()[0]).toBe(`${bin}/puppet config set --section server basemodulepath '/srv/site/modules:$codedir/modules:/opt/puppetlabs/puppet/modules'`);
  });

  it('Puppet 2.7: quoted augtool sets instead of puppet config set', async () => {
    puppetHost('2.7.23');
    const r = await runCli(['puppet:master:configure', 'testhost'], env);
    expectOk(r);
    // augtool's autosave flag, however the augeas service spells it.
    expect(ran('puppet', 'augtool').map((c) => c.replace(/^augtool --autosave /, 'augtool -s '))).toEqual([
      'puppet --version',
      'augtool -s set /files/etc/puppet/puppet.conf/main/modulepath "/etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifestdir "/var/lib/puppet/site/manifests"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifest "/var/lib/puppet/site/manifests/site.pp"',
    ]);
  });
});

describe('puppet:master site directory and group', () => {
  it('siteroot: mkdir, owner and group, g+ws, and a ~/site link, twice without harm', async () => {
    for (let i = 0; i < 2; i++) {
      sshd.clearCalls();
      const r = await runCli(['puppet:master:siteroot', 'testhost'], env);
      expectOk(r);
      expect(ran('mkdir', 'chown', 'chgrp', 'chmod')).toEqual([
        'mkdir -p /var/lib/puppet/site',
        `chown ${sshd.user}:puppet /var/lib/puppet/site`,
        'chmod g+ws /var/lib/puppet/site',
      ]);
      const link = join(sshd.remoteHome, 'site');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe('/var/lib/puppet/site');
    }
  });

  it('join_group appends the login user to group puppet', async () => {
    const r = await runCli(['puppet:master:join_group', 'testhost'], env);
    expectOk(r);
    expect(ran('usermod')).toEqual([`usermod -a -G puppet ${sshd.user}`]);
  });
});

describe('enable_logging', () => {
  it('master: uploads the rendered rule as root, touches the log, restarts rsyslog with systemctl', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora19');
    const r = await runCli(['puppet:master:enable_logging', 'testhost'], env);
    expectOk(r);
    expect(captured('/etc/rsyslog.d/puppet-master.conf')).toBe(renderTemplate('rsyslog-puppet-master.conf', { logfile: '/var/log/puppet-master.log' }));
    expect(captured('/etc/rsyslog.d/puppet-master.conf')).toContain(':programname, isequal, "puppet-master" /var/log/puppet-master.log\n');
    expect(ran('install', 'touch', 'systemctl').map((c) => c.replace(/\S*\.origin-setup-\w+\.tmp/, 'TMP'))).toEqual([
      'install -m 0644 -o root -g root TMP /etc/rsyslog.d/puppet-master.conf',
      'touch /var/log/puppet-master.log',
      'systemctl restart rsyslog',
    ]);
  });

  it('agent on Ubuntu: rule for the agent, no touch (rsyslog runs as syslog there)', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('ubuntu2204');
    const r = await runCli(['puppet:agent:enable_logging', 'testhost'], env);
    expectOk(r);
    expect(captured('/etc/rsyslog.d/puppet.conf')).toBe(renderTemplate('rsyslog-puppet-agent.conf', { logfile: '/var/log/puppet.log' }));
    expect(ran('touch', 'systemctl')).toEqual(['systemctl restart rsyslog']);
  });
});

describe('puppet:master:autosign', () => {
  it('writes secret and policy, sets autosign, prints only the secret file path, reuses it on a re-run', async () => {
    puppetHost('7.30.0');
    const r = await runCli(['puppet:master:autosign', 'testhost', '--verbose'], env);
    expectOk(r);
    const local = join(env.HOME!, '.origin-setup', 'autosign', 'testhost.secret');
    expect(r.stdout).toBe(`${local}\n`);
    expect(statSync(local).mode & 0o777).toBe(0o600);
    const secret = readFileSync(local, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(sshd.readCallLog()).not.toContain(secret);

    expect(captured('/etc/puppetlabs/puppet/autosign-secret')).toBe(`${secret}\n`);
    const policy = captured('/etc/puppetlabs/puppet/autosign-policy.sh');
    expect(policy).toBe(renderTemplate('autosign-policy.sh', { secretfile: '/etc/puppetlabs/puppet/autosign-secret' }));
    expect(ran('install', 'puppet').map((c) => c.replace(/\S*\.origin-setup-\w+\.tmp/, 'TMP'))).toEqual([
      'puppet --version',
      'install -m 0600 -o puppet -g puppet TMP /etc/puppetlabs/puppet/autosign-secret',
      'install -m 0755 -o root -g root TMP /etc/puppetlabs/puppet/autosign-policy.sh',
      'puppet config set --section server autosign /etc/puppetlabs/puppet/autosign-policy.sh',
    ]);

    const again = await runCli(['puppet:master:autosign', 'testhost'], env);
    expectOk(again);
    expect(readFileSync(local, 'utf8').trim()).toBe(secret);
    expect(captured('/etc/puppetlabs/puppet/autosign-secret')).toBe(`${secret}\n`);
  });

  it('the agent side puts the same secret into csr_attributes.yaml', async () => {
    puppetHost('3.8.7');
    const secretFile = join(mkdtempSync(join(tmpdir(), 'secret-')), 's');
    writeFileSync(secretFile, "it's-a-long-secret\n", { mode: 0o600 });
    const r = await runCli(['puppet:agent:csr_attributes', 'testhost', 'puppet.example.com', '--secret-file', secretFile], env);
    expectOk(r);
    expect(r.stdout).toBe('/etc/puppet/csr_attributes.yaml\n');
    expect(captured('/etc/puppet/csr_attributes.yaml')).toContain("  1.2.840.113549.1.9.7: 'it''s-a-long-secret'\n");
    expect(r.stderr).not.toContain('long-secret');
  });

  it('refuses Puppet 3 before 3.4, which has no policy autosigning', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:master:autosign', 'testhost', '--secret', 'a-secret-of-enough-length', '--verbose'], env);
    expect(r.code).toBe(1);
    // Even the verbose echo line, which shows option values, hides it.
    expect(r.stderr.split('\n')[0]).toBe('task: puppet:master:autosign testhost --secret ****');
    expect(r.stderr).toContain('Puppet 3.1.1 has no policy-based autosigning');
    expect(r.stderr).not.toContain('a-secret-of-enough-length');
    expect(readdirSync(capture)).toEqual([]);
  });
});

describe('storedconfigs and pluginsync', () => {
  it('storedconfigs sets the real setting names on 3.x and refuses Puppet 7', async () => {
    puppetHost('3.1.1');
    expectOk(await runCli(['puppet:master:storedconfigs', 'testhost'], env));
    expect(ran('puppet')).toEqual([
      'puppet --version',
      'puppet config set --section master storeconfigs true',
      'puppet config set --section master dbadapter sqlite3',
      'puppet config set --section master dblocation /var/lib/puppet/server_data/storeconfigs.sqlite',
    ]);
    sshd.clearCalls();
    puppetHost('7.30.0');
    const r = await runCli(['puppet:master:storedconfigs', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Puppet 7.30.0 has no ActiveRecord storeconfigs');
    expect(r.stderr).toContain('PuppetDB');
    expect(ran('puppet')).toEqual(['puppet --version']);
  });

  it('pluginsync sets main/pluginsync up to 5, and on 8 says it is always on', async () => {
    puppetHost('3.1.1');
    expectOk(await runCli(['puppet:agent:pluginsync', 'testhost', '--no-enabled'], env));
    expect(ran('puppet')).toEqual(['puppet --version', 'puppet config set --section main pluginsync false']);
    sshd.clearCalls();
    puppetHost('8.4.0');
    const r = await runCli(['puppet:agent:pluginsync', 'testhost'], env);
    expectOk(r);
    expect(r.stderr).toContain('Puppet 8.4.0 always syncs plugins');
    expect(ran('puppet')).toEqual(['puppet --version']);
  });
});

describe('puppet:agent', () => {
  it('set_server writes server and ca_server (split CA)', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:agent:set_server', 'testhost', 'puppet.example.com', '--ca-server', 'puppetca.example.com', '--section', 'agent'], env);
    expectOk(r);
    expect(ran('puppet')).toEqual([
      'puppet --version',
      'puppet config set --section agent server puppet.example.com',
      'puppet config set --section agent ca_server puppetca.example.com',
    ]);
  });

  it('onetime: exit 2 (changes applied) is success, 4 is a failure quoting the Error lines', async () => {
    puppetHost('7.30.0');
    write('puppet.run', 'Info: Applying configuration version 1\nNotice: /Stage[main]/Ntp/Service[ntpd]/ensure: changed stopped to running\n');
    write('puppet.run.exit', '2');
    const ok = await runCli(['puppet:agent:onetime', 'testhost', '--noop'], env);
    expectOk(ok);
    expect(ok.stdout).toBe('Info: Applying configuration version 1\nNotice: /Stage[main]/Ntp/Service[ntpd]/ensure: changed stopped to running\n');
    expect(ran('puppet')).toEqual(['puppet --version', 'puppet agent --onetime --no-daemonize --verbose --detailed-exitcodes --noop']);

    write('puppet.run', 'Info: Applying configuration version 2\nError: /Stage[main]/Ntp/Package[ntp]: Could not find package ntp\n');
    write('puppet.run.exit', '4');
    const bad = await runCli(['puppet:agent:onetime', 'testhost'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('testhost: puppet agent exited 4 (some resources failed): Error: /Stage[main]/Ntp/Package[ntp]: Could not find package ntp');
  });
});

describe('top level', () => {
  it('config KEY prints just the value; version prints the version', async () => {
    puppetHost('3.1.1');
    write('puppet.config', 'broker.example.com\n');
    const r = await runCli(['puppet:config', 'testhost', 'certname'], env);
    expect(r.stdout).toBe('broker.example.com\n');
    expect(ran('puppet')).toEqual(['puppet --version', 'puppet config print certname']);
    expect((await runCli(['puppet:version', 'testhost'], env)).stdout).toBe('3.1.1\n');
  });

  it('apply passes the manifest and --modulepath quoted, with detailed exit codes', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:apply', 'testhost', 'site/manifests/my site.pp', '--modulepath', 'site/modules'], env);
    expectOk(r);
    expect(sudoRan()).toEqual([`${bin}/puppet apply --verbose --detailed-exitcodes --modulepath site/modules 'site/manifests/my site.pp'`]);
  });

  it('repo: Fedora 40 installs the puppet8-release rpm through dnf', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora40');
    sshd.standIn('rpm', { exit: 1 });
    const r = await runCli(['puppet:repo', 'testhost'], env);
    expectOk(r);
    expect(r.stdout).toBe('https://yum.puppet.com/puppet8-release-fedora-40.noarch.rpm\n');
    expect(ran('rpm', 'dnf')).toEqual([
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n puppet8-release',
      'dnf -y install https://yum.puppet.com/puppet8-release-fedora-40.noarch.rpm',
    ]);
  });

  it('repo: Ubuntu 22.04 fetches puppet7-release-jammy.deb on the host and installs it with apt-get', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('ubuntu2204');
    sshd.standIn('dpkg-query', { exit: 1 });
    const r = await runCli(['puppet:repo', 'testhost', '--puppet', '7'], env);
    expectOk(r);
    expect(ran('wget', 'apt-get')).toEqual([
      'wget -q -O /var/cache/origin-setup/puppet7-release-jammy.deb https://apt.puppet.com/puppet7-release-jammy.deb',
      'apt-get -q update',
      'apt-get -y install /var/cache/origin-setup/puppet7-release-jammy.deb',
    ]);
  });

  it('repo: Fedora 19 with --puppet 3 uses the distribution packages; --puppet 8 is refused', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora19');
    const r = await runCli(['puppet:repo', 'testhost', '--puppet', '3'], env);
    expectOk(r);
    expect(r.stderr).toContain('fedora 19 ships Puppet 3 in its own repositories: no repository to add');
    const refused = await runCli(['puppet:repo', 'testhost'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Puppet 8 has no packages for fedora 19');
    expect(ran('yum', 'dnf', 'rpm')).toEqual([]);
  });
});

describe('puppet:module:install', () => {
  it('installs each module as root; an installed one is fine; --version with two modules is refused', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:module:install', 'testhost', 'puppetlabs-ntp', 'puppetlabs-stdlib'], env);
    expectOk(r);
    expect(r.stdout).toBe('puppetlabs-ntp installed\npuppetlabs-stdlib installed\n');
    expect(sudoRan()).toEqual([`${bin}/puppet module install puppetlabs-ntp`, `${bin}/puppet module install puppetlabs-stdlib`]);

    write('puppet.module.out', "Error: Could not install module 'puppetlabs-ntp' (latest)\n  Module 'puppetlabs-ntp' (v3.0.0) is already installed\n");
    write('puppet.module.exit', '1');
    const again = await runCli(['puppet:module:install', 'testhost', 'puppetlabs-ntp', '--version', '3.0.0'], env);
    expectOk(again);
    expect(again.stdout).toBe('puppetlabs-ntp already installed\n');

    const bad = await runCli(['puppet:module:install', 'testhost', 'ntp'], env);
    expect(bad.code).toBe(2);
    const two = await runCli(['puppet:module:install', 'testhost', 'a-b', 'c-d', '--version', '1.0.0'], env);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('--version applies to one module at a time');
  });
});
