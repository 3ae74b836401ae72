// origin:buildhost, origin:builddep, origin:buildrpms and origin:buildrepo against the
// real test sshd. The git stand-in clones nothing, so the test lays out the "cloned"
// sources in the login's home itself; a decoy .spec in the home proves the find pattern
// reaches find unexpanded (the original's glob was expanded by the remote shell).
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { echoes, startWorld, worldEnv, type World } from './flow-world.js';

let world: World;
const BUILD = 'build.test';
const TARGET = 'install.test';
const URL = 'https://github.com/openshift/origin-server.git';
const SPECS = ['origin-server/broker/openshift-origin-broker.spec', 'origin-server/node/rubygem-openshift-origin-node.spec'];

beforeAll(async () => {
  world = await startWorld({ hosts: [BUILD, TARGET], distribution: 'fedora19' });
  const { uid, gid } = statSync(world.sshd.remoteHome);
  for (const rel of [...SPECS, 'decoy.spec', 'origin-server/README.md', 'empty-tree/README.md']) {
    const p = join(world.sshd.remoteHome, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, 'Name: x\n');
    chownSync(p, uid, gid);
    chownSync(dirname(p), uid, gid);
  }
});
afterAll(async () => world?.sshd.stop());

function buildhostTree(packages: string): string[] {
  return [
    `task: origin:buildhost ${BUILD} ${URL}`,
    `  task: remote:available ${BUILD}`,
    `  task: origin:prepare ${BUILD}`,
    `    task: remote:distribution ${BUILD}`,
    `    task: remote:arch ${BUILD}`,
    `    task: remote:timezone ${BUILD} UTC`,
    `    task: remote:hostname ${BUILD}`,
    `    task: remote:yum:install ${BUILD} ${packages}`,
    `    task: remote:firewall:service ${BUILD} ssh`,
    `    task: remote:firewall:enable ${BUILD}`,
    `    task: remote:firewall:start ${BUILD}`,
    `    task: remote:available ${BUILD}`,
    `  task: remote:file:mkdir ${BUILD} /var/www/html/repo`,
    `  task: remote:file:claim ${BUILD} /var/www/html/repo`,
    `  task: remote:firewall:service ${BUILD} http`,
    `  task: remote:service:enable ${BUILD} httpd`,
    `  task: remote:service:start ${BUILD} httpd`,
    `  task: remote:git:clone ${BUILD} ${URL}`,
    `  task: origin:builddep ${BUILD} origin-server`,
  ];
}

