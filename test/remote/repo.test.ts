// remote:repo:* against a real sshd: the repository file is installed as root through the
// SSH layer's sudo upload (the `install` stand-in keeps a copy), enable/disable go through
// augtool (a stand-in answering `match` like the real one).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';
import { yumRepoText } from '../../src/remote/repos.js';

const asRoot = process.getuid?.() === 0;
let sshd: Sshd;
let env: NodeJS.ProcessEnv;

useTestSshd(
  (s, e) => {
    sshd = s;
    env = e;
  },
  { standIns: ['rm'] },
);
beforeEach(() => {
  sshd.standIn('install', { script: 'for a; do src=$dest; dest=$a; done; cp "$src" "$HOME/installed.${dest##*/}"' });
  sshd.withDistribution('fedora19');
});

const callsOf = (name: string) =>
  sshd
    .calls()
    .filter((c) => c.name === name)
    .map((c) => c.args);
const installed = (name: string) => readFileSync(join(sshd.remoteHome, `installed.${name}`), 'utf8');

const REPO = '[puppetlabs-products]\nname=Puppet Labs Products\nbaseurl=http://yum.puppetlabs.com/el/6/products/$basearch\ngpgcheck=0\n';

describe('yumRepoText', () => {
  it('fills templates/yum-repo.repo', () => {
    expect(yumRepoText({ id: 'origin', baseurl: 'https://mirror.example.org/$distro-$osmajorvers/$basearch/' })).toBe(
      [
        '# Written by origin-setup remote:repo:create',
        '[origin]',
        'name=origin',
        'baseurl=https://mirror.example.org/$distro-$osmajorvers/$basearch/',
        'enabled=1',
        'gpgcheck=0',
        'gpgkey=',
        '',
      ].join('\n'),
    );
    expect(yumRepoText({ id: 'x', baseurl: 'https://e.org/', description: 'X repo', gpgkey: 'https://e.org/key', enabled: false })).toMatch(
      /name=X repo\nbaseurl=https:\/\/e\.org\/\nenabled=0\ngpgcheck=1\ngpgkey=https:\/\/e\.org\/key\n$/,
    );
  });
});

