// remote:file:* against a real sshd: real files in the remote home (harmless temp paths),
// stand-ins for chown/chgrp/install (the test user cannot give files away).
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { fileMode, remotePath } from '../../src/remote/validate.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;
let home: string;

beforeAll(async () => {
  sshd = await startSshd();
  home = sshd.remoteHome;
});
afterAll(async () => sshd?.stop());
beforeEach(() => {
  sshd.resetStandIns();
  env = sshd.env(testEnv());
});

const remote = (...parts: string[]) => join(home, ...parts);
let n = 0;
/** A fresh directory name in the remote home for one test. */
function scratch(): string {
  return `t${++n}-${Date.now()}`;
}

/** Files the test makes (as root when CI runs it) go to the login user, as if it had made them. */
function own(path: string): void {
  const { uid, gid } = statSync(home);
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const f of readdirSync(path)) own(join(path, f));
}

describe('validators', () => {
  it('accepts octal and symbolic modes only', () => {
    for (const ok of ['644', '0755', '2775', 'u+x', 'go-w', 'a=rX,u+w', '-w']) expect(fileMode(ok)).toBeUndefined();
    for (const bad of ['999', '8', 'rwx', '0644; rm -rf /', 'u+x y']) expect(fileMode(bad)).toBeDefined();
  });
  it('refuses control characters in paths', () => {
    expect(remotePath('/tmp/a\nb')).toBeDefined();
    expect(remotePath('')).toBeDefined();
    expect(remotePath('; rm -rf /')).toBeUndefined();
  });
});

