// remote:yum:*, remote:pkg:* and remote:rpm:version against a real sshd whose
// /etc/os-release each test chooses; the package managers are stand-ins that record
// their arguments and print what a real one would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Sshd, type StandInCall } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';
import { packageSpec } from '../../src/remote/validate.js';

const asRoot = process.getuid?.() === 0;
let sshd: Sshd;
let env: NodeJS.ProcessEnv;

// mkdir is a stand-in here too: the fake sudo runs as the login user, who cannot write /etc.
useTestSshd(
  (s, e) => {
    sshd = s;
    env = e;
  },
  { standIns: ['mkdir'] },
);

/** Calls without the captured stdin, in order. */
const calls = (): Omit<StandInCall, 'stdin'>[] => sshd.calls().map(({ name, args }) => ({ name, args }));
const callsOf = (name: string) =>
  calls()
    .filter((c) => c.name === name)
    .map((c) => c.args);

/** `install` keeps a copy of what it was asked to install, as $HOME/installed.<basename of DEST>. */
function captureInstalls(): void {
  sshd.standIn('install', { script: 'for a; do src=$dest; dest=$a; done; cp "$src" "$HOME/installed.${dest##*/}"' });
}
const installed = (name: string) => readFileSync(join(sshd.remoteHome, `installed.${name}`), 'utf8');

describe('packageSpec', () => {
  it('takes names and package URLs, refuses shell syntax', () => {
    for (const ok of ['puppet-server', 'gcc-c++', 'python3.11', 'lib_x', 'https://example.org/pkgs/x-1.0-1.noarch.rpm']) {
      expect(packageSpec(ok)).toBeUndefined();
    }
    for (const bad of ['git; rm -rf /', '$(touch x)', '-y', 'a b', "it's", 'https://x.org/a b.rpm', 'https://x.org/$(id).rpm', 'ftp://x/y.rpm']) {
      expect(packageSpec(bad)).toBeDefined();
    }
  });
});

