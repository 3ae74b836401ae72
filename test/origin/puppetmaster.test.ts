// origin:puppetmaster as a whole flow against the real test sshd: the echo tree and the
// remote commands, in order, for the seeds' Puppet 3 on Fedora 19 and Puppet 8 on RHEL 9.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { generationOffered } from '../../src/origin/puppet-flow.js';
import type { Runner } from '../../src/engine/runner.js';
import { runCli } from '../support/cli.js';
import { echoes, startWorld, worldEnv, type World } from './flow-world.js';

let world: World;
const MASTER = 'master.test';
const SITE = 'https://github.com/markllama/origin-puppet.git';

beforeAll(async () => {
  world = await startWorld({ hosts: [MASTER], distribution: 'fedora19' });
});
afterAll(async () => world?.sshd.stop());

/** The puppetmaster echo tree after the generation is chosen, for a package list and a service. */
function tree(o: { packages: string; service: string; siterepo: boolean }): string[] {
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
    `  task: puppet:module:install ${MASTER} puppetlabs-ntp`,
    `  task: remote:firewall:port ${MASTER} 8140/tcp`,
    `  task: remote:service:start ${MASTER} ${o.service}`,
    `  task: remote:service:enable ${MASTER} ${o.service}`,
  ];
}

describe('origin:puppetmaster', () => {
  it('builds a Puppet 3 master on Fedora 19 in the seed order (puppet-server from the distribution, puppetmaster service)', async () => {
    world.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', available: ['puppet-server.noarch  3.1.1-3.fc19  fedora', 'git.x86_64  1.8.3.1-1.fc19  updates'] });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', SITE], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      `  task: remote:yum:list ${MASTER}`,
      ...tree({ packages: 'puppet-server git firewalld augeas', service: 'puppetmaster', siterepo: true }),
    ]);
    expect(r.stderr).toContain(`  - ${MASTER}: Puppet 3 (from the distribution's repositories)\n`);
    const user = world.sshd.user;
    expect(world.commands()).toEqual([
      // the generation: nothing installed yet, so the distribution's offer decides
      'puppet --version',
      'yum -q list available',
      // origin:prepare
      'timedatectl set-timezone UTC',
      'hostname',
      'yum -y install puppet-server git firewalld augeas',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
      // the master
      `usermod -a -G puppet ${user}`,
      'mkdir -p /var/lib/puppet/site',
      `chown ${user}:puppet /var/lib/puppet/site`,
      'chmod g+ws /var/lib/puppet/site',
      `git clone --quiet -- ${SITE} /var/lib/puppet/site`,
      'git -C /var/lib/puppet/site submodule --quiet update --init --recursive',
      'puppet --version',
      'puppet config set --section main modulepath /etc/puppet/modules:/usr/share/puppet/modules:/var/lib/puppet/site/modules',
      'puppet config set --section main manifestdir /var/lib/puppet/site/manifests',
      'puppet config set --section main manifest /var/lib/puppet/site/manifests/site.pp',
      'mkdir -p /var/lib/puppet/site/modules /var/lib/puppet/site/manifests',
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

  it('builds a Puppet 8 master on RHEL 9: Puppet\'s repository first, then puppetserver', async () => {
    world.reset({ distribution: 'rhel9', puppetVersion: '8.4.0', available: ['git.x86_64  2.43.0-1.el9  appstream'] });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', SITE, '--hostname', 'puppet.example.org'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      `  task: remote:yum:list ${MASTER}`,
      `  task: puppet:repo ${MASTER}`,
      ...tree({ packages: 'puppetserver git firewalld augeas', service: 'puppetserver', siterepo: true }).map((l) =>
        l === `    task: remote:hostname ${MASTER}` ? `    task: remote:hostname ${MASTER} puppet.example.org` : l,
      ),
    ]);
    expect(r.stderr).toContain(`  - ${MASTER}: Puppet 8 (the newest, from Puppet's repository)\n`);
    const commands = world.commands();
    const at = (c: string) => {
      const i = commands.indexOf(c);
      expect(i, `${c} in ${commands.join('\n')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // The repository comes before the package that needs it.
    expect(at('dnf -y install https://yum.puppet.com/puppet8-release-el-9.noarch.rpm')).toBeLessThan(at('dnf -y install puppetserver git firewalld augeas'));
    expect(at('hostnamectl set-hostname puppet.example.org')).toBeLessThan(at('dnf -y install puppetserver git firewalld augeas'));
    // Puppet 8 settings go to the [server] section, through `puppet config set`.
    expect(commands.filter((c) => c.startsWith('puppet config set'))).toEqual([
      'puppet config set --section main server puppet.example.org',
      'puppet config set --section server basemodulepath /var/lib/puppet/site/modules:$codedir/modules:/opt/puppetlabs/puppet/modules',
      'puppet config set --section server default_manifest /var/lib/puppet/site/manifests/site.pp',
    ]);
    expect(commands.slice(-5)).toEqual([
      'systemctl is-active firewalld',
      'firewall-cmd --add-port 8140/tcp',
      'firewall-cmd --permanent --add-port 8140/tcp',
      'systemctl start puppetserver',
      'systemctl enable puppetserver',
    ]);
    expect(commands.some((c) => c.includes('puppetmaster'))).toBe(false);
  });

  it('takes the generation from --puppet without listing packages, and skips the clone without --siterepo', async () => {
    world.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
    const r = await runCli(['origin:puppetmaster', MASTER, '--puppet', '3'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([
      `task: origin:puppetmaster ${MASTER}`,
      `  task: remote:available ${MASTER}`,
      ...tree({ packages: 'puppet-server git firewalld augeas', service: 'puppetmaster', siterepo: false }),
    ]);
    expect(world.commands()).not.toContain('yum -q list available');
    expect(world.commands().some((c) => c.startsWith('git '))).toBe(false);
  });

  it('keeps the Puppet a host already has (a repeated run): no package listing, no repository', async () => {
    world.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', available: ['puppetserver.noarch  8.4.0-1  puppet8'] });
    world.installed('puppet', 'puppet-server');
    const r = await runCli(['origin:puppetmaster', MASTER], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`  - ${MASTER}: Puppet 3.1.1 (already installed)\n`);
    expect(echoes(r.stderr).slice(0, 3)).toEqual([`task: origin:puppetmaster ${MASTER}`, `  task: remote:available ${MASTER}`, `  task: origin:prepare ${MASTER}`]);
    expect(world.commands()).toContain('yum -y install puppet-server git firewalld augeas');
    expect(world.commands().at(-1)).toBe('systemctl enable puppetmaster');
  });

  it('runs origin:prepare once per run: asking again with the same arguments reuses the result', async () => {
    world.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', available: ['puppet-server.noarch  3.1.1-3.fc19  fedora'] });
    let runner: Runner | undefined;
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (d) => (err += d));
    const env = worldEnv(world);
    const code = await main(['origin:puppetmaster', MASTER, '--verbose'], { stdout: new PassThrough(), stderr, env, cwd: env.HOME!, onRunner: (x) => (runner = x) });
    expect(code, err).toBe(0);
    // Inside the flow: the master asks for ssh in the firewall again; origin:prepare already did it.
    expect(err).toContain(`  - remote:firewall:service ${MASTER} ssh: already run, reusing its result\n`);
    expect(world.commands().filter((c) => c === 'firewall-cmd --add-service ssh')).toHaveLength(1);
    const installs = () => world.commands().filter((c) => c.startsWith('yum -y install'));
    expect(installs()).toEqual(['yum -y install puppet-server git firewalld augeas']);
    const calls = world.commands().length;
    // What a user would type for the same preparation: the same canonical arguments.
    const again = await runner!.invoke(0, 'origin:prepare', [MASTER], { packages: ['puppet-server', 'git'] });
    expect(again).toMatchObject({ host: MASTER, distribution: 'fedora 19', packages: ['puppet-server', 'git', 'firewalld', 'augeas'] });
    expect(world.commands().length).toBe(calls);
    expect(echoes(err).filter((l) => l.includes('origin:prepare'))).toEqual([`  task: origin:prepare ${MASTER} --packages puppet-server git`]);
  });

  it('stops at the first failing step with exit 1, naming the command, and opens no port after it', async () => {
    world.reset({ distribution: 'fedora19', puppetVersion: '3.1.1', available: ['puppet-server.noarch  3.1.1-3.fc19  fedora'] });
    world.sshd.standIn('git', { stderr: "fatal: repository 'https://example.org/missing.git/' not found\n", exit: 128 });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', 'https://example.org/missing.git'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*git clone --quiet -- https:\/\/example\.org\/missing\.git \/var\/lib\/puppet\/site.* exited 128: fatal: repository/);
    expect(echoes(r.stderr).at(-1)).toBe(`  task: remote:git:clone ${MASTER} https://example.org/missing.git`);
    const commands = world.commands();
    expect(commands.some((c) => c.startsWith('puppet config set'))).toBe(false);
    expect(commands.some((c) => c.includes('8140'))).toBe(false);
    expect(commands.some((c) => c.includes('puppetmaster'))).toBe(false);
    expect(r.stdout).toBe('');
  });

  it('--dry-run shows every change as a would-run line and runs only read-only probes', async () => {
    world.reset({ distribution: 'rhel9', puppetVersion: '8.4.0' });
    const r = await runCli(['origin:puppetmaster', MASTER, '--siterepo', SITE, '--dry-run'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    // Only what changes nothing ran: the probes for Puppet, the package offer, the release package, the name, the firewall state.
    expect(world.commands()).toEqual([
      'puppet --version',
      'dnf -q list --available',
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n puppet8-release',
      'hostname',
      'systemctl is-active firewalld',
      'puppet --version',
      'puppet --version',
      'systemctl is-active firewalld',
    ]);
    const wouldRun = r.stderr
      .split('\n')
      .filter((l) => l.includes('would run on'))
      .map((l) => l.replace(/^.*would run on master\.test: /, ''));
    const order = [
      "sudo -n sh -c 'dnf -y install https://yum.puppet.com/puppet8-release-el-9.noarch.rpm'",
      "sudo -n sh -c 'dnf -y install puppetserver git firewalld augeas'",
      `git clone --quiet -- ${SITE} /var/lib/puppet/site`,
      "sudo -n sh -c 'firewall-cmd --add-port 8140/tcp'",
      "sudo -n sh -c 'systemctl start puppetserver'",
      "sudo -n sh -c 'systemctl enable puppetserver'",
    ].map((c) => wouldRun.indexOf(c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.stderr).toContain('would upload');
  });

  it('refuses bad options with exit 2 before connecting', async () => {
    world.reset({ distribution: 'fedora19', puppetVersion: '3.1.1' });
    const before = world.sshd.logins();
    for (const argv of [
      ['origin:puppetmaster', MASTER, '--puppet', '6'],
      ['origin:puppetmaster', MASTER, '--siterepo', '--upload-pack=touch /tmp/x'],
      ['origin:puppetmaster', MASTER, '--siteroot', 'relative/site'],
      ['origin:puppetmaster', MASTER, '--modules', 'puppetlabs-ntp', 'x;reboot'],
    ]) {
      const r = await runCli(argv, worldEnv(world));
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect(world.sshd.logins()).toBe(before);
  });
});

describe('generationOffered (what the distribution offers, from remote:yum:list)', () => {
  const offered = (name: string, version: string) => generationOffered([{ name: 'git', version: '2.43.0-1' }, { name, version }]);
  it('reads the server package and its version', () => {
    expect(offered('puppet-server', '3.1.1-3.fc19')).toBe('3');
    expect(offered('puppet-server', '2.7.26-1.el6')).toBe('2.7');
    expect(offered('puppetmaster', '3.8.5-2')).toBe('3');
    expect(offered('puppetserver', '7.9.5-1')).toBe('7');
    expect(offered('puppetserver', '1:8.4.0-1')).toBe('8');
    // puppetserver 2.x served Puppet 4
    expect(offered('puppetserver', '2.8.1-1.el7')).toBe('4');
  });
  it('finds nothing when only agents or unrelated packages are offered', () => {
    expect(offered('puppet', '8.4.0-1.fc40')).toBeUndefined();
    expect(generationOffered([])).toBeUndefined();
  });
});
