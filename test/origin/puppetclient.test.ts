// origin:puppetclient as a whole flow against two real test sshds, one playing the
// agent host and one the master (and, under a second name, a separate CA). The master's
// stand-in CA only shows the agent's request some time after the agent service starts,
// so the flow must wait for it; signing is never blind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { echoes, FP2, requestAfterAgentStart, startWorld, worldEnv, type World } from './flow-world.js';

let client: World;
let master: World;
const CLIENT = 'client.test';
const MASTER = 'master.test';
const CA = 'ca.test';
const CERTNAME = 'broker.example.org';
// Waits run 100x faster: the sign wait (300 s) lasts 3 s, its polls 20-150 ms apart.
const SCALE = { ORIGIN_SETUP_TIME_SCALE: '0.01' };

beforeAll(async () => {
  [client, master] = await Promise.all([
    startWorld({ hosts: [CLIENT], distribution: 'fedora19' }),
    startWorld({ hosts: [MASTER, CA], distribution: 'fedora19' }),
  ]);
});
afterAll(async () => Promise.all([client?.sshd.stop(), master?.sshd.stop()]));

const env = () => worldEnv(client, { other: master, extra: SCALE });

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

describe('origin:puppetclient', () => {
  it('enrols a Puppet 3 agent on Fedora 19 and signs its request once it arrives on the master', async () => {
    client.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', certname: CERTNAME });
    master.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
    master.installed('puppet', 'puppet-server');
    master.caEntry('signed', 'puppet.example.org');
    const arrives = requestAfterAgentStart(client, master, 'puppetagent', CERTNAME, 150);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    await arrives;
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetclient ${CLIENT} ${MASTER}`,
      `  task: remote:available ${CLIENT}`,
      ...prepareTree(CLIENT, 'puppet facter firewalld augeas'),
      `  task: puppet:agent:set_server ${CLIENT} ${MASTER}`,
      `  task: puppet:agent:enable_logging ${CLIENT}`,
      `  task: remote:service:enable ${CLIENT} puppetagent`,
      `  task: remote:service:start ${CLIENT} puppetagent`,
      `  task: puppet:config ${CLIENT} certname`,
      `  task: puppet:cert:sign ${MASTER} ${CERTNAME}`,
      `  task: puppet:cert:list ${MASTER} ${CERTNAME}`,
    ]);
    expect(r.stderr).toContain(`  - ${CLIENT}: Puppet 3 (as on the master ${MASTER})\n`);
    expect(client.commands()).toEqual([
      'puppet --version',
      'timedatectl set-timezone UTC',
      'hostname',
      'yum -y install puppet facter firewalld augeas',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
      'puppet --version',
      `puppet config set --section main server ${MASTER}`,
      'install -m 0644 -o root -g root TMP /etc/rsyslog.d/puppet.conf',
      'touch /var/log/puppet.log',
      'systemctl restart rsyslog',
      'systemctl enable puppetagent',
      'systemctl start puppetagent',
      'puppet config print certname',
    ]);
    // On the master: the generation, then lists until the request shows, one sign, the check.
    const onMaster = master.commands();
    const lists = onMaster.filter((c) => c === 'puppet cert list --all').length;
    expect(lists).toBeGreaterThanOrEqual(3);
    expect(onMaster).toEqual([
      'puppet --version',
      'puppet --version',
      ...Array<string>(lists - 1).fill('puppet cert list --all'),
      `puppet cert sign ${CERTNAME}`,
      'puppet cert list --all',
    ]);
    expect(master.caState()).toEqual([`signed puppet.example.org ${master.caState()[0]!.split(' ')[2]}`, `signed ${CERTNAME} ${FP2}`]);
    expect(r.stdout).toBe(`${CERTNAME} ${FP2}\n`);
  });

  it('enrols a Puppet 8 agent on RHEL 9: the master decides the generation, puppet:repo adds its repository', async () => {
    client.reset({ distribution: 'rhel9', puppetVersion: '8.4.0', certname: CERTNAME });
    master.reset({ distribution: 'rhel9', puppetVersion: '8.4.0' });
    master.installed('puppet-agent', 'puppetserver');
    const arrives = requestAfterAgentStart(client, master, 'puppet', CERTNAME, 150);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    await arrives;
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetclient ${CLIENT} ${MASTER}`,
      `  task: remote:available ${CLIENT}`,
      `  task: puppet:repo ${CLIENT}`,
      ...prepareTree(CLIENT, 'puppet-agent firewalld augeas'),
      `  task: puppet:agent:set_server ${CLIENT} ${MASTER}`,
      `  task: puppet:agent:enable_logging ${CLIENT}`,
      `  task: remote:service:enable ${CLIENT} puppet`,
      `  task: remote:service:start ${CLIENT} puppet`,
      `  task: puppet:config ${CLIENT} certname`,
      `  task: puppet:cert:sign ${MASTER} ${CERTNAME}`,
      `  task: puppet:cert:list ${MASTER} ${CERTNAME}`,
    ]);
    const onClient = client.commands();
    expect(onClient.slice(0, 4)).toEqual([
      'puppet --version',
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n puppet8-release',
      'dnf -y install https://yum.puppet.com/puppet8-release-el-9.noarch.rpm',
      'timedatectl set-timezone UTC',
    ]);
    expect(onClient).toContain('dnf -y install puppet-agent firewalld augeas');
    expect(onClient.slice(-3)).toEqual(['systemctl enable puppet', 'systemctl start puppet', 'puppet config print certname']);
    const onMaster = master.commands();
    expect(onMaster.filter((c) => c.startsWith('puppetserver ca sign'))).toEqual([`puppetserver ca sign --certname ${CERTNAME}`]);
    expect(onMaster.indexOf(`puppetserver ca sign --certname ${CERTNAME}`)).toBeGreaterThan(onMaster.indexOf('puppetserver ca list --all'));
    expect(onMaster.at(-1)).toBe('puppetserver ca list --all');
    expect(onMaster.some((c) => c.startsWith('puppet cert'))).toBe(false);
  });

  it('points the agent at a separate CA (--ca-server) and signs there', async () => {
    client.reset({ distribution: 'rhel9', puppetVersion: '8.4.0', certname: CERTNAME });
    client.installed('puppet-agent', 'puppet8-release');
    master.reset({ distribution: 'rhel9', puppetVersion: '8.4.0' });
    master.installed('puppetserver');
    const arrives = requestAfterAgentStart(client, master, 'puppet', CERTNAME, 50);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--ca-server', CA], env());
    await arrives;
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr).slice(-7)).toEqual([
      `  task: puppet:agent:set_server ${CLIENT} ${MASTER}`,
      `  task: puppet:agent:enable_logging ${CLIENT}`,
      `  task: remote:service:enable ${CLIENT} puppet`,
      `  task: remote:service:start ${CLIENT} puppet`,
      `  task: puppet:config ${CLIENT} certname`,
      `  task: puppet:cert:sign ${CA} ${CERTNAME}`,
      `  task: puppet:cert:list ${CA} ${CERTNAME}`,
    ]);
    // Already installed: no repository step.
    expect(echoes(r.stderr)).not.toContain(`  task: puppet:repo ${CLIENT}`);
    expect(client.commands().filter((c) => c.startsWith('puppet config set'))).toEqual([
      `puppet config set --section main server ${MASTER}`,
      `puppet config set --section main ca_server ${CA}`,
    ]);
    expect(master.caState()).toEqual([`signed ${CERTNAME} ${FP2}`]);
  });

  it('fails when no request ever arrives, and signs nothing', async () => {
    client.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', certname: CERTNAME });
    master.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
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
    client.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', certname: CERTNAME });
    client.installed('puppet', 'facter');
    master.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
    master.installed('puppet-server');
    master.caEntry('signed', CERTNAME, FP2);
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(master.commands().some((c) => c.startsWith('puppet cert sign'))).toBe(false);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: CLIENT, master: MASTER, ca: MASTER, certname: CERTNAME, service: 'puppetagent', action: 'already-signed', fingerprint: FP2 });
  });

  it('stops before touching the agent host when the master has no Puppet to sign with', async () => {
    client.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', certname: CERTNAME });
    master.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${MASTER} has no Puppet installed, so it cannot sign the certificate of ${CLIENT}`);
    expect(r.stderr).toContain(`origin-setup origin:puppetmaster ${MASTER}`);
    expect(echoes(r.stderr)).toEqual([`task: origin:puppetclient ${CLIENT} ${MASTER}`, `  task: remote:available ${CLIENT}`]);
    expect(client.commands()).toEqual(['puppet --version']);
    expect(master.commands()).toEqual(['puppet --version']);
  });

  it('--dry-run changes nothing and neither waits for nor signs a request', async () => {
    client.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', certname: CERTNAME });
    master.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
    master.installed('puppet-server');
    const r = await runCli(['origin:puppetclient', CLIENT, MASTER, '--dry-run'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`  - dry run: would wait for the certificate request of ${CLIENT} on ${MASTER}, sign it and check it\n`);
    expect(r.stderr).toContain(`would run on ${CLIENT}: sudo -n sh -c 'systemctl start puppetagent'`);
    expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:service:start ${CLIENT} puppetagent`);
    expect(master.commands()).toEqual(['puppet --version']);
    expect(client.commands().every((c) => ['puppet --version', 'hostname', 'systemctl is-active firewalld'].includes(c))).toBe(true);
    expect(r.stdout).toBe('');
  });

  it('fails mid-flow with exit 1 naming the command when the agent service does not start', async () => {
    client.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', certname: CERTNAME });
    master.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
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
});
