// origin:puppetmaster as a whole flow against the real test sshd: the echo tree and the
// remote commands, in order, with no flags on the seed's Fedora 19 (its own Puppet 3),
// Debian 12 (its own Puppet 7) and RHEL 9 (OpenVox 8), and what the flags change.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { Runner } from '../../src/engine/runner.js';
import { runCli } from '../support/cli.js';
import { echoes, probeCalls, startWorld, withoutProbes, worldEnv, type World } from './flow-world.js';

let world: World;
const MASTER = 'master.test';
const SITE = 'https://github.com/markllama/origin-puppet.git';

beforeAll(async () => {
  world = await startWorld({ hosts: [MASTER], distribution: 'fedora19' });
});
afterAll(async () => world?.sshd.stop());

/** The puppetmaster echo tree after the Puppet is chosen, for a package list and a service. */
function tree(o: { packages: string; service: string; siterepo: boolean; modules?: boolean }): string[] {
  return [
    `  task: origin:prepare ${MASTER}`,
    `    task: remote:distribution ${MASTER}`,
    `    task: remote:arch ${MASTER}`,
    `    task: remote:timezone ${MASTER} UTC`,
    `    task: remote:hostname ${MASTER}`,
    `    task: remote:yum:install ${MASTER} ${o.packages}`,
    `    task: remote:firewall:service ${MASTER} ssh`,
    `    task: remote:firewall:enable ${MASTER}`,
    `    task: remote:firewall:start ${MASTER}`,
    `    task: remote:available ${MASTER}`,
    `  task: puppet:master:join_group ${MASTER}`,
    `  task: puppet:master:siteroot ${MASTER} /var/lib/puppet/site`,
    ...(o.siterepo ? [`  task: remote:git:clone ${MASTER} ${SITE}`, `  task: remote:git:submodule:update ${MASTER} /var/lib/puppet/site`] : []),
    `  task: puppet:master:configure ${MASTER}`,
    `  task: puppet:master:enable_logging ${MASTER}`,
    ...(o.modules === false ? [] : [`  task: puppet:module:install ${MASTER} puppetlabs-ntp`]),
    `  task: remote:firewall:port ${MASTER} 8140/tcp`,
    `  task: remote:service:start ${MASTER} ${o.service}`,
    `  task: remote:service:enable ${MASTER} ${o.service}`,
  ];
}