describe.skipIf(!asRoot)('remote:repo tasks', () => {
  it('create installs a local .repo file as root under /etc/yum.repos.d/NAME.repo', async () => {
    writeFileSync(join(env.HOME!, 'puppetlabs.repo'), REPO);
    const r = await runCli(['remote:repo:create', 'testhost', 'puppetlabs', 'puppetlabs.repo'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/etc/yum.repos.d/puppetlabs.repo\n');
    expect(callsOf('install')).toEqual([
      ['-m', '0644', '-o', 'root', '-g', 'root', expect.stringMatching(/\.origin-setup-[0-9a-f]+\.tmp$/), '/etc/yum.repos.d/puppetlabs.repo'],
    ]);
    expect(callsOf('sudo')[0]!.slice(0, 3)).toEqual(['-n', 'sh', '-c']);
    expect(installed('puppetlabs.repo')).toBe(REPO);
  });

  it('create --content really uses the text, with a final newline', async () => {
    const r = await runCli(['remote:repo:create', 'testhost', 'inline', '--content', '[inline]\nbaseurl=file:///srv/repo'], env);
    expect(r.code).toBe(0);
    expect(installed('inline.repo')).toBe('[inline]\nbaseurl=file:///srv/repo\n');
  });

  it('create --baseurl writes a one-repository file from the template', async () => {
    const url = 'https://mirror.openshift.com/pub/openshift-origin/nightly/$distro-$osmajorvers/latest/$basearch/';
    const r = await runCli(['remote:repo:create', 'testhost', 'openshift-origin', '--baseurl', url, '--description', 'OpenShift Origin'], env);
    expect(r.code).toBe(0);
    expect(installed('openshift-origin.repo')).toBe(yumRepoText({ id: 'openshift-origin', baseurl: url, description: 'OpenShift Origin' }));
  });

  it('create on Ubuntu writes /etc/apt/sources.list.d/NAME.list; --baseurl is refused there', async () => {
    sshd.withDistribution('ubuntu2204');
    const r = await runCli(['remote:repo:create', 'testhost', 'puppet', '--content', 'deb http://apt.puppet.com jammy puppet8'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/etc/apt/sources.list.d/puppet.list\n');
    expect(installed('puppet.list')).toBe('deb http://apt.puppet.com jammy puppet8\n');
    const bad = await runCli(['remote:repo:create', 'testhost', 'puppet', '--baseurl', 'http://apt.puppet.com'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--baseurl writes a yum\/dnf repository, and testhost uses apt/);
  });

  it('create needs exactly one source, a good name and an existing file', async () => {
    const before = sshd.logins();
    const none = await runCli(['remote:repo:create', 'testhost', 'x'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give exactly one of FILE, --content TEXT or --baseurl URL/);
    expect((await runCli(['remote:repo:create', 'testhost', 'x', 'f.repo', '--content', 'y'], env)).code).toBe(2);
    expect((await runCli(['remote:repo:create', 'testhost', '../../etc/passwd', '--content', 'y'], env)).code).toBe(2);
    expect((await runCli(['remote:repo:create', 'testhost', 'x;id', '--content', 'y'], env)).code).toBe(2);
    expect(sshd.logins()).toBe(before);
    const missing = await runCli(['remote:repo:create', 'testhost', 'x', 'nope.repo'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no local file .*nope\.repo/);
    expect(callsOf('install')).toEqual([]);
  });

  it('delete removes the file as root, and an absent file is already done', async () => {
    sshd.standIn('rm', { stdout: "removed '/etc/yum.repos.d/puppetlabs.repo'\n" });
    const r = await runCli(['remote:repo:delete', 'testhost', 'puppetlabs'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('task: remote:repo:delete testhost puppetlabs\n');
    expect(callsOf('rm')).toEqual([['-f', '-v', '--', '/etc/yum.repos.d/puppetlabs.repo']]);
    expect(callsOf('sudo')).toEqual([['-n', 'sh', '-c', 'rm -f -v -- /etc/yum.repos.d/puppetlabs.repo']]);
    sshd.standIn('rm', {});
    const gone = await runCli(['remote:repo:delete', 'testhost', 'puppetlabs'], env);
    expect(gone.code).toBe(0);
    expect(gone.stderr).toMatch(/\/etc\/yum\.repos\.d\/puppetlabs\.repo was already gone/);
    sshd.withDistribution('debian12');
    sshd.clearCalls();
    expect((await runCli(['remote:repo:delete', 'testhost', 'puppet'], env)).code).toBe(0);
    expect(callsOf('rm')).toEqual([['-f', '-v', '--', '/etc/apt/sources.list.d/puppet.list']]);
  });

  it.each([
    ['remote:repo:disable', '0'],
    ['remote:repo:enable', '1'],
  ])('%s sets enabled in whichever file defines the repository', async (task, value) => {
    sshd.standIn('augtool', {
      script: 'if [ "$1" = match ]; then echo "/files/etc/yum.repos.d/fedora-updates-testing.repo/updates-testing = (none)"; fi',
    });
    const r = await runCli([task, 'testhost', 'updates-testing'], env);
    expect(r.code).toBe(0);
    expect(callsOf('augtool')).toEqual([
      ['match', '/files/etc/yum.repos.d/*/updates-testing'],
      ['-s', 'set', '/files/etc/yum.repos.d/fedora-updates-testing.repo/updates-testing/enabled', `"${value}"`],
    ]);
  });

  it('enable of an unknown or duplicated repository exits 1 without writing', async () => {
    sshd.standIn('augtool', { stdout: '  (no matches)\n' });
    const none = await runCli(['remote:repo:enable', 'testhost', 'nosuch'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no repository nosuch in \/etc\/yum\.repos\.d/);
    sshd.standIn('augtool', { stdout: '/files/etc/yum.repos.d/a.repo/x = (none)\n/files/etc/yum.repos.d/b.repo/x = (none)\n' });
    const two = await runCli(['remote:repo:enable', 'testhost', 'x'], env);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/repository x is defined more than once: \/files\/etc\/yum\.repos\.d\/a\.repo\/x, \/files\/etc\/yum\.repos\.d\/b\.repo\/x/);
    expect(callsOf('augtool').filter((a) => a[1] === 'set')).toEqual([]);
  });

  it('a missing augtool names the package to install', async () => {
    sshd.standIn('augtool', { stderr: 'sh: 1: augtool: not found\n', exit: 127 });
    const r = await runCli(['remote:repo:disable', 'testhost', 'updates-testing'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/augtool is not installed on testhost; install it with: origin-setup remote:pkg:install testhost augeas/);
    expect(existsSync(join(sshd.remoteHome, 'installed.updates-testing.repo'))).toBe(false);
  });
});
