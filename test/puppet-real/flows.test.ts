// origin:puppetmaster and origin:puppetclient through the built binary against real Puppet
// hosts (test/support/puppet-hosts.ts): a real puppetserver started by the tool, its real
// CA, real signing (by the tool, and by the autosign policy the tool installed), and a
// real `puppet agent --test` that gets a catalog with a resource from the site manifest
// the tool configured. Settings are read back with the host's own `puppet config print`.
// Only package managers, service control of other units and firewalls are stand-ins.
// One puppetserver JVM for the whole file: the tests run in order and build on each other.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBin, type BinResult } from '../support/bin.js';
import { testEnv } from '../support/cli.js';
import { CATALOGUES, packageQueryScript } from '../support/package-stand-ins.js';
import { machineSnapshot, REAL_PUPPET, startPuppetHosts, TEST_USER, type PuppetHost, type PuppetHosts } from '../support/puppet-hosts.js';
import { packageOwnerStandIns } from '../support/puppet-stand-in.js';

const MASTER = 'puppet.example.test';
const AGENT1 = 'agent1.example.test';
const AGENT2 = 'agent2.example.test';
const SITE_RESOURCE = 'origin-setup-site';
const SITE_MESSAGE = 'site manifest from origin-setup';

if (!REAL_PUPPET.available) console.warn(`test/puppet-real/flows skipped: ${REAL_PUPPET.why}`);

/** A bare site repository: manifests/site.pp with one notify, and an empty modules/. */
function siteRepository(): string {
  const base = mkdtempSync(join(tmpdir(), `origin-puppet-${process.pid}-site-`));
  chmodSync(base, 0o755);
  const work = join(base, 'work');
  mkdirSync(join(work, 'manifests'), { recursive: true });
  mkdirSync(join(work, 'modules'));
  writeFileSync(join(work, 'manifests', 'site.pp'), `node default { notify { '${SITE_RESOURCE}': message => '${SITE_MESSAGE}' } }\n`);
  writeFileSync(join(work, 'modules', '.keep'), '');
  const git = (args: string[], cwd = work) =>
    execFileSync('git', ['-c', 'user.name=origin-setup test', '-c', 'user.email=test@example.test', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      stdio: 'pipe',
    });
  git(['init', '-q']);
  git(['add', '.']);
  git(['commit', '-q', '-m', 'site']);
  git(['clone', '-q', '--bare', work, join(base, 'site.git')], base);
  rmSync(work, { recursive: true, force: true });
  // The operator's own repository: the login user owns it (git refuses others' repositories).
  execFileSync('chown', ['-R', `${TEST_USER}:`, join(base, 'site.git')]);
  return join(base, 'site.git');
}

/**
 * The stand-ins of a Debian 12 host whose Puppet packages are installed (they really are).
 * rsyslog is not (Debian 12 logs to the journal): `apt-get install rsyslog` lays down the
 * one thing of it the tool uses, its rule directory.
 */
function debianStandIns(h: PuppetHost): void {
  const apt = packageQueryScript('apt', CATALOGUES.debian12!.catalogue);
  const rsyslog = `case " $* " in *" install "*) for a; do [ "$a" = rsyslog ] && mkdir -p /etc/rsyslog.d; done ;; esac\n`;
  h.standIn('apt-get', { script: rsyslog + apt });
  for (const n of ['apt', 'apt-cache']) h.standIn(n, { script: apt });
  h.standIn('dpkg', packageOwnerStandIns({ manager: 'deb', owner: 'puppet-agent' }).dpkg);
}

const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