describe.skipIf(!asRoot)('packages per distribution', () => {
  it.each([
    ['fedora19', 'yum', ['-y', 'install', 'puppet-server', 'git', 'https://example.org/x-1.0-1.noarch.rpm']],
    ['rhel64', 'yum', ['-y', 'install', 'puppet-server', 'git', 'https://example.org/x-1.0-1.noarch.rpm']],
    ['fedora40', 'dnf', ['-y', 'install', 'puppet-server', 'git', 'https://example.org/x-1.0-1.noarch.rpm']],
  ])('install on %s runs %s through sudo with each package a word', async (distro, manager, args) => {
    sshd.withDistribution(distro);
    const r = await runCli(['remote:yum:install', 'testhost', 'puppet-server', 'git', 'https://example.org/x-1.0-1.noarch.rpm'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('task: remote:yum:install testhost puppet-server git https://example.org/x-1.0-1.noarch.rpm\n');
    expect(calls()).toEqual([
      { name: 'sudo', args: ['-n', 'sh', '-c', `${manager} ${args.join(' ')}`] },
      { name: manager, args },
    ]);
  });

  it('install on Ubuntu refreshes the lists and installs without questions', async () => {
    sshd.withDistribution('ubuntu2204');
    const r = await runCli(['remote:pkg:install', 'testhost', 'puppet', 'augeas-tools'], env);
    expect(r.code).toBe(0);
    expect(callsOf('apt-get')).toEqual([
      ['-q', 'update'],
      ['-y', 'install', 'puppet', 'augeas-tools'],
    ]);
  });

  it('remove and update use the manager of the host', async () => {
    sshd.withDistribution('fedora19');
    expect((await runCli(['remote:yum:remove', 'testhost', 'mcollective', 'puppet-dashboard'], env)).code).toBe(0);
    expect((await runCli(['remote:pkg:update', 'testhost'], env)).code).toBe(0);
    expect(callsOf('yum')).toEqual([
      ['-y', 'remove', 'mcollective', 'puppet-dashboard'],
      ['-y', 'update'],
    ]);
    sshd.clearCalls();
    sshd.withDistribution('fedora40');
    expect((await runCli(['remote:yum:update', 'testhost'], env)).code).toBe(0);
    expect(callsOf('dnf')).toEqual([['-y', 'upgrade']]);
  });

  it('refuses hostile package names with exit 2 before connecting', async () => {
    const before = sshd.logins();
    for (const bad of ['git; touch pwned', '$(touch pwned)', 'a\nb', '`id`', "x'y"]) {
      const r = await runCli(['remote:yum:install', 'testhost', 'git', bad], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/PACKAGES .*not a package name/s);
    }
    expect(sshd.logins()).toBe(before);
    expect(calls()).toEqual([]);
  });

  it('a failing install fails the task with the command, exit code and stderr tail', async () => {
    sshd.withDistribution('fedora19');
    sshd.standIn('yum', { stderr: 'Loaded plugins: langpacks\nNo package nosuch available.\nError: Nothing to do\n', exit: 1 });
    const r = await runCli(['remote:yum:install', 'testhost', 'nosuch'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: testhost: `sudo -n sh -c 'yum -y install nosuch'` exited 1: Loaded plugins: langpacks | No package nosuch available. | Error: Nothing to do",
    );
  });

  it('names the reason a tool printed on stdout, once, at every verbosity', async () => {
    sshd.withDistribution('fedora19');
    // Real yum 3 puts the reason on stdout and only "Nothing to do" on stderr.
    sshd.standIn('yum', { stdout: 'Loaded plugins: langpacks\nNo package nosuch available.\n', stderr: 'Error: Nothing to do\n', exit: 1 });
    for (const flags of [[], ['-v'], ['--debug']]) {
      const r = await runCli(['remote:yum:install', 'testhost', 'nosuch', ...flags], env);
      expect(r.code).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errors).toEqual([
        "error: testhost: `sudo -n sh -c 'yum -y install nosuch'` exited 1: Loaded plugins: langpacks | No package nosuch available. | Error: Nothing to do",
      ]);
      expect(r.stderr.split('No package nosuch available.').length - 1).toBe(1);
    }
  });

  const YUM_LIST = [
    'Installed Packages',
    'augeas-libs.x86_64                     1.1.0-1.fc19                  @updates',
    'bash.x86_64                            4.2.45-1.fc19                 @fedora',
    'puppet.noarch                          3.1.1-5.fc19                  @updates',
    'python-sphinx-theme-openstack.noarch',
    '                                       1.0.0-1.fc19                  @fedora',
    'ruby-libs.x86_64                       2.0.0.353-16.fc19             @updates',
    '',
  ].join('\n');

  it('list parses yum output per line, including names wrapped onto their own line', async () => {
    sshd.withDistribution('fedora19');
    sshd.standIn('yum', { stdout: YUM_LIST });
    const r = await runCli(['remote:yum:list', 'testhost'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'augeas-libs x86_64 1.1.0-1.fc19 @updates',
        'bash x86_64 4.2.45-1.fc19 @fedora',
        'puppet noarch 3.1.1-5.fc19 @updates',
        'python-sphinx-theme-openstack noarch 1.0.0-1.fc19 @fedora',
        'ruby-libs x86_64 2.0.0.353-16.fc19 @updates',
        '',
      ].join('\n'),
    );
    expect(callsOf('yum')).toEqual([['-q', 'list', 'installed']]);
    // Listing changes nothing and needs no root.
    expect(callsOf('sudo')).toEqual([]);
  });

  it('list --json gives objects; --filter picks what dnf lists', async () => {
    sshd.withDistribution('fedora40');
    sshd.standIn('dnf', {
      stdout: 'Available upgrades\nkernel.x86_64   6.9.7-200.fc40   updates\nvim-minimal.x86_64  2:9.1.452-1.fc40  updates\n',
    });
    const r = await runCli(['remote:pkg:list', 'testhost', '--filter', 'updates', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: 'kernel', arch: 'x86_64', version: '6.9.7-200.fc40', repo: 'updates' },
      { name: 'vim-minimal', arch: 'x86_64', version: '2:9.1.452-1.fc40', repo: 'updates' },
    ]);
    expect(callsOf('dnf')).toEqual([['-q', 'list', '--upgrades']]);
    const bad = await runCli(['remote:pkg:list', 'testhost', '--filter', 'all'], env);
    expect(bad.code).toBe(2);
  });

  it('list of no updates is an empty answer, though yum says it with exit 1; other failures fail', async () => {
    sshd.withDistribution('centos7');
    sshd.standIn('yum', { stderr: 'Error: No matching Packages to list\n', exit: 1 });
    const r = await runCli(['remote:yum:list', 'testhost', '--filter', 'updates', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(callsOf('yum')).toEqual([['-q', 'list', 'updates']]);
    sshd.standIn('yum', { stderr: 'Error: Cannot retrieve repository metadata (repomd.xml) for repository: epel\n', exit: 1 });
    const bad = await runCli(['remote:yum:list', 'testhost', '--filter', 'updates'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: testhost: `yum -q list updates` exited 1: Error: Cannot retrieve repository metadata/);
  });

  it('list on Ubuntu reads apt list output', async () => {
    sshd.withDistribution('ubuntu2204');
    sshd.standIn('apt', {
      stdout: 'Listing...\nbash/jammy,now 5.1-6ubuntu1 amd64 [installed]\npuppet/jammy,now 5.5.22-2 all [installed]\n',
      stderr: '\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n',
    });
    const r = await runCli(['remote:yum:list', 'testhost'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('bash amd64 5.1-6ubuntu1 jammy,now\npuppet all 5.5.22-2 jammy,now\n');
    expect(callsOf('apt')).toEqual([['list', '--installed']]);
  });

  it('rpm:version prints the version, and exits 1 naming the package when it is not installed', async () => {
    sshd.withDistribution('fedora19');
    sshd.standIn('rpm', { stdout: '3.1.1-5.fc19\n' });
    const r = await runCli(['remote:rpm:version', 'testhost', 'puppet'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('3.1.1-5.fc19\n');
    expect(callsOf('rpm')).toEqual([['-q', '--qf', '%{VERSION}-%{RELEASE}\\n', 'puppet']]);
    sshd.standIn('rpm', { stdout: 'package facter is not installed\n', exit: 1 });
    const missing = await runCli(['remote:pkg:version', 'testhost', 'facter'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/error: testhost: package facter is not installed/);
    expect(missing.stderr).toMatch(/remote:pkg:install testhost facter/);
  });

  it('rpm:version on Ubuntu asks dpkg-query; removed-but-not-purged counts as not installed', async () => {
    sshd.withDistribution('ubuntu2204');
    sshd.standIn('dpkg-query', { stdout: '5.5.22-2\n' });
    const r = await runCli(['remote:rpm:version', 'testhost', 'puppet'], env);
    expect(r.stdout).toBe('5.5.22-2\n');
    expect(callsOf('dpkg-query')).toEqual([['-W', '-f', '${Version}\\n', 'puppet']]);
    sshd.standIn('dpkg-query', { stdout: '\n' });
    expect((await runCli(['remote:rpm:version', 'testhost', 'puppet'], env)).code).toBe(1);
    // A broken tool is a failure, not "not installed".
    sshd.standIn('dpkg-query', { stderr: 'dpkg-query: error: parsing file /var/lib/dpkg/status\n', exit: 2 });
    const broken = await runCli(['remote:rpm:version', 'testhost', 'puppet'], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/exited 2: dpkg-query: error: parsing file/);
  });

  it('setvar writes the value as data into /etc/yum/vars (yum) or /etc/dnf/vars (dnf), never as code', async () => {
    captureInstalls();
    const value = `"); import os; os.system("touch pwned") #$(touch pwned2)`;
    sshd.withDistribution('fedora19');
    const r = await runCli(['remote:yum:setvar', 'testhost', 'distro', value], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/etc/yum/vars/distro\n');
    expect(callsOf('mkdir')).toEqual([['-p', '--', '/etc/yum/vars']]);
    const [install] = callsOf('install');
    expect(install).toEqual(['-m', '0644', '-o', 'root', '-g', 'root', expect.stringMatching(/\.origin-setup-[0-9a-f]+\.tmp$/), '/etc/yum/vars/distro']);
    expect(installed('distro')).toBe(`${value}\n`);
    expect(callsOf('python')).toEqual([]);

    sshd.clearCalls();
    sshd.withDistribution('fedora40');
    const dnf = await runCli(['remote:pkg:setvar', 'testhost', 'osmajorvers', '40'], env);
    expect(dnf.stdout).toBe('/etc/dnf/vars/osmajorvers\n');
    expect(callsOf('install')[0]!.at(-1)).toBe('/etc/dnf/vars/osmajorvers');
    expect(installed('osmajorvers')).toBe('40\n');
  });

  it('setvar refuses bad names and multi-line values (exit 2), and apt hosts (exit 1)', async () => {
    expect((await runCli(['remote:yum:setvar', 'testhost', '../x', '1'], env)).code).toBe(2);
    expect((await runCli(['remote:yum:setvar', 'testhost', 'x', 'a\nb'], env)).code).toBe(2);
    sshd.withDistribution('ubuntu2204');
    const r = await runCli(['remote:yum:setvar', 'testhost', 'distro', 'ubuntu'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: a package manager variable is not supported on apt hosts \(ubuntu 22\.04\)/);
    expect(callsOf('install')).toEqual([]);
  });

  it('exclude finds the repository section wherever it is defined and sets exclude with a quoted augtool value', async () => {
    sshd.withDistribution('fedora19');
    sshd.standIn('augtool', {
      script: 'if [ "$1" = match ]; then echo "/files/etc/yum.repos.d/puppetlabs.repo/puppetlabs-products = (none)"; fi',
    });
    const r = await runCli(['remote:yum:exclude', 'testhost', 'puppetlabs-products', 'mcollective* $(touch pwned)'], env);
    expect(r.code).toBe(0);
    expect(callsOf('augtool')).toEqual([
      ['match', '/files/etc/yum.repos.d/*/puppetlabs-products'],
      ['-s', 'set', '/files/etc/yum.repos.d/puppetlabs.repo/puppetlabs-products/exclude', '"mcollective* $(touch pwned)"'],
    ]);
    expect(callsOf('sudo')).toHaveLength(2);
  });

  it('exclude of an unknown repository exits 1 without writing; apt hosts are refused', async () => {
    sshd.withDistribution('centos64');
    sshd.standIn('augtool', { stdout: '  (no matches)\n' });
    const r = await runCli(['remote:yum:exclude', 'testhost', 'nosuch', 'x*'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: no repository nosuch in \/etc\/yum\.repos\.d/);
    expect(callsOf('augtool')).toEqual([['match', '/files/etc/yum.repos.d/*/nosuch']]);
    sshd.clearCalls();
    sshd.withDistribution('debian12');
    const apt = await runCli(['remote:yum:exclude', 'testhost', 'main', 'x*'], env);
    expect(apt.code).toBe(1);
    expect(apt.stderr).toMatch(/not supported on apt hosts \(debian 12\)/);
    expect(callsOf('augtool')).toEqual([]);
  });
});