describe('remote:file tasks', () => {
  it('touch creates a file whose hostile name is taken literally, and runs nothing', async () => {
    const names = ['$(touch pwned1)', '; touch pwned2', '`touch pwned3`', 'it\'s "quoted"'];
    for (const name of names) {
      const r = await runCli(['remote:file:touch', 'testhost', name], env);
      expect(r.stderr).toBe(`task: remote:file:touch testhost ${name}\n`);
      expect(r.code).toBe(0);
      expect(existsSync(remote(name))).toBe(true);
    }
    for (const marker of ['pwned1', 'pwned2', 'pwned3']) expect(existsSync(remote(marker))).toBe(false);
  });

  it('refuses a newline in a path with exit 2 before connecting', async () => {
    const before = sshd.logins();
    const r = await runCli(['remote:file:delete', 'testhost', 'x\ntouch pwned', '--force'], env);
    expect(r.code).toBe(2);
    // The bad value is shown escaped, so the error stays on one line.
    expect(r.stderr).toContain('PATH "x\\ntouch pwned": must not contain control characters');
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
    expect(sshd.logins()).toBe(before);
    expect(sshd.calls()).toEqual([]);
  });

  it('treats a path starting with - as a file, not an option', async () => {
    const dir = scratch();
    mkdirSync(remote(dir));
    writeFileSync(remote(dir, '-rf'), 'x');
    own(remote(dir));
    const r = await runCli(['remote:file:delete', 'testhost', `${dir}/-rf`], env);
    expect(r.code).toBe(0);
    expect(existsSync(remote(dir, '-rf'))).toBe(false);
    expect(existsSync(remote(dir))).toBe(true);
  });

  it('mkdir --parents makes the whole path; plain mkdir of an existing directory fails with its message', async () => {
    const dir = scratch();
    expect((await runCli(['remote:file:mkdir', 'testhost', `${dir}/a/b/c`, '--parents'], env)).code).toBe(0);
    expect(statSync(remote(dir, 'a/b/c')).isDirectory()).toBe(true);
    const again = await runCli(['remote:file:mkdir', 'testhost', `${dir}/a`], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/error: testhost: `mkdir -- t\d+-\d+\/a` exited 1: .*File exists/);
  });

  it('copy --recursive copies a tree, and without it refuses a directory', async () => {
    const dir = scratch();
    mkdirSync(remote(dir, 'src/sub'), { recursive: true });
    writeFileSync(remote(dir, 'src/sub/f.txt'), 'content\n');
    own(remote(dir));
    const plain = await runCli(['remote:file:copy', 'testhost', `${dir}/src`, `${dir}/dst`], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/cp -- .* exited 1: .*(omitting directory|-r not specified)/);
    const r = await runCli(['remote:file:copy', 'testhost', `${dir}/src`, `${dir}/dst`, '--recursive', '--force'], env);
    expect(r.code).toBe(0);
    expect(readFileSync(remote(dir, 'dst/sub/f.txt'), 'utf8')).toBe('content\n');
  });

  it('delete --recursive removes a tree; a missing file fails unless --force', async () => {
    const dir = scratch();
    mkdirSync(remote(dir, 'tree/x'), { recursive: true });
    own(remote(dir));
    expect((await runCli(['remote:file:delete', 'testhost', `${dir}/tree`, '--recursive'], env)).code).toBe(0);
    expect(existsSync(remote(dir, 'tree'))).toBe(false);
    const missing = await runCli(['remote:file:delete', 'testhost', `${dir}/nope`], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such file or directory/);
    expect((await runCli(['remote:file:delete', 'testhost', `${dir}/nope`, '--force'], env)).code).toBe(0);
    const root = await runCli(['remote:file:delete', 'testhost', '/', '--recursive', '--force'], env);
    expect(root.code).toBe(2);
  });

  it('permission sets octal and symbolic modes, recursively on request; a bad mode exits 2', async () => {
    const dir = scratch();
    mkdirSync(remote(dir, 'd'), { recursive: true });
    writeFileSync(remote(dir, 'd/f'), '');
    own(remote(dir));
    expect((await runCli(['remote:file:permission', 'testhost', `${dir}/d/f`, '0640'], env)).code).toBe(0);
    expect(statSync(remote(dir, 'd/f')).mode & 0o7777).toBe(0o640);
    expect((await runCli(['remote:file:permission', 'testhost', `${dir}/d`, 'go-rwx', '--recursive'], env)).code).toBe(0);
    expect(statSync(remote(dir, 'd')).mode & 0o077).toBe(0);
    expect(statSync(remote(dir, 'd/f')).mode & 0o7777).toBe(0o600);
    const bad = await runCli(['remote:file:permission', 'testhost', `${dir}/d/f`, '0644; touch pwned'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/MODE '0644; touch pwned': not a file mode/);
  });

  it('symlink replaces an existing link, so running it again is harmless', async () => {
    const dir = scratch();
    mkdirSync(remote(dir, 'a'), { recursive: true });
    mkdirSync(remote(dir, 'b'));
    own(remote(dir));
    for (const target of ['a', 'a', 'b']) {
      const r = await runCli(['remote:file:symlink', 'testhost', target, `${dir}/current`], env);
      expect(r.code).toBe(0);
    }
    expect(readlinkSync(remote(dir, 'current'))).toBe('b');
    // -n: the second run replaced the link instead of creating a link inside a/.
    expect(lstatSync(remote(dir, 'a')).isDirectory()).toBe(true);
    expect(readdirSync(remote(dir, 'a'))).toEqual([]);
  });

  it('claim chowns to the login user resolved locally (user: = login group), through sudo', async () => {
    const r = await runCli(['remote:file:claim', 'testhost', '/etc/puppet', '--recursive'], env);
    expect(r.code).toBe(0);
    expect(sshd.calls()).toEqual([
      { name: 'sudo', args: ['-n', 'sh', '-c', `chown -R -- ${sshd.user}: /etc/puppet`] },
      { name: 'chown', args: ['-R', '--', `${sshd.user}:`, '/etc/puppet'] },
    ]);
    sshd.clearCalls();
    expect((await runCli(['remote:file:claim', 'testhost', '/srv/x y', '--user', 'puppet', '--group', 'wheel'], env)).code).toBe(0);
    expect(sshd.calls().filter((c) => c.name === 'chown')).toEqual([{ name: 'chown', args: ['--', 'puppet:wheel', '/srv/x y'] }]);
    const bad = await runCli(['remote:file:claim', 'testhost', '/srv/x', '--user', '$(id)'], env);
    expect(bad.code).toBe(2);
  });

  it('group runs chgrp with --recursive and --sudo when asked', async () => {
    const r = await runCli(['remote:file:group', 'testhost', '/etc/puppet', 'puppet', '--recursive', '--sudo'], env);
    expect(r.code).toBe(0);
    expect(sshd.calls()).toEqual([
      { name: 'sudo', args: ['-n', 'sh', '-c', 'chgrp -R -- puppet /etc/puppet'] },
      { name: 'chgrp', args: ['-R', '--', 'puppet', '/etc/puppet'] },
    ]);
    const bad = await runCli(['remote:file:group', 'testhost', '/etc/puppet', 'pup pet'], env);
    expect(bad.code).toBe(2);
  });

  it('put uploads to the login directory by default and prints the remote path', async () => {
    const local = join(env.HOME!, 'hello.txt');
    writeFileSync(local, 'hello\n');
    const r = await runCli(['remote:file:put', 'testhost', 'hello.txt'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello.txt\n');
    expect(readFileSync(remote('hello.txt'), 'utf8')).toBe('hello\n');
    const missing = await runCli(['remote:file:put', 'testhost', 'nope.txt'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: no local file .*nope\.txt/);
  });

  it('put --recursive and get --recursive copy a whole tree both ways, hostile names included', async () => {
    const dir = scratch();
    const tree = join(env.HOME!, 'site');
    mkdirSync(join(tree, 'manifests', 'nodes'), { recursive: true });
    mkdirSync(join(tree, 'empty'));
    writeFileSync(join(tree, 'manifests', 'site.pp'), 'node default { }\n');
    writeFileSync(join(tree, 'manifests', 'nodes', "$(touch pwned) it's.pp"), 'odd name\n');
    writeFileSync(join(tree, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const put = await runCli(['remote:file:put', 'testhost', 'site', '--dest', dir, '--recursive'], env);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toBe(`${dir}\n`);
    expect(readFileSync(remote(dir, 'manifests', 'site.pp'), 'utf8')).toBe('node default { }\n');
    expect(readFileSync(remote(dir, 'manifests', 'nodes', "$(touch pwned) it's.pp"), 'utf8')).toBe('odd name\n');
    expect(statSync(remote(dir, 'empty')).isDirectory()).toBe(true);
    expect(statSync(remote(dir, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(existsSync(remote('pwned'))).toBe(false);

    const get = await runCli(['remote:file:get', 'testhost', dir, '--dest', 'back', '--recursive'], env);
    expect(get.code, get.stderr).toBe(0);
    const back = join(env.HOME!, 'back');
    expect(get.stdout).toBe(`${back}\n`);
    expect(readFileSync(join(back, 'manifests', 'nodes', "$(touch pwned) it's.pp"), 'utf8')).toBe('odd name\n');
    expect(readFileSync(join(back, 'run.sh'), 'utf8')).toBe('#!/bin/sh\n');
    expect(statSync(join(back, 'empty')).isDirectory()).toBe(true);
  });

  it('put --recursive wants a directory and refuses the single-file options', async () => {
    writeFileSync(join(env.HOME!, 'plain.txt'), 'x\n');
    const notDir = await runCli(['remote:file:put', 'testhost', 'plain.txt', '--recursive'], env);
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toMatch(/error: no local directory .*plain\.txt/);
    mkdirSync(join(env.HOME!, 'd'), { recursive: true });
    const sudo = await runCli(['remote:file:put', 'testhost', 'd', '--recursive', '--sudo'], env);
    expect(sudo.code).toBe(2);
  });

  it('put --sudo installs through a private temp file with mode and root owner, and removes the temp file', async () => {
    const dir = scratch();
    mkdirSync(remote(dir));
    own(remote(dir));
    const local = join(env.HOME!, 'puppet.conf');
    writeFileSync(local, '[main]\nserver = puppet\n');
    const dest = remote(dir, 'puppet.conf');
    const r = await runCli(['remote:file:put', 'testhost', 'puppet.conf', '--dest', dest, '--sudo', '--mode', '0640'], env);
    expect(r.code).toBe(0);
    const install = sshd.calls().filter((c) => c.name === 'install');
    expect(install).toHaveLength(1);
    const [args] = install.map((c) => c.args);
    expect(args!.slice(0, 6)).toEqual(['-m', '0640', '-o', 'root', '-g', 'root']);
    expect(args![6]).toMatch(new RegExp(`^${home}/\\.origin-setup-[0-9a-f]+\\.tmp$`));
    expect(args![7]).toBe(dest);
    expect(sshd.calls()[0]).toEqual({ name: 'sudo', args: ['-n', 'sh', '-c', expect.stringMatching(/^install -m 0640 -o root -g root /)] });
    expect(readFileSync(dest, 'utf8')).toBe('[main]\nserver = puppet\n');
    expect(statSync(dest).mode & 0o7777).toBe(0o640);
    expect(readdirSync(home).filter((f) => f.startsWith('.origin-setup-'))).toEqual([]);
  });

  it('get downloads into the current directory by default, or to --dest', async () => {
    const dir = scratch();
    mkdirSync(remote(dir));
    writeFileSync(remote(dir, 'app.log'), 'line 1\nline 2\n');
    const r = await runCli(['remote:file:get', 'testhost', `${dir}/app.log`], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${join(env.HOME!, 'app.log')}\n`);
    expect(readFileSync(join(env.HOME!, 'app.log'), 'utf8')).toBe('line 1\nline 2\n');
    const r2 = await runCli(['remote:file:get', 'testhost', `${dir}/app.log`, '--dest', 'copy.log'], env);
    expect(r2.stdout).toBe(`${join(env.HOME!, 'copy.log')}\n`);
    const missing = await runCli(['remote:file:get', 'testhost', `${dir}/none.log`], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it('--dry-run prints the command instead of running it', async () => {
    const dir = scratch();
    const r = await runCli(['remote:file:touch', 'testhost', `${dir}-dry`, '--sudo', '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`would run on testhost: sudo -n sh -c 'touch -- ${dir}-dry'`);
    expect(existsSync(remote(`${dir}-dry`))).toBe(false);
    expect(sshd.calls()).toEqual([]);
  });
});