describe.skipIf(!REAL_PUPPET.available)('origin:puppetmaster and origin:puppetclient on real Puppet hosts', () => {
  let set: PuppetHosts;
  let master: PuppetHost;
  let agent1: PuppetHost;
  let agent2: PuppetHost;
  let env: NodeJS.ProcessEnv;
  let siteRepo: string;
  let before: string;

  const bin = async (argv: string[], what = argv.slice(0, 2).join(' ')): Promise<BinResult> => {
    const t0 = Date.now();
    const r = await runBin(argv, env);
    console.info(`${what}: exit ${r.code} after ${seconds(t0)} s`);
    return r;
  };
  const rootOn = (h: PuppetHost, command: string, timeoutMs = 120_000) => h.exec(command, { timeoutMs });
  const caList = async () => {
    const r = await rootOn(master, 'puppetserver ca list --all');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    before = machineSnapshot();
    siteRepo = siteRepository();
    set = await startPuppetHosts([MASTER, AGENT1, AGENT2]);
    master = set.host(MASTER);
    agent1 = set.host(AGENT1);
    agent2 = set.host(AGENT2);
    for (const h of set.hosts) debianStandIns(h);
    // Real waits: the tool's polls and backoffs at their real pace.
    env = set.env(testEnv({ ORIGIN_SETUP_TIME_SCALE: '1' }));
    // Host configuration an operator could have: the agent daemon asks for its certificate every 5 s.
    for (const h of [agent1, agent2]) {
      const r = await h.exec(`printf 'PUPPET_EXTRA_OPTS="--waitforcert 5"\\n' >> /etc/default/puppet`);
      expect(r.code).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    for (const h of set?.hosts ?? []) {
      const log = h.agentLog();
      if (log) console.info(`--- ${h.name} agent log ---\n${log.slice(-4000)}`);
    }
    await set?.stop();
    if (siteRepo) rmSync(join(siteRepo, '..'), { recursive: true, force: true });
  }, 60_000);

  test('bad input stops before anything changes: --source nonsense (exit 2), puppetcore without PUPPET_CORE_KEY (exit 1)', async () => {
    const conf = (await agent1.exec('cat /etc/puppet/puppet.conf')).stdout;
    for (const h of set.hosts) h.clearCalls();
    const nonsense = await bin(['origin:puppetmaster', MASTER, '--source', 'nonsense']);
    expect(nonsense.code, nonsense.stderr).toBe(2);
    expect(nonsense.stderr).toMatch(/nonsense/);
    expect(master.calls()).toEqual([]);

    // agent1 has Debian's Puppet: a second packaging beside it is refused.
    const second = await bin(['origin:puppetclient', AGENT1, MASTER, '--source', 'puppetcore'], 'origin:puppetclient --source puppetcore (installed)');
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toContain(`${AGENT1} already has Puppet 7.23.0`);

    // A bare agent (its puppet hidden) would get Puppet Core, which needs the key first.
    expect((await agent1.exec('mount --bind /dev/null /usr/bin/puppet')).code).toBe(0);
    let core: BinResult;
    try {
      core = await bin(['origin:puppetclient', AGENT1, MASTER, '--source', 'puppetcore'], 'origin:puppetclient --source puppetcore (bare)');
    } finally {
      expect((await agent1.exec('umount /usr/bin/puppet')).code).toBe(0);
    }
    expect(core.code, core.stderr).toBe(1);
    expect(core.stderr).toContain('PUPPET_CORE_KEY');
    expect(core.stderr).toContain('PuppetCoreKey');
    // Only queries: nothing installed, no service touched, puppet.conf as it was.
    const changing = set.hosts
      .flatMap((h) => h.calls())
      .filter((c) => !(['apt-cache', 'dpkg'].includes(c.name) || (c.name === 'systemctl' && c.args[0] === 'is-active')));
    expect(changing).toEqual([]);
    expect((await agent1.exec('cat /etc/puppet/puppet.conf')).stdout).toBe(conf);
    expect(agent1.agentPid()).toBeUndefined();
  }, 60_000);

  test('origin:puppetmaster --siterepo --no-forge --autosign: a running puppetserver with the site manifest, its CA and policy autosigning', async () => {
    const t0 = Date.now();
    const r = await bin(['origin:puppetmaster', MASTER, '--siterepo', `file://${siteRepo}`, '--no-forge', '--autosign']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${MASTER} puppetserver\n`);
    const ready = /ready after (\d+) s/.exec(master.puppetserverLog())?.[1];
    console.info(`origin:puppetmaster took ${seconds(t0)} s, of which the puppetserver start ${ready ?? '?'} s`);
    expect(master.puppetserverPid()).toBeGreaterThan(0);
    // The JVM runs as puppet, as the unit runs it.
    const puppetUid = execFileSync('id', ['-u', 'puppet'], { encoding: 'utf8' }).trim();
    expect(readFileSync(`/proc/${master.puppetserverPid()}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${puppetUid}\\s`, 'm'));
    expect(master.calls().map((c) => [c.name, ...c.args].join(' '))).toEqual(
      expect.arrayContaining(['systemctl start puppetserver', 'systemctl enable puppetserver']),
    );
    expect((await rootOn(master, `PATH=${master.dir}/bin:$PATH systemctl is-active puppetserver`)).stdout).toBe('active\n');
    // On 127.0.0.1:masterPort (never 8140), which every host's serverport names.
    const connected = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port: set.masterPort }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    expect(connected).toBe(true);

    const print = async (setting: string) => {
      const p = await rootOn(master, `puppet config print ${setting} --environment production --section server`);
      expect(p.code, p.stderr).toBe(0);
      return p.stdout.trim();
    };
    // Puppet itself reads back the site (the tool warns otherwise).
    expect(r.stderr).not.toMatch(/^warning:/m);
    expect(await print('manifest')).toBe('/var/lib/puppet/site/manifests/site.pp');
    expect(await print('basemodulepath')).toBe('/var/lib/puppet/site/modules:/etc/puppet/code/modules:/usr/share/puppet/modules');
    expect(await print('server')).toBe(MASTER);
    expect(await print('autosign')).toBe('/etc/puppet/autosign-policy.sh');
    expect((await rootOn(master, 'test -d /etc/puppet/code/environments/production')).code).toBe(0);
    // The clone is the site repository.
    const site = await rootOn(master, 'cat /var/lib/puppet/site/manifests/site.pp');
    expect(site.stdout).toContain(SITE_RESOURCE);

    expect(await caList()).toMatch(new RegExp(`Signed Certificates:\\s+${MASTER.replace(/\./g, '\\.')}\\s+\\(SHA256\\)`));

    const v = await bin(['puppet:version', MASTER, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({
      host: MASTER,
      major: 7,
      source: 'distribution',
      config: '/etc/puppet/puppet.conf',
      ssldir: '/var/lib/puppet/ssl',
      ca: 'puppetserver-ca',
    });
  }, 240_000);

  test('origin:puppetclient: the agent daemon asks, the tool signs on the real CA, and a real agent run gets the site catalog', async () => {
    const r = await bin(['origin:puppetclient', AGENT1, MASTER]);
    expect(r.code, r.stderr + agent1.agentLog()).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${AGENT1.replace(/\./g, '\\.')} [0-9A-F]{2}(:[0-9A-F]{2}){31}\\n$`));
    const listed = await caList();
    expect(listed).toMatch(new RegExp(`Signed Certificates:[\\s\\S]*\\n\\s*${AGENT1.replace(/\./g, '\\.')}\\s+\\(SHA256\\)\\s+([0-9A-F:]+)`));
    // The fingerprint the tool printed is the CA's.
    const fp = r.stdout.trim().split(' ')[1]!;
    expect(listed).toContain(fp);
    expect(agent1.agentPid()).toBeGreaterThan(0);
    expect((await rootOn(agent1, 'puppet config print server --section agent')).stdout.trim()).toBe(MASTER);
    expect((await rootOn(agent1, 'cat /etc/puppet/puppet.conf')).stdout).toMatch(new RegExp(`^server = ${MASTER.replace(/\./g, '\\.')}$`, 'm'));

    // The daemon would hold the run lock: stop it as an operator would, then run once.
    const stop = await rootOn(agent1, `PATH=${agent1.dir}/bin:$PATH systemctl stop puppet`);
    expect(stop.code, stop.stderr).toBe(0);
    expect(agent1.agentPid()).toBeUndefined();
    const t1 = Date.now();
    // A catalog run the daemon began before it was stopped may still hold the run lock for
    // a moment: Puppet says so and skips. Ask again until it runs (each try takes seconds).
    let run = await rootOn(agent1, 'puppet agent --test --detailed-exitcodes 2>&1', 180_000);
    for (let tries = 1; tries < 30 && /already in progress/.test(run.stdout); tries++) {
      run = await rootOn(agent1, 'puppet agent --test --detailed-exitcodes 2>&1', 180_000);
    }
    console.info(`puppet agent --test on ${AGENT1}: exit ${run.code} after ${seconds(t1)} s`);
    expect([0, 2], run.stdout).toContain(run.code);
    expect(run.stdout).toContain(SITE_RESOURCE);
    expect(run.stdout).toContain(SITE_MESSAGE);
    expect(run.stdout).toContain('Applied catalog');
    // The daemon, started by the tool, made the request the tool signed.
    expect(agent1.agentLog()).toMatch(/puppet agent --waitforcert 5 --no-daemonize/);
  }, 360_000);

  test('origin:puppetclient --autosign: the real server signs by policy, the secret never shows', async () => {
    const secret = readFileSync(join(env.HOME!, '.origin-setup', 'autosign', `${MASTER}.secret`), 'utf8').trim();
    expect(secret.length).toBeGreaterThan(8);
    const r = await bin(['origin:puppetclient', AGENT2, MASTER, '--autosign', '--json'], 'origin:puppetclient --autosign');
    expect(r.code, r.stderr + agent2.agentLog()).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: AGENT2, master: MASTER, ca: MASTER, certname: AGENT2, action: 'already-signed', service: 'puppet' });
    expect(r.stdout + r.stderr).not.toContain(secret);
    const attrs = await rootOn(agent2, "stat -c '%a %U' /etc/puppet/csr_attributes.yaml");
    expect(attrs.stdout.trim()).toBe('600 root');
    expect((await rootOn(agent2, 'cat /etc/puppet/csr_attributes.yaml')).stdout).toContain(secret);
    expect(await caList()).toMatch(new RegExp(`${AGENT2.replace(/\./g, '\\.')}\\s+\\(SHA256\\)`));
  }, 360_000);

  test('the machine itself is untouched, and stop() takes the JVM and the agent daemons down', async () => {
    const jvm = master.puppetserverPid()!;
    const agents = [agent1, agent2].map((h) => h.agentPid()).filter((p): p is number => p !== undefined);
    expect(machineSnapshot()).toBe(before);
    expect(existsSync('/run/puppetserver/restart')).toBe(false);
    await set.stop();
    for (const pid of [jvm, ...agents]) expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
    expect(existsSync(master.dir)).toBe(false);
    expect(machineSnapshot()).toBe(before);
  }, 60_000);
});