describe('origin:buildhost', () => {
  it('prepares a Fedora 19 build box: tools, the published directory, http, the sources and their build dependencies', async () => {
    world.reset({ distribution: 'fedora19' });
    const r = await runCli(['origin:buildhost', BUILD, URL], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual(buildhostTree('git tito rpm-build httpd createrepo yum-utils firewalld augeas'));
    const user = world.sshd.user;
    expect(world.commands()).toEqual([
      'timedatectl set-timezone UTC',
      'hostname',
      'yum -y install git tito rpm-build httpd createrepo yum-utils firewalld augeas',
      'systemctl is-active firewalld',
      'firewall-cmd --add-service ssh',
      'firewall-cmd --permanent --add-service ssh',
      'systemctl enable firewalld',
      'systemctl start firewalld',
      'mkdir -p -- /var/www/html/repo',
      // the login user and its login group own it
      `chown -R -- ${user}: /var/www/html/repo`,
      'systemctl is-active firewalld',
      'firewall-cmd --add-service http',
      'firewall-cmd --permanent --add-service http',
      'systemctl enable httpd',
      'systemctl start httpd',
      `git clone --quiet -- ${URL} origin-server`,
      // every spec under the clone, not the decoy in the home: the pattern was not expanded
      `yum-builddep -y ${SPECS.join(' ')}`,
    ]);
    expect(world.commands().some((c) => c.startsWith('tito') || c.startsWith('createrepo'))).toBe(false);
    expect(r.stdout).toBe(`http://${BUILD}/repo/\n`);
  });

  it('with --build on RHEL 9 builds each package with tito into the repository and runs createrepo_c (dnf builddep)', async () => {
    world.reset({ distribution: 'rhel9' });
    const r = await runCli(['origin:buildhost', BUILD, URL, '--build', '--test', '--repo', 'origin'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    const tree = buildhostTree('git tito rpm-build httpd createrepo_c dnf-plugins-core firewalld augeas').map((l) =>
      l.replace('/var/www/html/repo', '/var/www/html/origin'),
    );
    expect(echoes(r.stderr)).toEqual([...tree, `  task: origin:buildrpms ${BUILD} origin-server`]);
    expect(world.commands().slice(-4)).toEqual([
      `dnf -y builddep ${SPECS.join(' ')}`,
      'tito build --rpm --test --output /var/www/html/origin',
      'tito build --rpm --test --output /var/www/html/origin',
      'createrepo_c --update /var/www/html/origin',
    ]);
    expect(r.stderr).toContain('- tito build in origin-server/broker\n');
    expect(r.stderr).toContain('- tito build in origin-server/node\n');
    expect(r.stdout).toBe(`http://${BUILD}/origin/\n`);
  });

  it('refuses an apt host before installing anything', async () => {
    world.reset({ distribution: 'ubuntu2204' });
    const r = await runCli(['origin:buildhost', BUILD, URL], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: build\.test: origin:buildhost needs a yum or dnf host \(tito builds RPMs\), and build\.test runs ubuntu 22\.04/);
    expect(world.commands()).toEqual([]);
  });

  it('refuses a URL that git would read as an option, and a bad repository name, with exit 2', async () => {
    world.reset({ distribution: 'fedora19' });
    for (const argv of [
      ['origin:buildhost', BUILD, '--upload-pack=touch /tmp/pwned'],
      ['origin:buildhost', BUILD, URL, '--repo', '../etc'],
      ['origin:buildrpms', BUILD, 'origin-server', '--pkgname', '$(reboot)'],
    ]) {
      const r = await runCli(argv, worldEnv(world));
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect(world.commands()).toEqual([]);
  });
});

describe('origin:builddep', () => {
  it('warns and installs nothing when the working copy has no spec files', async () => {
    world.reset({ distribution: 'fedora19' });
    const r = await runCli(['origin:builddep', BUILD, 'empty-tree'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: build.test: no .spec files under empty-tree: nothing to install\n');
    expect(world.commands()).toEqual([]);
    expect(r.stdout).toBe('');
  });

  it('fails naming the find command when the working copy is missing', async () => {
    world.reset({ distribution: 'fedora19' });
    const r = await runCli(['origin:builddep', BUILD, 'not-cloned'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: build\.test: `find not-cloned -name '\*\.spec' -type f` exited 1/);
    expect(world.commands()).toEqual([]);
  });
});

describe('origin:buildrepo', () => {
  it('writes a .repo file from the template that points the host at the build box', async () => {
    world.reset({ distribution: 'fedora19' });
    // Keep what install was asked to put in place, to read it back.
    const kept = join(world.state, 'kept');
    mkdirSync(kept, { recursive: true });
    chmodSync(kept, 0o777);
    world.sshd.standIn('install', { script: `for a; do prev=$cur; cur=$a; done\ncp "$prev" '${kept}/'"$(basename "$cur")"\n` });
    const r = await runCli(['origin:buildrepo', TARGET, 'build.example.org', '--repo', 'origin'], worldEnv(world));
    expect(r.code, r.stderr).toBe(0);
    expect(echoes(r.stderr)).toEqual([`task: origin:buildrepo ${TARGET} build.example.org`, `  task: remote:repo:create ${TARGET} origin-build`]);
    expect(world.commands()).toEqual(['install -m 0644 -o root -g root TMP /etc/yum.repos.d/origin-build.repo']);
    expect(readdirSync(kept)).toEqual(['origin-build.repo']);
    expect(readFileSync(join(kept, 'origin-build.repo'), 'utf8')).toBe(
      [
        '# Written by origin-setup (origin:buildrepo): the packages built on build.example.org.',
        '# They are unsigned test builds, so signatures are not checked.',
        '[origin-build]',
        'name=Packages built on build.example.org',
        'baseurl=http://build.example.org/origin/',
        'enabled=1',
        'gpgcheck=0',
        'metadata_expire=60',
        '',
      ].join('\n'),
    );
    expect(r.stdout).toBe('/etc/yum.repos.d/origin-build.repo\n');
  });

  it('refuses an apt host', async () => {
    world.reset({ distribution: 'debian12' });
    const r = await runCli(['origin:buildrepo', TARGET, 'build.example.org'], worldEnv(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/origin:buildrepo needs a yum or dnf host \(the build box publishes a yum repository\)/);
    expect(world.commands()).toEqual([]);
  });
});
