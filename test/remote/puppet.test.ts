// puppet:* against a real sshd. The `puppet` stand-in (test/support/puppet-stand-in.ts)
// answers as the Puppet it plays does: `--version`, `config print` of the probe with the
// layout of that packaging (Fedora's 3.x, Debian's 7 in /etc/puppet, OpenVox's all-in-one),
// `config set` and augtool sets remembered, so Puppet reports them afterwards. dpkg and rpm
// answer the probe's question which package owns the binary. What the CA lists, a run's
// output and exit code are files in a state directory, so a request that "arrives later"
// is a file written while the task is waiting. Every test asserts the exact commands the
// stand-ins recorded.
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/engine/template.js';
import { PROBED_SETTINGS, PUPPET_PROBE } from '../../src/puppet/generation.js';
import { runCli, testEnv, writeAwsCred } from '../support/cli.js';
import { startCli } from '../support/cli-watch.js';
import { augtoolStandIn, packageOwnerStandIns, puppetserverStandIn, puppetStandIn, type PuppetLayout } from '../support/puppet-stand-in.js';
import { startSshd, type Sshd } from '../support/sshd.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;
let bin: string;
let capture: string;
let state: string;

const SHA_SIGNED = '8F:0E:2C:71:9A:4B:66:D3:10:C2:7E:55:A1:B8:3F:E0:94:12:6D:7C:C0:5B:3A:29:E8:17:FD:40:6B:92:AE:13';
const SHA_PENDING = '5B:C3:11:9E:02:7D:A4:68:F1:3C:90:2E:BB:47:D6:05:8A:71:C9:3E:14:F2:60:AD:2B:98:E5:37:0C:D4:61:AF';

const write = (name: string, text: string) => writeFileSync(join(state, name), text, { mode: 0o644 });

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

/** What the probe has each Puppet run: its version, then `config print` as that version takes it. */
const PROBED = {
  2: ['puppet --version', 'puppet master --configprint autosign,certname,confdir,config,manifest,modulepath,ssldir,vardir'],
  3: ['puppet --version', 'puppet config print autosign certname confdir config manifest modulepath ssldir vardir'],
  7: ['puppet --version', `puppet config print ${PROBED_SETTINGS.join(' ')} --section server --environment production`],
} as const;

interface HostPuppet {
  layout?: PuppetLayout;
  settings?: Record<string, string>;
  certname?: string;
  /** The package owning the binary, and the package tool that says so. */
  owner?: { manager: 'deb' | 'rpm'; package?: string };
}

/** Makes the host run this Puppet; the CA holds `certs`. */
function puppetHost(version: string, certs = '', o: HostPuppet = {}): void {
  sshd.standIn('puppet', { script: puppetStandIn({ version, stateDir: state, layout: o.layout, settings: o.settings, certname: o.certname }) });
  write('certs', certs);
  const major = Number(version.split('.')[0]);
  const owner =
    o.owner ??
    (o.layout === 'aio'
      ? { manager: 'rpm', package: 'openvox-agent' }
      : major <= 3
        ? { manager: 'rpm', package: 'puppet' }
        : { manager: 'deb', package: 'puppet-agent' });
  const owners = packageOwnerStandIns({ manager: owner.manager, owner: owner.package });
  sshd.standIn('dpkg', owners.dpkg);
  sshd.standIn('rpm', owners.rpm);
}