describe('origin:puppetmaster', () => {
  it("builds the seed's Puppet 3 master on Fedora 19 with no flags: the distribution's puppet-server, augtool, puppetmaster", async () => {
    world.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', SITE], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      ...tree({ packages: 'puppet-server git rsyslog firewalld augeas', service: 'puppetmaster', siterepo: true }),
    ]);
    expect(r.stderr).toContain(`  - ${MASTER}: fedora 19's Puppet 3.1.1 (the default: the distribution carries it)\n`);
    const user = world.sshd.user;
    const probe = probeCalls(world, { version: '3.1.1', manager: 'rpm' });
    expect(world.commands()).toEqual([
      // what is there, and what the distribution offers of the Puppet package names
      ...probeCalls(world),
      'yum -q list available puppet puppet-server puppetserver',
      // origin:prepare
      'timedatectl set-timezone UTC',
      'hostname',
      'yum -y install puppet-server git rsyslog firewalld augeas',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
      // what got installed, asked of Puppet itself
      ...probe,
      // the master
      `usermod -a -G puppet ${user}`,
      'mkdir -p /var/lib/puppet/site',
      `chown ${user}:puppet /var/lib/puppet/site`,
      'chmod g+ws /var/lib/puppet/site',
      `git clone --quiet -- ${SITE} /var/lib/puppet/site`,
      'git -C /var/lib/puppet/site submodule --quiet update --init --recursive',
      // Puppet 3.1 has no `config set` (3.5 brought it): augtool, with Puppet's own modulepath first
      'augtool -s set /files/etc/puppet/puppet.conf/main/modulepath "/etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifestdir "/var/lib/puppet/site/manifests"',
      'augtool -s set /files/etc/puppet/puppet.conf/main/manifest "/var/lib/puppet/site/manifests/site.pp"',
      'mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests',
      // read back: Puppet now reads the site manifest
      ...probe,
      'install -m 0644 -o root -g root TMP /etc/rsyslog.d/puppet-master.conf',
      'touch /var/log/puppet-master.log',
      'systemctl restart rsyslog',
      'puppet module install puppetlabs-ntp',
      'systemctl is-active firewalld',
      'firewall-cmd --add-port 8140/tcp',
      'firewall-cmd --permanent --add-port 8140/tcp',
      'systemctl start puppetmaster',
      'systemctl enable puppetmaster',
    ]);
    expect(r.stdout).toBe(`${MASTER} puppetmaster\n`);
  });

  it("builds a Debian 12 master on Debian's own Puppet 7 with no flags: /etc/puppet layout, production made, packaged modules kept", async () => {
    world.reset({ distribution: 'debian12', puppet: { version: '7.23.0', layout: 'distribution', certname: 'puppet.example.org' } });
    const r = await runCli(['origin:puppetmaster', MASTER, '--json'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      ...tree({ packages: 'puppetserver git rsyslog ufw augeas-tools', service: 'puppetserver', siterepo: false }),
    ]);
    expect(r.stderr).toContain(`  - ${MASTER}: debian 12's Puppet 7.23.0 (the default: the distribution carries it)\n`);
    const commands = world.commands();
    expect(withoutProbes(commands).slice(0, 3)).toEqual([
      'apt-get -q update',
      'apt-cache policy puppet-agent puppet puppetserver puppetmaster puppet-master',
      'timedatectl set-timezone UTC',
    ]);
    expect(commands).toContain('apt-get -y install puppetserver git rsyslog ufw augeas-tools');
    // Nothing from Puppet's own repositories, nothing in /etc/puppetlabs or /opt/puppetlabs.
    expect(commands.filter((c) => /apt\.puppet\.com|voxpupuli|\/etc\/puppetlabs|\/opt\/puppetlabs/.test(c))).toEqual([]);
    expect(commands.filter((c) => c.startsWith('puppet config set'))).toEqual([
      // `puppetserver ca` reaches the CA at `server`: the master names itself.
      'puppet config set --section main server puppet.example.org',
      'puppet config set --section server basemodulepath /var/lib/puppet/site/modules:/etc/puppet/code/modules:/usr/share/puppet/modules',
      'puppet config set --section main default_manifest /var/lib/puppet/site/manifests/site.pp',
    ]);
    // Debian's packages have no production environment: without it default_manifest is ignored.
    expect(commands).toContain('mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests /etc/puppet/code/environments/production');
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ host: MASTER, service: 'puppetserver', puppet: "Puppet 7.23.0 (the distribution's packages)" });
    expect(commands.slice(-2)).toEqual(['systemctl start puppetserver', 'systemctl enable puppetserver']);
  });

  it('builds an OpenVox 8 master on RHEL 9 with no flags: its release package first, then openvox-server', async () => {
    world.reset({ distribution: 'rhel9', puppet: { version: '8.28.1', layout: 'aio', certname: 'puppet.example.org' } });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', SITE, '--hostname', 'puppet.example.org'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      `  task: puppet:repo ${MASTER}`,
      ...tree({ packages: 'openvox-server git rsyslog firewalld augeas', service: 'puppetserver', siterepo: true }).map((l) =>
        l === `    task: remote:hostname ${MASTER}` ? `    task: remote:hostname ${MASTER} puppet.example.org` : l,
      ),
    ]);
    expect(r.stderr).toContain(`  - ${MASTER}: OpenVox 8 (the default: the distribution has none that fits)\n`);
    const commands = world.commands();
    const at = (c: string) => {
      const i = commands.indexOf(c);
      expect(i, `${c} in ${commands.join('\n')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // The distribution was asked first (dnf, targeted), then the repository came before the package that needs it.
    expect(at('dnf -q list --available puppet puppet-server puppetserver')).toBeLessThan(
      at('dnf -y install https://yum.voxpupuli.org/openvox8-release-el-9.noarch.rpm'),
    );
    expect(at('dnf -y install https://yum.voxpupuli.org/openvox8-release-el-9.noarch.rpm')).toBeLessThan(
      at('dnf -y install openvox-server git rsyslog firewalld augeas'),
    );
    expect(at('hostnamectl set-hostname puppet.example.org')).toBeLessThan(at('dnf -y install openvox-server git rsyslog firewalld augeas'));
    // OpenVox 8 settings go to the [server] section, the all-in-one layout as Puppet reported it.
    expect(commands.filter((c) => c.startsWith('puppet config set'))).toEqual([
      'puppet config set --section main server puppet.example.org',
      'puppet config set --section server basemodulepath /var/lib/puppet/site/modules:/etc/puppetlabs/code/modules:/opt/puppetlabs/puppet/modules',
      'puppet config set --section main default_manifest /var/lib/puppet/site/manifests/site.pp',
    ]);
    expect(commands).toContain('mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests /etc/puppetlabs/code/environments/production');
    expect(commands.slice(-5)).toEqual([
      'systemctl is-active firewalld',
      'firewall-cmd --add-port 8140/tcp',
      'firewall-cmd --permanent --add-port 8140/tcp',
      'systemctl start puppetserver',
      'systemctl enable puppetserver',
    ]);
    expect(commands.some((c) => c.includes('puppetmaster') || c.includes('yum.puppet.com'))).toBe(false);
  });

  it('takes OpenVox 8 where the distribution has no server (Fedora 42) or none that can serve (Ubuntu 22.04: Puppet 5)', async () => {
    for (const [distribution, url, pkg] of [
      [
        'fedora42',
        'dnf -y install https://yum.voxpupuli.org/openvox8-release-fedora-42.noarch.rpm',
        'dnf -y install openvox-server git rsyslog firewalld augeas',
      ],
      [
        'ubuntu2204',
        'apt-get -y install /var/cache/origin-setup/openvox8-release-ubuntu22.04.deb',
        'apt-get -y install openvox-server git rsyslog ufw augeas-tools',
      ],
    ] as const) {
      world.reset({ distribution, puppet: { version: '8.28.1', layout: 'aio' } });
      const r = await runCli(['origin:puppetmaster', MASTER, '--no-forge'], worldEnv(world));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`  - ${MASTER}: OpenVox 8 (the default: the distribution has none that fits)\n`);
      expect(world.commands(), distribution).toContain(url);
      expect(world.commands(), distribution).toContain(pkg);
      expect(echoes(r.stderr)).not.toContain(`  task: puppet:module:install ${MASTER} puppetlabs-ntp`);
    }
  });

  it('--source and --puppet choose otherwise: OpenVox 7 on RHEL 9; the distribution on RHEL 9 is refused before anything changes', async () => {
    world.reset({ distribution: 'rhel9', puppet: { version: '7.37.2', layout: 'aio' } });
    let r = await runCli(['origin:puppetmaster', MASTER, '--source', 'openvox', '--puppet', '7', '--no-forge'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`  - ${MASTER}: OpenVox 7 (from --source openvox; --puppet 7)\n`);
    expect(world.commands()).toContain('dnf -y install https://yum.voxpupuli.org/openvox7-release-el-9.noarch.rpm');
    // --source openvox needs no answer from the distribution.
    expect(world.commands().some((c) => c.startsWith('dnf -q list'))).toBe(false);

    world.reset({ distribution: 'rhel9', puppet: { version: '8.28.1', layout: 'aio' } });
    r = await runCli(['origin:puppetmaster', MASTER, '--source', 'distribution'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: no Puppet server from the distribution's packages for rhel 9.4");
    expect(r.stderr).toMatch(/what would work: OpenVox 8 \(--source openvox --puppet 8\)/);
    // Only questions were asked: nothing installed, nothing configured.
    expect(withoutProbes(world.commands())).toEqual(['dnf -q list --available puppet puppet-server puppetserver']);

    // OpenVox publishes nothing for the seed's Fedora 19: refused before any change, naming its own Puppet 3.
    world.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    r = await runCli(['origin:puppetmaster', MASTER, '--source', 'openvox'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no Puppet server from OpenVox for fedora 19');
    expect(r.stderr).toContain("what would work: fedora 19's Puppet 3.1.1 (--source distribution)");
    expect(withoutProbes(world.commands())).toEqual(['yum -q list available puppet puppet-server puppetserver']);
  });

  it('Puppet Core needs a Forge key: without one the run stops before any change and names both places; the key is never printed', async () => {
    world.reset({ distribution: 'rhel9', puppet: { version: '8.10.0', layout: 'aio' } });
    let r = await runCli(['origin:puppetmaster', MASTER, '--source', 'puppetcore'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Puppet Core needs a Forge API key');
    expect(r.stderr).toContain('PuppetCoreKey');
    expect(r.stderr).toContain('PUPPET_CORE_KEY');
    expect(withoutProbes(world.commands())).toEqual([]);

    const key = 'forge-api-key-0123456789abcdef';
    world.reset({ distribution: 'rhel9', puppet: { version: '8.10.0', layout: 'aio' } });
    r = await runCli(
      ['origin:puppetmaster', MASTER, '--source', 'puppetcore', '--no-forge', '--verbose', '--debug'],
      worldEnv(world, { extra: { PUPPET_CORE_KEY: key } }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(world.commands()).toContain('dnf -y install https://yum-puppetcore.puppet.com/public/puppet8-release-el-9.noarch.rpm');
    expect(world.commands()).toContain('dnf -y install puppetserver git rsyslog firewalld augeas');
    expect(`${r.stdout}${r.stderr}${world.sshd.readCallLog()}`).not.toContain(key);
  });

  it('keeps the Puppet a host already has (a repeated run): no repository, the same packaging', async () => {
    world.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    world.installed('puppet', 'puppet-server');
    const r = await runCli(['origin:puppetmaster', MASTER], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`  - ${MASTER}: Puppet 3.1.1 (the distribution's packages) (already installed)\n`);
    expect(echoes(r.stderr).slice(0, 3)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      `  task: origin:prepare ${MASTER}`,
    ]);
    expect(world.commands()).toContain('yum -y install puppet-server git rsyslog firewalld augeas');
    expect(world.commands().at(-1)).toBe('systemctl enable puppetmaster');
  });

  it("follows the host's Puppet over --puppet, and refuses a second packaging beside it", async () => {
    // Fedora 38's own Puppet 7 at /usr/bin, and --puppet 8: say so, and keep using /usr/bin.
    world.reset({ distribution: 'fedora42', puppet: { version: '7.23.0', layout: 'distribution' } });
    world.installed('puppet');
    let r = await runCli(['origin:puppetmaster', MASTER, '--puppet', '8', '--source', 'distribution', '--no-forge'], worldEnv(world));
    expect(r.stderr).toContain(`${MASTER} has Puppet 7.23.0 (the distribution's packages), not Puppet 8 (--puppet 8); keeping what is installed`);
    expect(world.commands().some((c) => c.includes('/opt/puppetlabs'))).toBe(false);
    // The distribution has no server for that Puppet: said plainly, nothing mixed in.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('one host never mixes two packagings');

    world.reset({ distribution: 'debian12', puppet: { version: '7.23.0', layout: 'distribution' } });
    world.installed('puppet-agent');
    r = await runCli(['origin:puppetmaster', MASTER, '--source', 'openvox'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: ${MASTER} already has Puppet 7.23.0 (the distribution's packages); --source openvox would put a second packaging beside it`,
    );
    expect(withoutProbes(world.commands())).toEqual([]);
  });

  it('--autosign sets up policy signing before the service starts', async () => {
    world.reset({ distribution: 'debian12', puppet: { version: '7.23.0', layout: 'distribution', certname: 'puppet.example.org' } });
    const env = worldEnv(world);
    const r = await runCli(['origin:puppetmaster', MASTER, '--autosign', '--no-forge'], env);
    expect(r.code, r.stderr).toBe(0);
    const tasks = echoes(r.stderr);
    expect(tasks.indexOf(`  task: puppet:master:autosign ${MASTER}`)).toBeGreaterThan(tasks.indexOf(`  task: puppet:master:configure ${MASTER}`));
    expect(tasks.indexOf(`  task: puppet:master:autosign ${MASTER}`)).toBeLessThan(tasks.indexOf(`  task: remote:service:start ${MASTER} puppetserver`));
    const commands = world.commands();
    expect(commands).toContain('puppet config set --section server autosign /etc/puppet/autosign-policy.sh');
    expect(commands).toContain('install -m 0600 -o puppet -g puppet TMP /etc/puppet/autosign-secret');
  });

  it('runs origin:prepare once per run: asking again with the same arguments reuses the result', async () => {
    world.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    let runner: Runner | undefined;
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (d) => (err += d));
    const env = worldEnv(world);
    const code = await main(['origin:puppetmaster', MASTER, '--verbose'], {
      stdout: new PassThrough(),
      stderr,
      env,
      cwd: env.HOME!,
      onRunner: (x) => (runner = x),
    });
    expect(code, err).toBe(0);
    // Inside the flow: the master asks for ssh in the firewall again; origin:prepare already did it.
    expect(err).toContain(`  - remote:firewall:service ${MASTER} ssh: already run, reusing its result\n`);
    expect(world.commands().filter((c) => c === 'firewall-cmd --add-service ssh')).toHaveLength(1);
    const installs = () => world.commands().filter((c) => c.startsWith('yum -y install'));
    expect(installs()).toEqual(['yum -y install puppet-server git rsyslog firewalld augeas']);
    const calls = world.commands().length;
    // What a user would type for the same preparation: the same canonical arguments.
    const again = await runner!.invoke(0, 'origin:prepare', [MASTER], { packages: ['puppet-server', 'git', 'rsyslog'] });
    expect(again).toMatchObject({ host: MASTER, distribution: 'fedora 19', packages: ['puppet-server', 'git', 'rsyslog', 'firewalld', 'augeas'] });
    expect(world.commands().length).toBe(calls);
    expect(echoes(err).filter((l) => l.includes('origin:prepare'))).toEqual([`  task: origin:prepare ${MASTER} --packages puppet-server git rsyslog`]);
    // --verbose shows what Puppet itself reported.
    expect(err).toContain(
      `${MASTER}: Puppet 3.1.1 (the distribution's packages): ${world.sshd.dir}/bin/puppet, config /etc/puppet/puppet.conf, ssldir /var/lib/puppet/ssl, manifest /var/lib/puppet/site/manifests/site.pp`,
    );
  });

  it('stops at the first failing step with exit 1, naming the command, and opens no port after it', async () => {
    world.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    world.sshd.standIn('git', { stderr: "fatal: repository 'https://example.org/missing.git/' not found\n", exit: 128 });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', 'https://example.org/missing.git'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*git clone --quiet -- https:\/\/example\.org\/missing\.git \/var\/lib\/puppet\/site.* exited 128: fatal: repository/);
    expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:git:clone ${MASTER} https://example.org/missing.git`);
    const commands = world.commands();
    expect(commands.some((c) => c.startsWith('augtool') || c.startsWith('puppet config set'))).toBe(false);
    expect(commands.some((c) => c.includes('8140'))).toBe(false);
    expect(commands.some((c) => c.includes('puppetmaster'))).toBe(false);
    expect(r.stdout).toBe('');
  });

  it('--dry-run shows every change as a would-run line and runs only read-only probes', async () => {
    world.reset({ distribution: 'rhel9', puppet: { version: '8.28.1', layout: 'aio' } });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', SITE, '--dry-run'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    // Only what changes nothing ran: the probes for Puppet, the package offer, the release package, the name, the firewall state.
    expect(withoutProbes(world.commands())).toEqual([
      'dnf -q list --available puppet puppet-server puppetserver',
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n openvox8-release',
      'hostname',
      'systemctl is-active firewalld',
      'systemctl is-active firewalld',
    ]);
    const wouldRun = r.stderr
      .split('\n')
      .filter((l) => l.includes('would run on'))
      .map((l) => l.replace(/^.*would run on master\.test: /, ''));
    const order = [
      "sudo -n sh -c 'dnf -y install https://yum.voxpupuli.org/openvox8-release-el-9.noarch.rpm'",
      "sudo -n sh -c 'dnf -y install openvox-server git rsyslog firewalld augeas'",
      `git clone --quiet -- ${SITE} /var/lib/puppet/site`,
      // Planned from the all-in-one layout, since nothing is installed to ask.
      "sudo -n sh -c '/opt/puppetlabs/bin/puppet config set --section main default_manifest /var/lib/puppet/site/manifests/site.pp'",
      "sudo -n sh -c 'firewall-cmd --add-port 8140/tcp'",
      "sudo -n sh -c 'systemctl start puppetserver'",
      "sudo -n sh -c 'systemctl enable puppetserver'",
    ].map((c) => wouldRun.indexOf(c));
    expect(
      order.every((i) => i >= 0),
      wouldRun.join('\n'),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.stderr).toContain('would upload');
  });

  it('refuses bad options with exit 2 before connecting', async () => {
    world.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    const before = world.sshd.logins();
    for (const argv of [
      ['origin:puppetmaster', MASTER, '--puppet', '6'],
      ['origin:puppetmaster', MASTER, '--source', 'epel'],
      ['origin:puppetmaster', MASTER, '--siterepo', '--upload-pack=touch /tmp/x'],
      ['origin:puppetmaster', MASTER, '--siteroot', 'relative/site'],
      ['origin:puppetmaster', MASTER, '--modules', 'puppetlabs-ntp', 'x;reboot'],
    ]) {
      const r = await runCli(argv, worldEnv(world));
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error: [^\n]+\nusage: /);
    }
    expect(world.sshd.logins()).toBe(before);
  });
});
