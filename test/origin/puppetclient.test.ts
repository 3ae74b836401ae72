// origin:puppetclient as a whole flow against two real test sshds, one playing the
// agent host and one the master (and, under a second name, a separate CA). The master's
// stand-in CA only shows the agent's request some time after the agent service starts,
// so the flow must wait for it; signing is never blind. The agent takes its master's
// Puppet major, from the best source for its own distribution.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { echoes, FP2, probeCalls, requestWhileSigning, startWorld, withoutProbes, worldEnv, type World, type WorldPuppet } from './flow-world.js';

let client: World;
let master: World;
const CLIENT = 'client.test';
const MASTER = 'master.test';
const CA = 'ca.test';
const CERTNAME = 'broker.example.org';
// Waits run 100x faster: polls 20-150 ms apart.
const SCALE = { ORIGIN_SETUP_TIME_SCALE: '0.01' };
// A sign wait that the request ends, not the clock: a minute. (The default 300 s, 3 s here,
// had to hold a probe and several listings over SSH, which a loaded machine can outlast.)
const SIGN_WAIT = ['--sign-timeout', '6000'];

beforeAll(async () => {
  [client, master] = await Promise.all([
    startWorld({ hosts: [CLIENT], distribution: 'fedora19' }),
    startWorld({ hosts: [MASTER, CA], distribution: 'fedora19' }),
  ]);
});
afterAll(async () => Promise.all([client?.sshd.stop(), master?.sshd.stop()]));

const env = (extra: NodeJS.ProcessEnv = {}) => worldEnv(client, { other: master, extra: { ...SCALE, ...extra } });

/** A Debian 12 master on Debian's own Puppet 7. */
function debianMaster(): void {
  master.reset({ distribution: 'debian12', puppet: { version: '7.23.0', layout: 'distribution' } });
  master.installed('puppetserver');
}

/** Enrols CLIENT (DISTRIBUTION, and the Puppet it would report) under the Debian 12 master; the request arrives once the agent starts. */
async function enrolUnderDebianMaster(distribution: string, puppet: WorldPuppet) {
  client.reset({ distribution, puppet: { ...puppet, certname: CERTNAME } });
  debianMaster();
  const arrives = requestWhileSigning(client, master, 'puppet', CERTNAME);
  const r = await runCli(['origin:puppetclient', CLIENT, MASTER, ...SIGN_WAIT], env());
  await arrives;
  expect(r.code, r.stderr).toBe(0);
  return r;
}

function prepareTree(host: string, packages: string): string[] {
  return [
    `  task: origin:prepare ${host}`,
    `    task: remote:distribution ${host}`,
    `    task: remote:arch ${host}`,
    `    task: remote:timezone ${host} UTC`,
    `    task: remote:hostname ${host}`,
    `    task: remote:yum:install ${host} ${packages}`,
    `    task: remote:firewall:service ${host} ssh`,
    `    task: remote:firewall:enable ${host}`,
    `    task: remote:firewall:start ${host}`,
    `    task: remote:available ${host}`,
  ];
}

function agentTail(host: string, service: string, ca: string): string[] {
  return [
    `  task: puppet:agent:set_server ${host} ${MASTER}`,
    `  task: puppet:agent:enable_logging ${host}`,
    `  task: remote:service:enable ${host} ${service}`,
    `  task: remote:service:start ${host} ${service}`,
    `  task: puppet:config ${host} certname`,
    `  task: puppet:cert:sign ${ca} ${CERTNAME}`,
    `  task: puppet:cert:list ${ca} ${CERTNAME}`,
  ];
}