beforeAll(async () => {
  sshd = await startSshd({ standIns: ['touch', 'mkdir', 'chmod', 'usermod'] });
  bin = join(sshd.dir, 'bin');
  capture = join(sshd.remoteHome, 'installed');
  state = join(sshd.dir, 'puppet-state');
});
afterAll(async () => sshd?.stop());
beforeEach(() => {
  sshd.resetStandIns();
  const { uid, gid } = statSync(sshd.remoteHome);
  for (const dir of [capture, state]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    // The stand-ins run as the login user: config set writes into the state directory.
    chownSync(dir, uid, gid);
  }
  sshd.standIn('puppetserver', { script: puppetserverStandIn({ stateDir: state }) });
  sshd.standIn('augtool', augtoolStandIn({ stateDir: state }));
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

/** What sudo ran: the text after `sudo -n sh -c`, without the probe. */
function sudoRan(): string[] {
  return allSudo().filter((c) => c !== PUPPET_PROBE.text);
}

function allSudo(): string[] {
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
  it('Puppet 3.x: asks Puppet, runs `puppet cert list --all` as root and prints state name fingerprint', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    const r = await runCli(['puppet:cert:list', 'testhost', '--all'], env);
    expect(r.stderr).toBe('task: puppet:cert:list testhost\n');
    expect(r.stdout).toBe(`+ testhost.example.com SHA256:${SHA_SIGNED}\n broker.example.com SHA256:${SHA_PENDING}\n`);
    expectOk(r);
    expect(ran('puppet', 'puppetserver')).toEqual([...PROBED[3], 'puppet cert list --all']);
    // One read-only probe as root, then the binary it found.
    expect(allSudo()).toEqual([PUPPET_PROBE.text, `${bin}/puppet cert list --all`]);
    // Fedora's rpm says which package owns the binary (dpkg is not there).
    expect(ran('dpkg', 'rpm')).toEqual([`dpkg -S ${bin}/puppet`, `rpm -qf --qf %{NAME}\\n ${bin}/puppet`]);
  });

  it('Puppet 7: runs `puppetserver ca list` where the probe found it, and --json gives objects', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    const r = await runCli(['puppet:cert:list', 'testhost', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: 'broker.example.com', state: 'pending', algorithm: 'SHA256', fingerprint: SHA_PENDING, altNames: [] },
      { name: 'testhost.example.com', state: 'signed', algorithm: 'SHA256', fingerprint: SHA_SIGNED, altNames: ['DNS:puppet', 'DNS:testhost.example.com'] },
    ]);
    expect(ran('puppet', 'puppetserver')).toEqual([...PROBED[7], 'puppetserver ca list']);
    expect(sudoRan()).toEqual([`${bin}/puppetserver ca list`]);
    // Each setting is a word of its own (one quoted word would be one unknown setting).
    const print = sshd.calls().find((c) => c.name === 'puppet' && c.args[0] === 'config');
    expect(print?.args).toEqual(['config', 'print', ...PROBED_SETTINGS, '--section', 'server', '--environment', 'production']);
  });

  it('with a certificate name lists --all and shows only that name', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    const r = await runCli(['puppet:cert:list', 'testhost', 'Broker.example.com'], env);
    expect(r.stdout).toBe(` broker.example.com SHA256:${SHA_PENDING}\n`);
    expect(ran('puppet')).toEqual([...PROBED[3], 'puppet cert list --all']);
  });

  it("the host's Puppet wins over --puppet and --source, with a warning", async () => {
    puppetHost('3.1.1', LIST[3].master);
    const r = await runCli(['puppet:cert:list', 'testhost', '--puppet', '8', '--source', 'openvox'], env);
    expectOk(r);
    expect(r.stderr).toContain(
      "warning: testhost has Puppet 3.1.1 (the distribution's packages), not what --puppet 8 and --source openvox says; following the host\n",
    );
    expect(r.stdout).toBe(`+ testhost.example.com SHA256:${SHA_SIGNED}\n`);
    expect(sudoRan()).toEqual([`${bin}/puppet cert list`]);
    // Saying what the host has is no warning.
    const same = await runCli(['puppet:cert:list', 'testhost', '--puppet', '3', '--source', 'distribution'], env);
    expectOk(same);
    expect(same.stderr).toBe('task: puppet:cert:list testhost\n');
  });

  it('without Puppet, --puppet 8 plans OpenVox 8 and its /opt/puppetlabs binaries', async () => {
    const r = await runCli(['puppet:cert:list', 'testhost', '--puppet', '8', '--verbose'], env);
    expect(r.stderr).toContain('testhost: no Puppet yet; planning with OpenVox 8 (planned, OpenVox)');
    expect(sudoRan()).toEqual(['/opt/puppetlabs/bin/puppetserver ca list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/opt/puppetlabs/bin/puppetserver: not found');
  });

  it('Puppet 7: a failing `puppetserver ca list` asks whether puppetserver runs', async () => {
    puppetHost('7.30.0');
    sshd.standIn('puppetserver', {
      stderr: 'Fatal error when running action\n  Error: Failed connecting to https://testhost:8140/puppet-ca/v1/certificate_statuses/any_key\n',
      exit: 1,
    });
    const r = await runCli(['puppet:cert:list', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Failed connecting to https://testhost:8140');
    expect(r.stderr).toContain('is puppetserver running on testhost?');
  });

  it('fails clearly on a host without Puppet, pointing at how to install it', async () => {
    const r = await runCli(['puppet:cert:list', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('testhost: Puppet is not installed');
    expect(r.stderr).toContain('puppet:repo testhost');
    expect(allSudo()).toEqual([PUPPET_PROBE.text]);
  });
});

describe('puppet:cert:sign', () => {
  /** The --json result of signing broker.example.com's pending request on testhost. */
  const brokerSigned = (action: 'signed' | 'already-signed') => ({
    master: 'testhost',
    certname: 'broker.example.com',
    action,
    fingerprint: SHA_PENDING,
    algorithm: 'SHA256',
  });

  it('Puppet 3.x: lists, finds the pending request, signs exactly that name', async () => {
    puppetHost('3.1.1', LIST[3].master + LIST[3].pending);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expect(r.stderr).toBe('task: puppet:cert:sign testhost broker.example.com\n');
    expectOk(r);
    expect(r.stdout).toBe('');
    expect(ran('puppet', 'puppetserver')).toEqual([...PROBED[3], 'puppet cert list --all', 'puppet cert sign broker.example.com']);
  });

  it('Puppet 7: signs with puppetserver ca sign --certname', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(brokerSigned('signed'));
    expect(ran('puppet', 'puppetserver')).toEqual([...PROBED[7], 'puppetserver ca list --all', 'puppetserver ca sign --certname broker.example.com']);
  });

  it('an already signed certificate is success with a note, and nothing is signed', async () => {
    puppetHost('7.30.0', LIST[7].signed);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expectOk(r);
    expect(r.stderr).toBe('task: puppet:cert:sign testhost broker.example.com\n  - broker.example.com is already signed on testhost\n');
    expect(ran('puppetserver')).toEqual(['puppetserver ca list --all']);
  });

  it('a request the autosign policy signs between the list and the sign is success, already signed', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    write('certs.autosigned', LIST[7].signed);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(brokerSigned('already-signed'));
    expect(ran('puppetserver')).toEqual(['puppetserver ca list --all', 'puppetserver ca sign --certname broker.example.com', 'puppetserver ca list --all']);
  });

  it('a sign the CA refuses while the request stays pending is an error with the CA’s reason', async () => {
    puppetHost('7.30.0', LIST[7].pending + LIST[7].master);
    write('certs.autosigned', LIST[7].pending + LIST[7].master);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot sign certificate for host broker.example.com without a certificate request');
  });

  it('without --wait, a missing request is an error and nothing is signed', async () => {
    puppetHost('3.1.1', LIST[3].master);
    const r = await runCli(['puppet:cert:sign', 'testhost', 'broker.example.com'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('testhost: no certificate request from broker.example.com');
    expect(r.stderr).toContain('--wait');
    expect(ran('puppet').filter((c) => c.startsWith('puppet cert sign'))).toEqual([]);
  });

  it('--wait polls until the request appears, then signs it', async () => {
    puppetHost('7.30.0', LIST[7].master);
    // The request arrives once the CLI says it is on its second try: two lists have found
    // nothing by then. (A 600 ms timer against 3 s of compressed --timeout raced the
    // probe and the lists on a loaded machine.) 60000 s is a minute at the tests' scale.
    const cli = startCli(['puppet:cert:sign', 'testhost', 'broker.example.com', '--wait', '--timeout', '60000', '--verbose'], env);
    await cli.stderrMatches(/- try 2: no request from broker\.example\.com yet/);
    write('certs', LIST[7].pending + LIST[7].master);
    const r = await cli.result;
    expectOk(r);
    expect(r.stderr).toContain('waiting up to 60000s for the certificate request of broker.example.com on testhost');
    const calls = ran('puppetserver');
    const lists = calls.filter((c) => c === 'puppetserver ca list --all');
    expect(lists.length).toBeGreaterThanOrEqual(3);
    // Every list before the last found nothing; the one sign comes after the last list.
    expect(calls).toEqual([...lists, 'puppetserver ca sign --certname broker.example.com']);
    // Puppet was asked once for the whole run.
    expect(allSudo().filter((c) => c === PUPPET_PROBE.text)).toHaveLength(1);
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
    expect(ran('puppet')).toEqual([...PROBED[3], 'puppet cert list --all']);
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
    expect(ran('puppet')).toEqual([...PROBED[3], 'puppet cert list --all', 'puppet cert revoke testhost.example.com']);
    sshd.clearCalls();
    const r = await runCli(['puppet:cert:revoke', 'testhost', 'broker.example.com'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('puppet:cert:clean testhost broker.example.com');
    expect(ran('puppet').filter((c) => c.includes('revoke'))).toEqual([]);
  });
});

/** augtool's set commands, however the augeas service spells the autosave flag. */
const augtoolSets = (calls: string[]) => calls.map((c) => c.replace(/^augtool --autosave /, 'augtool -s '));

describe('puppet:master:configure', () => {
  it("Puppet 3.1 (no config set before 3.5): augtool sets in [main], site modules after Fedora's, both directories made", async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:master:configure', 'testhost', '--server', 'puppet.example.com', '--json'], env);
    expectOk(r);
    expect(augtoolSets(ran('puppet', 'augtool'))).toEqual([
      ...PROBED[3],
      'augtool -s set /files/etc/puppet/puppet.conf/main/server "puppet.example.com"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/modulepath "/etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifestdir "/var/lib/puppet/site/manifests"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifest "/var/lib/puppet/site/manifests/site.pp"',
      // Puppet is asked again what it now reads.
      ...PROBED[3],
    ]);
    expect(ran('mkdir')).toEqual(['mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests']);
    expect(JSON.parse(r.stdout).effective).toEqual({
      manifest: '/var/lib/puppet/site/manifests/site.pp',
      basemodulepath: '/etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules',
    });
  });

  it('Puppet 3.8: puppet config set in [main]', async () => {
    puppetHost('3.8.7');
    const r = await runCli(['puppet:master:configure', 'testhost'], env);
    expectOk(r);
    expect(ran('puppet').filter((c) => c.startsWith('puppet config set'))).toEqual([
      'puppet config set --section main modulepath /etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules',
      'puppet config set --section main manifestdir /var/lib/puppet/site/manifests',
      'puppet config set --section main manifest /var/lib/puppet/site/manifests/site.pp',
    ]);
  });

  it("Debian's Puppet 7: the site before Debian's basemodulepath, default_manifest in [main], production made", async () => {
    puppetHost('7.23.0');
    const r = await runCli(['puppet:master:configure', 'testhost', '--siteroot', '/srv/site', '--json'], env);
    expectOk(r);
    // No warning: Puppet now reads the site's manifest.
    expect(r.stderr).toBe('task: puppet:master:configure testhost\n');
    expect(ran('puppet')).toEqual([
      ...PROBED[7],
      'puppet config set --section server basemodulepath /srv/site/modules:/etc/puppet/code/modules:/usr/share/puppet/modules',
      'puppet config set --section main default_manifest /srv/site/manifests/site.pp',
      ...PROBED[7],
    ]);
    // The binary the probe found, as root.
    expect(sudoRan()).toEqual([
      `${bin}/puppet config set --section server basemodulepath /srv/site/modules:/etc/puppet/code/modules:/usr/share/puppet/modules`,
      `${bin}/puppet config set --section main default_manifest /srv/site/manifests/site.pp`,
      'mkdir -p /srv/site/modules /srv/site/manifests /etc/puppet/code/environments/production',
    ]);
    expect(ran('mkdir')).toEqual(['mkdir -p /srv/site/modules /srv/site/manifests /etc/puppet/code/environments/production']);
    const out = JSON.parse(r.stdout);
    expect(out.config).toBe('/etc/puppet/puppet.conf');
    expect(out.effective).toEqual({
      manifest: '/srv/site/manifests/site.pp',
      basemodulepath: '/srv/site/modules:/etc/puppet/code/modules:/usr/share/puppet/modules',
    });

    // A re-run finds the site in basemodulepath already and does not add it twice.
    sshd.clearCalls();
    expectOk(await runCli(['puppet:master:configure', 'testhost', '--siteroot', '/srv/site'], env));
    expect(ran('puppet')).toContain('puppet config set --section server basemodulepath /srv/site/modules:/etc/puppet/code/modules:/usr/share/puppet/modules');
  });

  it('OpenVox 8: the all-in-one basemodulepath and environments', async () => {
    puppetHost('8.10.0', '', { layout: 'aio' });
    const r = await runCli(['puppet:master:configure', 'testhost'], env);
    expectOk(r);
    expect(ran('puppet').filter((c) => c.startsWith('puppet config set'))).toEqual([
      'puppet config set --section server basemodulepath /var/lib/puppet/site/modules:/etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
      'puppet config set --section main default_manifest /var/lib/puppet/site/manifests/site.pp',
    ]);
    expect(ran('mkdir')).toEqual(['mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests /etc/puppetlabs/code/environments/production']);
  });

  it('warns when Puppet still reads another manifest for production', async () => {
    // An environment.conf of production's own: Puppet keeps reporting its manifest
    // whatever default_manifest says (a stand-in without a state directory forgets the sets).
    puppetHost('7.23.0');
    sshd.standIn('puppet', { script: puppetStandIn({ version: '7.23.0', settings: { manifest: '/etc/puppet/code/environments/production/manifests' } }) });
    const r = await runCli(['puppet:master:configure', 'testhost'], env);
    expectOk(r);
    expect(r.stderr).toContain(
      'warning: testhost: Puppet reads the production manifest from /etc/puppet/code/environments/production/manifests, not /var/lib/puppet/site/manifests/site.pp',
    );
  });

  it('Puppet 2.7: quoted augtool sets instead of puppet config set', async () => {
    puppetHost('2.7.23');
    const r = await runCli(['puppet:master:configure', 'testhost'], env);
    expectOk(r);
    expect(augtoolSets(ran('puppet', 'augtool'))).toEqual([
      ...PROBED[2],
      'augtool -s set /files/etc/puppet/puppet.conf/main/modulepath "/etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifestdir "/var/lib/puppet/site/manifests"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifest "/var/lib/puppet/site/manifests/site.pp"',
      ...PROBED[2],
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
  it("writes secret and policy into the confdir Puppet reported (Debian's /etc/puppet), prints only the secret file path, reuses it", async () => {
    puppetHost('7.23.0');
    const r = await runCli(['puppet:master:autosign', 'testhost', '--verbose'], env);
    expectOk(r);
    const local = join(env.HOME!, '.origin-setup', 'autosign', 'testhost.secret');
    expect(r.stdout).toBe(`${local}\n`);
    expect(statSync(local).mode & 0o777).toBe(0o600);
    const secret = readFileSync(local, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(sshd.readCallLog()).not.toContain(secret);

    expect(captured('/etc/puppet/autosign-secret')).toBe(`${secret}\n`);
    const policy = captured('/etc/puppet/autosign-policy.sh');
    expect(policy).toBe(renderTemplate('autosign-policy.sh', { secretfile: '/etc/puppet/autosign-secret' }));
    expect(ran('install', 'puppet').map((c) => c.replace(/\S*\.origin-setup-\w+\.tmp/, 'TMP'))).toEqual([
      ...PROBED[7],
      'install -m 0600 -o puppet -g puppet TMP /etc/puppet/autosign-secret',
      'install -m 0755 -o root -g root TMP /etc/puppet/autosign-policy.sh',
      'puppet config set --section server autosign /etc/puppet/autosign-policy.sh',
    ]);

    const again = await runCli(['puppet:master:autosign', 'testhost'], env);
    expectOk(again);
    expect(readFileSync(local, 'utf8').trim()).toBe(secret);
    expect(captured('/etc/puppet/autosign-secret')).toBe(`${secret}\n`);
  });

  it('OpenVox 8: the policy goes into /etc/puppetlabs/puppet', async () => {
    puppetHost('8.10.0', '', { layout: 'aio' });
    const r = await runCli(['puppet:master:autosign', 'testhost', '--secret', 'a-secret-of-enough-length'], env);
    expectOk(r);
    expect(readdirSync(capture).sort()).toEqual(['_etc_puppetlabs_puppet_autosign-policy.sh', '_etc_puppetlabs_puppet_autosign-secret']);
    expect(ran('puppet')).toContain('puppet config set --section server autosign /etc/puppetlabs/puppet/autosign-policy.sh');
  });

  it('the agent side puts the same secret into the csr_attributes file Puppet names', async () => {
    puppetHost('3.8.7');
    const secretFile = join(mkdtempSync(join(tmpdir(), 'secret-')), 's');
    writeFileSync(secretFile, "it's-a-long-secret\n", { mode: 0o600 });
    const r = await runCli(['puppet:agent:csr_attributes', 'testhost', 'puppet.example.com', '--secret-file', secretFile], env);
    expectOk(r);
    expect(r.stdout).toBe('/etc/puppet/csr_attributes.yaml\n');
    expect(captured('/etc/puppet/csr_attributes.yaml')).toContain("  1.2.840.113549.1.9.7: 'it''s-a-long-secret'\n");
    expect(r.stderr).not.toContain('long-secret');

    // Wherever this Puppet keeps it.
    puppetHost('8.10.0', '', { layout: 'aio', settings: { csr_attributes: '/etc/puppetlabs/puppet/agent/csr_attributes.yaml' } });
    const moved = await runCli(['puppet:agent:csr_attributes', 'testhost', 'puppet.example.com', '--secret-file', secretFile], env);
    expectOk(moved);
    expect(moved.stdout).toBe('/etc/puppetlabs/puppet/agent/csr_attributes.yaml\n');
  });

  it('refuses Puppet 3 before 3.4, which has no policy autosigning', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:master:autosign', 'testhost', '--secret', 'a-secret-of-enough-length', '--verbose'], env);
    expect(r.code).toBe(1);
    // Even the verbose echo line, which shows option values, hides it.
    expect(r.stderr.split('\n')[0]).toBe('task: puppet:master:autosign testhost --secret ****');
    expect(r.stderr).toContain("testhost: Puppet 3.1.1 (the distribution's packages) has no policy-based autosigning");
    expect(r.stderr).not.toContain('a-secret-of-enough-length');
    expect(readdirSync(capture)).toEqual([]);
  });
});

describe('split CA and policy autosigning on every source', () => {
  it.each([
    {
      what: "the seeds' distribution Puppet 3.8",
      version: '3.8.7',
      layout: 'distribution3',
      owner: { manager: 'rpm', package: 'puppet' },
      source: 'distribution',
      confdir: '/etc/puppet',
      section: 'master',
    },
    {
      what: "Debian 12's Puppet 7",
      version: '7.23.0',
      layout: 'distribution',
      owner: { manager: 'deb', package: 'puppet-agent' },
      source: 'distribution',
      confdir: '/etc/puppet',
      section: 'server',
    },
    {
      what: 'OpenVox 8',
      version: '8.28.1',
      layout: 'aio',
      owner: { manager: 'rpm', package: 'openvox-agent' },
      source: 'openvox',
      confdir: '/etc/puppetlabs/puppet',
      section: 'server',
    },
    {
      what: 'Puppet Core 8',
      version: '8.10.0',
      layout: 'aio',
      owner: { manager: 'deb', package: 'puppet-agent' },
      source: 'puppetcore',
      confdir: '/etc/puppetlabs/puppet',
      section: 'server',
    },
  ] as const)('$what: the policy beside its puppet.conf, autosign in [$section], ca_server written', async (c) => {
    puppetHost(c.version, '', { layout: c.layout, owner: c.owner });
    const version = await runCli(['puppet:version', 'testhost', '--json'], env);
    expectOk(version);
    expect(JSON.parse(version.stdout)).toMatchObject({ source: c.source, confdir: c.confdir, config: `${c.confdir}/puppet.conf` });

    const r = await runCli(['puppet:master:autosign', 'testhost', '--secret', 'a-secret-of-enough-length'], env);
    expectOk(r);
    expect(captured(`${c.confdir}/autosign-secret`)).toBe('a-secret-of-enough-length\n');
    expect(ran('puppet')).toContain(`puppet config set --section ${c.section} autosign ${c.confdir}/autosign-policy.sh`);

    const split = await runCli(['puppet:agent:set_server', 'testhost', 'puppet.example.com', '--ca-server', 'puppetca.example.com'], env);
    expectOk(split);
    expect(ran('puppet').slice(-2)).toEqual([
      'puppet config set --section main server puppet.example.com',
      'puppet config set --section main ca_server puppetca.example.com',
    ]);
  });
});

describe('storedconfigs and pluginsync', () => {
  it('storedconfigs sets the real setting names on 3.x (augtool on 3.1) and refuses Puppet 7', async () => {
    puppetHost('3.1.1');
    expectOk(await runCli(['puppet:master:storedconfigs', 'testhost'], env));
    expect(augtoolSets(ran('puppet', 'augtool'))).toEqual([
      ...PROBED[3],
      'augtool -s set /files/etc/puppet/puppet.conf/master/storeconfigs "true"',
      'augtool -s set /files/etc/puppet/puppet.conf/master/dbadapter "sqlite3"',
      'augtool -s set /files/etc/puppet/puppet.conf/master/dblocation "/var/lib/puppet/server_data/storeconfigs.sqlite"',
    ]);
    sshd.clearCalls();
    puppetHost('3.8.7');
    expectOk(await runCli(['puppet:master:storedconfigs', 'testhost'], env));
    expect(ran('puppet').filter((c) => c.startsWith('puppet config set'))).toEqual([
      'puppet config set --section master storeconfigs true',
      'puppet config set --section master dbadapter sqlite3',
      'puppet config set --section master dblocation /var/lib/puppet/server_data/storeconfigs.sqlite',
    ]);
    sshd.clearCalls();
    puppetHost('7.30.0');
    const r = await runCli(['puppet:master:storedconfigs', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Puppet 7.30.0 (the distribution's packages) has no ActiveRecord storeconfigs");
    expect(r.stderr).toContain('PuppetDB');
    expect(ran('puppet')).toEqual([...PROBED[7]]);
  });

  it('pluginsync sets main/pluginsync up to 5, and on OpenVox 8 says it is always on', async () => {
    puppetHost('3.8.7');
    expectOk(await runCli(['puppet:agent:pluginsync', 'testhost', '--no-enabled'], env));
    expect(ran('puppet')).toEqual([...PROBED[3], 'puppet config set --section main pluginsync false']);
    sshd.clearCalls();
    puppetHost('8.4.0', '', { layout: 'aio' });
    const r = await runCli(['puppet:agent:pluginsync', 'testhost'], env);
    expectOk(r);
    expect(r.stderr).toContain('OpenVox 8.4.0 (OpenVox) always syncs plugins');
    expect(ran('puppet')).toEqual([...PROBED[7]]);
  });
});

describe('puppet:agent', () => {
  it('set_server writes server and ca_server (split CA)', async () => {
    puppetHost('3.8.7');
    const r = await runCli(['puppet:agent:set_server', 'testhost', 'puppet.example.com', '--ca-server', 'puppetca.example.com', '--section', 'agent'], env);
    expectOk(r);
    expect(ran('puppet')).toEqual([
      ...PROBED[3],
      'puppet config set --section agent server puppet.example.com',
      'puppet config set --section agent ca_server puppetca.example.com',
    ]);
    expect(sudoRan()[0]).toBe(`${bin}/puppet config set --section agent server puppet.example.com`);
  });

  it('onetime: exit 2 (changes applied) is success, 4 is a failure quoting the Error lines', async () => {
    puppetHost('7.30.0');
    write('run', 'Info: Applying configuration version 1\nNotice: /Stage[main]/Ntp/Service[ntpd]/ensure: changed stopped to running\n');
    write('run.exit', '2');
    const ok = await runCli(['puppet:agent:onetime', 'testhost', '--noop'], env);
    expectOk(ok);
    expect(ok.stdout).toBe('Info: Applying configuration version 1\nNotice: /Stage[main]/Ntp/Service[ntpd]/ensure: changed stopped to running\n');
    expect(ran('puppet')).toEqual([...PROBED[7], 'puppet agent --onetime --no-daemonize --verbose --detailed-exitcodes --noop']);

    write('run', 'Info: Applying configuration version 2\nError: /Stage[main]/Ntp/Package[ntp]: Could not find package ntp\n');
    write('run.exit', '4');
    const bad = await runCli(['puppet:agent:onetime', 'testhost'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('testhost: puppet agent exited 4 (some resources failed): Error: /Stage[main]/Ntp/Package[ntp]: Could not find package ntp');
  });
});

describe('top level', () => {
  it('config KEY prints just the value; version prints the version', async () => {
    puppetHost('3.1.1', '', { certname: 'broker.example.com' });
    const r = await runCli(['puppet:config', 'testhost', 'certname'], env);
    expect(r.stdout).toBe('broker.example.com\n');
    // 3.1's config face has no --section (3.5 brought it): --configprint, the agent's view.
    expect(ran('puppet')).toEqual([...PROBED[3], 'puppet agent --configprint certname']);
    expect((await runCli(['puppet:version', 'testhost'], env)).stdout).toBe('3.1.1\n');
    const master = await runCli(['puppet:config', 'testhost', 'ssldir', '--section', 'master'], env);
    expect(master.stdout).toBe('/var/lib/puppet/ssl\n');
    expect(ran('puppet').at(-1)).toBe('puppet master --configprint ssldir');
  });

  it('version --json gives the source and the paths Puppet reported', async () => {
    puppetHost('7.23.0');
    const r = await runCli(['puppet:version', 'testhost', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({
      host: 'testhost',
      version: '7.23.0',
      major: 7,
      source: 'distribution',
      puppet: `${bin}/puppet`,
      ca: 'puppetserver-ca',
      confdir: '/etc/puppet',
      config: '/etc/puppet/puppet.conf',
      vardir: '/var/cache/puppet',
      ssldir: '/var/lib/puppet/ssl',
      codedir: '/etc/puppet/code',
      environmentpath: '/etc/puppet/code/environments',
      manifest: 'no_manifest',
      basemodulepath: '/etc/puppet/code/modules:/usr/share/puppet/modules',
      autosign: '/etc/puppet/autosign.conf',
      csrAttributes: '/etc/puppet/csr_attributes.yaml',
    });
    // Debian's dpkg named the owner; there is no rpm.
    expect(ran('dpkg', 'rpm')).toEqual([`dpkg -S ${bin}/puppet`]);

    puppetHost('8.10.0', '', { layout: 'aio' });
    const openvox = JSON.parse((await runCli(['puppet:version', 'testhost', '--json'], env)).stdout);
    expect(openvox).toMatchObject({
      source: 'openvox',
      confdir: '/etc/puppetlabs/puppet',
      ssldir: '/etc/puppetlabs/puppet/ssl',
      vardir: '/opt/puppetlabs/puppet/cache',
    });
  });

  it('apply passes the manifest and --modulepath quoted, with detailed exit codes', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:apply', 'testhost', 'site/manifests/my site.pp', '--modulepath', 'site/modules'], env);
    expectOk(r);
    expect(sudoRan()).toEqual([`${bin}/puppet apply --verbose --detailed-exitcodes --modulepath site/modules 'site/manifests/my site.pp'`]);
  });
});

describe('puppet:repo', () => {
  it('Fedora 40: installs the openvox8-release rpm through dnf', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora40');
    sshd.standIn('rpm', { exit: 1 });
    const r = await runCli(['puppet:repo', 'testhost'], env);
    expectOk(r);
    expect(r.stdout).toBe('https://yum.voxpupuli.org/openvox8-release-fedora-40.noarch.rpm\n');
    expect(ran('rpm', 'dnf')).toEqual([
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n openvox8-release',
      'dnf -y install https://yum.voxpupuli.org/openvox8-release-fedora-40.noarch.rpm',
    ]);
  });

  it('an installed release package is left alone', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora40');
    sshd.standIn('rpm', { stdout: '8.0.0-1.fc40\n' });
    const r = await runCli(['puppet:repo', 'testhost', '--json'], env);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'release-package', source: 'openvox', package: 'openvox8-release', added: false });
    expect(r.stderr).toContain('openvox8-release is already installed on testhost');
    expect(ran('dnf')).toEqual([]);
  });

  it('Ubuntu 22.04: fetches openvox8-release-ubuntu22.04.deb on the host and installs it with apt-get; --puppet 7 takes OpenVox 7', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('ubuntu2204');
    sshd.standIn('dpkg-query', { exit: 1 });
    const r = await runCli(['puppet:repo', 'testhost'], env);
    expectOk(r);
    expect(r.stdout).toBe('https://apt.voxpupuli.org/openvox8-release-ubuntu22.04.deb\n');
    expect(ran('wget', 'apt-get')).toEqual([
      'wget -q -O /var/cache/origin-setup/openvox8-release-ubuntu22.04.deb https://apt.voxpupuli.org/openvox8-release-ubuntu22.04.deb',
      'apt-get -q update',
      'apt-get -y install /var/cache/origin-setup/openvox8-release-ubuntu22.04.deb',
    ]);
    sshd.clearCalls();
    const seven = await runCli(['puppet:repo', 'testhost', '--puppet', '7'], env);
    expectOk(seven);
    expect(seven.stdout).toBe('https://apt.voxpupuli.org/openvox7-release-ubuntu22.04.deb\n');
  });

  it('Fedora 19: OpenVox publishes nothing there; --source distribution says there is nothing to add', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora19');
    const refused = await runCli(['puppet:repo', 'testhost'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('OpenVox publishes no Puppet 8 packages for fedora 19');
    expect(refused.stderr).toContain('--source distribution');
    const own = await runCli(['puppet:repo', 'testhost', '--source', 'distribution', '--json'], env);
    expectOk(own);
    expect(own.stderr).toContain('fedora 19 installs Puppet from its own repositories: no repository to add');
    expect(JSON.parse(own.stdout)).toMatchObject({ kind: 'distribution', added: false });
    expect(ran('yum', 'dnf', 'rpm')).toEqual([]);
    expect(allSudo()).toEqual([]);
  });

  it('PuppetSource in the config file is the default; an unknown --source is a usage error', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('fedora19');
    writeAwsCred(env, 'PuppetSource=distribution\n');
    const r = await runCli(['puppet:repo', 'testhost'], env);
    expectOk(r);
    expect(r.stderr).toContain('no repository to add');
    const bad = await runCli(['puppet:repo', 'testhost', '--source', 'puppetlabs'], env);
    expect(bad.code).toBe(2);
  });

  it('--source puppetcore without a Forge key fails naming both places for it, and changes nothing', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('rhel9');
    const r = await runCli(['puppet:repo', 'testhost', '--source', 'puppetcore'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Puppet Core needs a Forge API key');
    expect(r.stderr).toContain('PUPPET_CORE_KEY');
    expect(r.stderr).toContain('PuppetCoreKey');
    expect(allSudo()).toEqual([]);
    expect(ran('rpm', 'dnf', 'yum', 'install', 'mkdir')).toEqual([]);
    expect(readdirSync(capture)).toEqual([]);
  });

  it('--source puppetcore on EL 9: the key from PUPPET_CORE_KEY travels only as file content, even with --debug --verbose', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('rhel9');
    sshd.standIn('rpm', { exit: 1 });
    const key = 'forge-KEY-0123456789abcdef';
    const r = await runCli(['puppet:repo', 'testhost', '--source', 'puppetcore', '--debug', '--verbose'], { ...env, PUPPET_CORE_KEY: key });
    expectOk(r);
    expect(r.stdout).toBe('https://yum-puppetcore.puppet.com/public/puppet8-release-el-9.noarch.rpm\n');
    expect(ran('rpm', 'dnf')).toEqual([
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n puppet8-release',
      'dnf -y install https://yum-puppetcore.puppet.com/public/puppet8-release-el-9.noarch.rpm',
      // The credentials script lists the release package's .repo files.
      'rpm -ql puppet8-release',
    ]);
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(sshd.readCallLog()).not.toContain(key);
    // Only as the content of a root-only file.
    expect(captured('/var/cache/origin-setup/forge-key')).toBe(`${key}\n`);
    expect(ran('install').map((c) => c.replace(/\S*\.origin-setup-\w+\.tmp/, 'TMP'))).toEqual([
      'install -m 0600 -o root -g root TMP /var/cache/origin-setup/forge-key',
    ]);
  });

  it('--source puppetcore on Debian 12: PuppetCoreKey from the config file goes into apt auth.conf.d', async (t) => {
    if (!sshd.canFakeRelease) t.skip();
    sshd.withDistribution('debian12');
    sshd.standIn('dpkg-query', { exit: 1 });
    const key = 'cfg-KEY-fedcba9876543210';
    writeAwsCred(env, `PuppetCoreKey=${key}\n`);
    const r = await runCli(['puppet:repo', 'testhost', '--source', 'puppetcore', '--puppet', '7', '--debug', '--verbose'], env);
    expectOk(r);
    expect(r.stdout).toBe('https://apt-puppetcore.puppet.com/public/puppet7-release-bookworm.deb\n');
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(sshd.readCallLog()).not.toContain(key);
    expect(captured('/etc/apt/auth.conf.d/apt-puppetcore-puppet.conf')).toBe(`machine apt-puppetcore.puppet.com\nlogin forge-key\npassword ${key}\n`);
  });
});

describe('puppet:module:install', () => {
  it('installs each module as root; an installed one is fine; --version with two modules is refused', async () => {
    puppetHost('3.1.1');
    const r = await runCli(['puppet:module:install', 'testhost', 'puppetlabs-ntp', 'puppetlabs-stdlib'], env);
    expectOk(r);
    expect(r.stdout).toBe('puppetlabs-ntp installed\npuppetlabs-stdlib installed\n');
    expect(sudoRan()).toEqual([`${bin}/puppet module install puppetlabs-ntp`, `${bin}/puppet module install puppetlabs-stdlib`]);

    write('module.out', "Error: Could not install module 'puppetlabs-ntp' (latest)\n  Module 'puppetlabs-ntp' (v3.0.0) is already installed\n");
    write('module.exit', '1');
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
