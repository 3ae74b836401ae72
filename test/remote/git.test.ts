import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';
import { cloneDestination, gitCommands } from '../../src/remote/git.js';
import { gitRef, gitUrl, tagPrefix } from '../../src/remote/validate.js';

describe('git helpers', () => {
  it('names a clone after the URL, NAME.git when bare, under --destdir', () => {
    expect(cloneDestination('https://github.com/markllama/origin-puppet.git', {})).toBe('origin-puppet');
    expect(cloneDestination('git@github.com:markllama/origin-puppet.git', { bare: true })).toBe('origin-puppet.git');
    expect(cloneDestination('/srv/git/site/', { destdir: '/etc/puppet' })).toBe('/etc/puppet/site');
    expect(cloneDestination('https://example.org/x.git', { destdir: 'src', destname: 'y' })).toBe('src/y');
  });

  it('names the repository with -C and ends options before URL and destination', () => {
    expect(gitCommands.clone('https://example.org/r.git', 'r', { bare: true, branch: 'v1' }).text).toBe(
      'git clone --quiet --bare --branch v1 -- https://example.org/r.git r',
    );
    expect(gitCommands.checkout('my dir', 'main', { remote: 'upstream', track: true }).text).toBe("git -C 'my dir' checkout --quiet --track upstream/main");
    expect(gitCommands.tags('site', 'openshift-origin').text).toBe("git -C site tag --list 'openshift-origin*'");
    expect(gitCommands.submoduleUpdate('site', { init: true, recursive: true }).text).toBe('git -C site submodule --quiet update --init --recursive');
  });

  it('refuses URLs that are options or run commands, and odd refs', () => {
    expect(gitUrl('--upload-pack=touch /tmp/x')).toBe('not a git URL');
    expect(gitUrl('ext::sh -c touch% /tmp/x')).toMatch(/spaces|ext::/);
    expect(gitUrl('ext::sh')).toMatch(/ext::/);
    expect(gitUrl('https://github.com/a/b.git')).toBeUndefined();
    expect(gitUrl('git@github.com:a/b.git')).toBeUndefined();
    expect(gitRef('-f')).toBeDefined();
    expect(gitRef('a..b')).toBeDefined();
    expect(gitRef('feature/x')).toBeUndefined();
    expect(tagPrefix('x*')).toBeDefined();
  });
});