describe('origin:puppetclient', () => {
  it('enrols a Puppet 3 agent on Fedora 19 and signs its request once it arrives on the master', async () => {
    client.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: CERTNAME } });
    master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    master.installed('puppet', 'puppet-server');
    master.caEntry('signed', 'puppet.example.org');
    const arrives = requestWhileSigning(client, master, 'puppetagent', CERTNAME);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, ...SIGN_WAIT], env());
    await arrives;
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetclient ${CLIENT} ${MASTER}`,
      `  task: remote:available ${CLIENT}`,
      ...prepareTree(CLIENT, 'puppet facter rsyslog firewalld augeas'),
      ...agentTail(CLIENT, 'puppetagent', MASTER),
    ]);
    expect(r.stderr).toContain(
      `  - ${CLIENT}: fedora 19's Puppet 3.1.1 (the default: the distribution carries it; its master ${MASTER} runs Puppet 3.1.1 (the distribution's packages))\n`,
    );
    const probe = probeCalls(client, { version: '3.1.1', manager: 'rpm' });
    expect(client.commands()).toEqual([
      ...probeCalls(client),
      'yum -q list available puppet puppet-server puppetserver',
      'timedatectl set-timezone UTC',
      'hostname',
      'yum -y install puppet facter rsyslog firewalld augeas',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
      ...probe,
      // Puppet 3.1 has no `config set`: augtool.
      `augtool -s set /files/etc/puppet/puppet.conf/main/server "${MASTER}"`,
      'install -m 0644 -o root -g root TMP /etc/rsyslog.d/puppet.conf',
      'touch /var/log/puppet.log',
      'systemctl restart rsyslog',
      'systemctl enable puppetagent',
      'systemctl start puppetagent',
      // Puppet 3.1's config face has no --section; --configprint gives the agent's own view.
      'puppet agent --configprint certname',
    ]);
    // On the master: its Puppet, then lists until the request shows, one sign, the check.
    const onMaster = withoutProbes(master.commands());
    const lists = onMaster.filter((c) => c === 'puppet cert list --all').length;
    expect(lists).toBeGreaterThanOrEqual(3);
    expect(onMaster).toEqual([...Array<string>(lists - 1).fill('puppet cert list --all'), `puppet cert sign ${CERTNAME}`, 'puppet cert list --all']);
    expect(master.caState()).toEqual([`signed puppet.example.org ${master.caState()[0]!.split(' ')[2]}`, `signed ${CERTNAME} ${FP2}`]);
    expect(r.stdout).toBe(`${CERTNAME} ${FP2}\n`);
  });

  it("enrols a Debian 12 agent of a Debian 12 master from Debian's own packages: no repository at all", async () => {
    const r = await enrolUnderDebianMaster('debian12', { version: '7.23.0', layout: 'distribution' });
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetclient ${CLIENT} ${MASTER}`,
      `  task: remote:available ${CLIENT}`,
      ...prepareTree(CLIENT, 'puppet-agent rsyslog ufw augeas-tools'),
      ...agentTail(CLIENT, 'puppet', MASTER),
    ]);
    const onClient = client.commands();
    expect(onClient.filter((c) => /apt\.puppet\.com|voxpupuli|release/.test(c))).toEqual([]);
    expect(onClient).toContain(`puppet config set --section main server ${MASTER}`);
    expect(master.commands().filter((c) => c.startsWith('puppetserver ca sign'))).toEqual([`puppetserver ca sign --certname ${CERTNAME}`]);
  });

  it("enrols a RHEL 9 agent of a Debian 12 master (Puppet 7) with OpenVox 7: the master's major, the agent's best source", async () => {
    const r = await enrolUnderDebianMaster('rhel9', { version: '7.37.2', layout: 'aio' });
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetclient ${CLIENT} ${MASTER}`,
      `  task: remote:available ${CLIENT}`,
      `  task: puppet:repo ${CLIENT}`,
      ...prepareTree(CLIENT, 'openvox-agent rsyslog firewalld augeas'),
      ...agentTail(CLIENT, 'puppet', MASTER),
    ]);
    expect(r.stderr).toContain(
      `  - ${CLIENT}: OpenVox 7 (the default: the distribution has none that fits; its master ${MASTER} runs Puppet 7.23.0 (the distribution's packages))\n`,
    );
    const onClient = withoutProbes(client.commands());
    expect(onClient.slice(0, 4)).toEqual([
      'dnf -q list --available puppet puppet-server puppetserver',
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n openvox7-release',
      'dnf -y install https://yum.voxpupuli.org/openvox7-release-el-9.noarch.rpm',
      'timedatectl set-timezone UTC',
    ]);
    expect(onClient).toContain('dnf -y install openvox-agent rsyslog firewalld augeas');
    expect(onClient.slice(-3)).toEqual(['systemctl enable puppet', 'systemctl start puppet', 'puppet config print certname']);
  });

  it("stops before touching the agent when nothing publishes its master's Puppet for it (Fedora 42 under Puppet 7)", async () => {
    client.reset({ distribution: 'fedora42', puppet: { version: '8.10.0', layout: 'distribution', certname: CERTNAME } });
    debianMaster();
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no Puppet agent of Puppet 7 for fedora 42 (its master ${MASTER} runs Puppet 7.23.0 (the distribution's packages))`);
    expect(r.stderr).toMatch(/fedora 42's Puppet 8\.10\.0/);
    // Only questions were asked of the agent host.
    expect(withoutProbes(client.commands())).toEqual(['dnf -q list --available puppet puppet-server puppetserver']);
    expect(withoutProbes(master.commands())).toEqual([]);
  });

  it('refuses an agent newer than its master, and --puppet newer than the master', async () => {
    client.reset({ distribution: 'debian12', puppet: { version: '8.10.0', layout: 'distribution', certname: CERTNAME } });
    client.installed('puppet-agent');
    debianMaster();
    let r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${CLIENT} has Puppet 8.10.0 (the distribution's packages), newer than its master ${MASTER}`);
    r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--puppet', '8'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a server never serves a newer agent');
    expect(withoutProbes(client.commands())).toEqual([]);
  });

  it('points the agent at a separate CA (--ca-server) and signs there', async () => {
    client.reset({ distribution: 'rhel9', puppet: { version: '8.28.1', layout: 'aio', certname: CERTNAME } });
    client.installed('openvox-agent', 'openvox8-release');
    master.reset({ distribution: 'rhel9', puppet: { version: '8.28.1', layout: 'aio' } });
    master.installed('openvox-server');
    const arrives = requestWhileSigning(client, master, 'puppet', CERTNAME);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--ca-server', CA, ...SIGN_WAIT], env());
    await arrives;
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr).slice(-7)).toEqual(agentTail(CLIENT, 'puppet', CA));
    // Already installed: no repository step.
    expect(echoes(r.stderr)).not.toContain(`  task: puppet:repo ${CLIENT}`);
    expect(r.stderr).toContain(`  - ${CLIENT}: OpenVox 8.28.1 (OpenVox) (already installed)\n`);
    expect(client.commands().filter((c) => c.startsWith('puppet config set'))).toEqual([
      `puppet config set --section main server ${MASTER}`,
      `puppet config set --section main ca_server ${CA}`,
    ]);
    expect(master.caState()).toEqual([`signed ${CERTNAME} ${FP2}`]);
  });

  it('--autosign puts the secret into the request before the agent service starts', async () => {
    client.reset({ distribution: 'debian12', puppet: { version: '7.23.0', layout: 'distribution', certname: CERTNAME } });
    debianMaster();
    master.caEntry('signed', CERTNAME, FP2);
    const e = env();
    // The secret origin:puppetmaster --autosign left on this workstation.
    const secret = 'shared-secret-for-autosign-0123';
    mkdirSync(`${e.HOME}/.origin-setup/autosign`, { recursive: true });
    writeFileSync(`${e.HOME}/.origin-setup/autosign/${MASTER}.secret`, `${secret}\n`, { mode: 0o600 });
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--autosign', '--json'], e);
    expect(r.code, r.stderr).toBe(0);
    const tasks = echoes(r.stderr);
    expect(tasks.indexOf(`  task: puppet:agent:csr_attributes ${CLIENT} ${MASTER}`)).toBeGreaterThan(
      tasks.indexOf(`  task: puppet:agent:set_server ${CLIENT} ${MASTER}`),
    );
    expect(tasks.indexOf(`  task: puppet:agent:csr_attributes ${CLIENT} ${MASTER}`)).toBeLessThan(
      tasks.indexOf(`  task: remote:service:start ${CLIENT} puppet`),
    );
    expect(client.commands()).toContain('install -m 0600 -o root -g root TMP /etc/puppet/csr_attributes.yaml');
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'already-signed' });
    expect(`${r.stdout}${r.stderr}${client.sshd.readCallLog()}`).not.toContain(secret);
  });

  it('fails when no request ever arrives, and signs nothing', async () => {
    client.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: CERTNAME } });
    master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    master.installed('puppet-server');
    master.caEntry('pending', 'other.example.org');
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--sign-timeout', '20'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: timed out after 20s waiting for a certificate request from ${CERTNAME} on ${MASTER}`));
    expect(echoes(r.stderr).at(-1)).toBe(`  task: puppet:cert:sign ${MASTER} ${CERTNAME}`);
    const onMaster = master.commands();
    expect(onMaster.filter((c) => c === 'puppet cert list --all').length).toBeGreaterThanOrEqual(2);
    expect(onMaster.some((c) => c.startsWith('puppet cert sign'))).toBe(false);
    expect(master.caState()).toEqual([`pending other.example.org ${master.caState()[0]!.split(' ')[2]}`]);
    expect(r.stdout).toBe('');
  });

  it('accepts a certificate already signed (a repeated run) and confirms it', async () => {
    client.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: CERTNAME } });
    client.installed('puppet', 'facter');
    master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    master.installed('puppet-server');
    master.caEntry('signed', CERTNAME, FP2);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(master.commands().some((c) => c.startsWith('puppet cert sign'))).toBe(false);
    expect(JSON.parse(r.stdout)).toMatchObject({
      host: CLIENT,
      master: MASTER,
      ca: MASTER,
      certname: CERTNAME,
      service: 'puppetagent',
      action: 'already-signed',
      fingerprint: FP2,
    });
  });

  it('stops before touching the agent host when the master has no Puppet to sign with', async () => {
    client.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: CERTNAME } });
    master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${MASTER} has no Puppet installed, so it cannot sign the certificate of ${CLIENT}`);
    expect(r.stderr).toContain(`origin-setup origin:puppetmaster ${MASTER}`);
    expect(echoes(r.stderr)).toEqual([`task: origin:puppetclient ${CLIENT} ${MASTER}`, `  task: remote:available ${CLIENT}`]);
    expect(client.commands()).toEqual([]);
    expect(master.commands()).toEqual(probeCalls(master));
  });

  it('--dry-run changes nothing and neither waits for nor signs a request', async () => {
    client.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: CERTNAME } });
    master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    master.installed('puppet-server');
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--dry-run'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`  - dry run: would wait for the certificate request of ${CLIENT} on ${MASTER}, sign it and check it\n`);
    expect(r.stderr).toContain(`would run on ${CLIENT}: sudo -n sh -c 'systemctl start puppetagent'`);
    expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:service:start ${CLIENT} puppetagent`);
    expect(withoutProbes(master.commands())).toEqual([]);
    expect(
      withoutProbes(client.commands()).every((c) =>
        ['yum -q list available puppet puppet-server puppetserver', 'hostname', 'systemctl is-active firewalld'].includes(c),
      ),
    ).toBe(true);
    expect(r.stdout).toBe('');
  });

  it('fails mid-flow with exit 1 naming the command when the agent service does not start', async () => {
    client.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: CERTNAME } });
    master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    master.installed('puppet-server');
    client.sshd.standIn('systemctl', {
      script: 'if [ "$1 $2" = "start puppetagent" ]; then echo "Job for puppetagent.service failed." >&2; exit 1; fi\nexit 0\n',
    });
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*systemctl start puppetagent.* exited 1: Job for puppetagent.service failed/);
    expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:service:start ${CLIENT} puppetagent`);
    expect(master.commands().some((c) => c.startsWith('puppet cert'))).toBe(false);
  });

  it('refuses bad input with exit 2 before connecting', async () => {
    const before = client.sshd.logins();
    for (const argv of [
      ['origin:puppetclient', CLIENT, MASTER, '--source', 'rpmfusion'],
      ['origin:puppetclient', CLIENT, MASTER, '--puppet', '5'],
    ]) {
      const r = await runCli(argv, env());
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect(client.sshd.logins()).toBe(before);
  });
});