describe('remote:git tasks against a real sshd (git is a recording stand-in)', () => {
  let sshd: Sshd;
  let env: NodeJS.ProcessEnv;
  useTestSshd((s, e) => {
    sshd = s;
    env = e;
  });
  const gitCalls = () =>
    sshd
      .calls()
      .filter((c) => c.name === 'git')
      .map((c) => c.args);

  it('clone runs git clone quietly as the login user and prints where the clone went', async () => {
    const url = 'https://github.com/markllama/origin-puppet.git';
    const r = await runCli(['remote:git:clone', 'testhost', url], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('origin-puppet\n');
    expect(r.stderr).toBe(`task: remote:git:clone testhost ${url}\n`);
    const r2 = await runCli(['remote:git:clone', 'testhost', url, '--destdir', '/srv/puppet', '--destname', 'site', '--bare', '--branch', 'production'], env);
    expect(r2.stdout).toBe('/srv/puppet/site\n');
    expect(gitCalls()).toEqual([
      ['clone', '--quiet', '--', url, 'origin-puppet'],
      ['clone', '--quiet', '--bare', '--branch', 'production', '--', url, '/srv/puppet/site'],
    ]);
    expect(sshd.calls().filter((c) => c.name === 'sudo')).toEqual([]);
  });

  it('passes odd but legal values literally and refuses dangerous ones with exit 2', async () => {
    const url = 'https://example.org/$(touch${IFS}pwned)`touch${IFS}pwned1`.git';
    const r = await runCli(['remote:git:clone', 'testhost', url, '--destname', 'a b; touch pwned2'], env);
    expect(r.code).toBe(0);
    expect(gitCalls()).toEqual([['clone', '--quiet', '--', url, 'a b; touch pwned2']]);
    for (const marker of ['pwned', 'pwned1', 'pwned2']) expect(existsSync(join(sshd.remoteHome, marker))).toBe(false);
    sshd.clearCalls();
    const before = sshd.logins();
    for (const argv of [
      ['remote:git:clone', 'testhost', 'ext::sh -c touch% pwned'],
      ['remote:git:clone', 'testhost', 'ext::sh'],
      ['remote:git:checkout', 'testhost', 'site', '--orphan=x'],
      ['remote:git:checkout', 'testhost', 'site', 'main;id'],
      ['remote:git:pull', 'testhost', 'site', '--remote', 'origin; touch pwned'],
      ['remote:git:tags', 'testhost', 'site', '--pkgname', 'a*b'],
    ]) {
      const bad = await runCli(argv, env);
      expect(bad.code, argv.join(' ')).toBe(2);
    }
    expect(sshd.logins()).toBe(before);
    expect(gitCalls()).toEqual([]);
  });

  it('checkout names the repository with -C; --track follows REMOTE/BRANCH', async () => {
    expect((await runCli(['remote:git:checkout', 'testhost', 'my site', 'production'], env)).code).toBe(0);
    expect((await runCli(['remote:git:checkout', 'testhost', 'site', 'production', '--track', '--remote', 'upstream'], env)).code).toBe(0);
    expect(gitCalls()).toEqual([
      ['-C', 'my site', 'checkout', '--quiet', 'production'],
      ['-C', 'site', 'checkout', '--quiet', '--track', 'upstream/production'],
    ]);
  });

  it("checkout without a branch takes the remote's default branch, else master", async () => {
    sshd.standIn('git', { script: 'case "$*" in *symbolic-ref*) echo origin/main ;; esac' });
    const r = await runCli(['remote:git:checkout', 'testhost', 'site'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('main\n');
    expect(gitCalls()).toEqual([
      ['-C', 'site', 'symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'],
      ['-C', 'site', 'checkout', '--quiet', 'main'],
    ]);
    sshd.clearCalls();
    sshd.standIn('git', { script: 'case "$*" in *symbolic-ref*) exit 1 ;; esac' });
    expect((await runCli(['remote:git:checkout', 'testhost', 'site'], env)).stdout).toBe('master\n');
    expect(gitCalls()[1]).toEqual(['-C', 'site', 'checkout', '--quiet', 'master']);
  });

  it('pull and fetch take --remote and --branch', async () => {
    expect((await runCli(['remote:git:pull', 'testhost', 'site'], env)).code).toBe(0);
    expect((await runCli(['remote:git:pull', 'testhost', 'site', '--remote', 'upstream', '--branch', 'production'], env)).code).toBe(0);
    expect((await runCli(['remote:git:fetch', 'testhost', 'site'], env)).code).toBe(0);
    expect((await runCli(['remote:git:fetch', 'testhost', 'site', '--branch', 'feature/x'], env)).code).toBe(0);
    expect(gitCalls()).toEqual([
      ['-C', 'site', 'pull', '--quiet', 'origin'],
      ['-C', 'site', 'pull', '--quiet', 'upstream', 'production'],
      ['-C', 'site', 'fetch', '--quiet', 'origin'],
      ['-C', 'site', 'fetch', '--quiet', 'origin', 'feature/x'],
    ]);
  });

  it('tags passes PREFIX* to git as data, even when a file in the login directory matches it', async () => {
    writeFileSync(join(sshd.remoteHome, 'openshift-origin-broker-1.0.spec'), '');
    sshd.standIn('git', { stdout: 'openshift-origin-broker-1.0.1-1\nopenshift-origin-broker-1.0.2-1\n' });
    const r = await runCli(['remote:git:tags', 'testhost', 'origin-server', '--pkgname', 'openshift-origin-broker'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('openshift-origin-broker-1.0.1-1\nopenshift-origin-broker-1.0.2-1\n');
    expect(gitCalls()).toEqual([['-C', 'origin-server', 'tag', '--list', 'openshift-origin-broker*']]);
    const json = await runCli(['remote:git:tags', 'testhost', 'origin-server', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual(['openshift-origin-broker-1.0.1-1', 'openshift-origin-broker-1.0.2-1']);
  });

  it('submodule init and update', async () => {
    expect((await runCli(['remote:git:submodule:init', 'testhost', 'site'], env)).code).toBe(0);
    expect((await runCli(['remote:git:submodule:update', 'testhost', 'site'], env)).code).toBe(0);
    expect((await runCli(['remote:git:submodule:update', 'testhost', 'site', '--init', '--recursive'], env)).code).toBe(0);
    expect(gitCalls()).toEqual([
      ['-C', 'site', 'submodule', '--quiet', 'init'],
      ['-C', 'site', 'submodule', '--quiet', 'update'],
      ['-C', 'site', 'submodule', '--quiet', 'update', '--init', '--recursive'],
    ]);
  });

  it('a failing git fails the task with the command, exit code and stderr tail', async () => {
    sshd.standIn('git', { stderr: "Cloning into 'none'...\nfatal: repository 'https://github.com/x/none.git/' not found\n", exit: 128 });
    const r = await runCli(['remote:git:clone', 'testhost', 'https://github.com/x/none.git'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'task: remote:git:clone testhost https://github.com/x/none.git\n' +
        "error: testhost: `git clone --quiet -- https://github.com/x/none.git none` exited 128: Cloning into 'none'... | fatal: repository 'https://github.com/x/none.git/' not found\n",
    );
    sshd.standIn('git', { stderr: "fatal: cannot change to 'nowhere': No such file or directory\n", exit: 128 });
    const pull = await runCli(['remote:git:pull', 'testhost', 'nowhere'], env);
    expect(pull.code).toBe(1);
    expect(pull.stderr).toMatch(/`git -C nowhere pull --quiet origin` exited 128: fatal: cannot change to 'nowhere'/);
  });
});
