// sudo as a non-root login user (wrapping, a password-wanting sudo, requiretty and the
// PTY retry) and files over SFTP on the pooled connection (the sudo install path included).
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { OriginError, RemoteCommandError, UsageError } from '../../src/engine/errors.js';
import { SshError } from '../../src/ssh/errors.js';
import type { SshPool } from '../../src/ssh/pool.js';
import { sh } from '../../src/ssh/quote.js';
import type { SshSettings } from '../../src/ssh/types.js';
import { captureLog, type Sshd } from '../support/sshd.js';
import { useSshdPools } from '../support/with-sshd.js';

let sshd: Sshd;
let home: string;

const newPool = useSshdPools((s) => {
  sshd = s;
  home = sshd.clientHome();
});
const pool = (overrides: Partial<SshSettings> = {}): SshPool => newPool(home, overrides);

const tempFiles = () => readdirSync(sshd.remoteHome).filter((f) => f.startsWith('.origin-setup-'));

describe('sudo', () => {
  test('a privileged command runs as `sudo -n sh -c <quoted command>`; others run bare', async () => {
    const h = await pool().host('testhost', captureLog().log);
    expect(h.isRoot).toBe(false);
    await h.run(sh`systemctl enable ${'httpd'} && systemctl start ${"it's"}`, { sudo: true });
    await h.run(sh`rpm -q ${'puppet'}`);
    expect(sshd.calls()).toEqual([
      { name: 'sudo', args: ['-n', 'sh', '-c', "systemctl enable httpd && systemctl start 'it'\\''s'"] },
      { name: 'systemctl', args: ['enable', 'httpd'] },
      { name: 'systemctl', args: ['start', "it's"] },
      { name: 'rpm', args: ['-q', 'puppet'] },
    ]);
  });

  test('stdin passes through sudo', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const r = await h.run(sh`augtool -s`, { sudo: true, stdin: 'set /files/etc/hosts/1/ipaddr 10.0.0.1\n' });
    expect(r.code).toBe(0);
    expect(sshd.calls()[1]).toEqual({ name: 'augtool', args: ['-s'], stdin: 'set /files/etc/hosts/1/ipaddr 10.0.0.1\n' });
  });

  test('a sudo that wants a password fails with that message, the user, the host and the fix', async () => {
    sshd.sudoMode('password');
    const h = await pool().host('testhost', captureLog().log);
    const err = (await h.run(sh`dnf -y install vim`, { sudo: true }).catch((e: unknown) => e)) as SshError;
    expect(err).toBeInstanceOf(SshError);
    expect(err.kind).toBe('sudo-password');
    expect(err.message).toBe(`testhost: sudo wants a password for ${sshd.user}`);
    expect(err.hint).toBe(
      `give ${sshd.user} password-less sudo on testhost (a line "${sshd.user} ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/), or log in as root (--username root)`,
    );
    expect(sshd.calls().map((c) => c.name)).toEqual(['sudo']);
  });

  test('requiretty: the refused command is retried once with a PTY, and later sudo commands get one at once', async () => {
    sshd.sudoMode('requiretty');
    const { log, lines } = captureLog();
    const p = pool();
    const h = await p.host('testhost', log);
    const r = await h.run(sh`echo first; echo warn >&2; tty >/dev/null && echo has-tty`, { sudo: true });
    // With a terminal, stderr arrives on stdout; lines still split cleanly (\r\n).
    expect(r.stdout).toEqual(['first', 'warn', 'has-tty']);
    expect(lines).toContain('verbose: testhost: sudo requires a tty here (requiretty); running sudo with a PTY on this host from now on');
    expect(sshd.calls().filter((c) => c.name === 'sudo')).toHaveLength(2);
    sshd.clearCalls();
    await h.run(sh`systemctl restart ${'ntpd'}`, { sudo: true });
    expect(sshd.calls()).toEqual([
      { name: 'sudo', args: ['-n', 'sh', '-c', 'systemctl restart ntpd'] },
      { name: 'systemctl', args: ['restart', 'ntpd'] },
    ]);
    // Commands without sudo still get no terminal.
    expect((await h.run(sh`tty`, { allowExit: 'any' })).stdout).toEqual(['not a tty']);
    // stdin still reaches a sudo command when a terminal is in the way.
    expect((await h.run(sh`cat`, { sudo: true, stdin: "line 1\nit's line 2\n" })).stdout).toEqual(['line 1', "it's line 2"]);
    expect(p.handshakes).toBe(1);
  });

  test('a failing privileged command reports the exact command that ran', async () => {
    sshd.standIn('dnf', { stderr: 'Error: Unable to find a match: nosuchpkg\n', exit: 1 });
    const h = await pool().host('testhost', captureLog().log);
    const err = (await h.run(sh`dnf -y install ${'nosuchpkg'}`, { sudo: true }).catch((e: unknown) => e)) as RemoteCommandError;
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.message).toBe("testhost: `sudo -n sh -c 'dnf -y install nosuchpkg'` exited 1: Error: Unable to find a match: nosuchpkg");
  });
});

describe('files', () => {
  test('upload writes content relative to the login home, with the mode asked for', async () => {
    const h = await pool().host('testhost', captureLog().log);
    await h.upload('[main]\nenabled=1\n', 'epel.repo', { mode: '0640' });
    const path = join(sshd.remoteHome, 'epel.repo');
    expect(readFileSync(path, 'utf8')).toBe('[main]\nenabled=1\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    // Overwriting keeps working and re-applies the mode.
    await h.upload(Buffer.from([0, 1, 2, 255]), 'epel.repo', { mode: '600' });
    expect([...readFileSync(path)]).toEqual([0, 1, 2, 255]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test('a root-owned destination goes through a temporary file and `sudo install`, which is then removed', async () => {
    const p = pool();
    const h = await p.host('testhost', captureLog().log);
    const dest = join(sshd.remoteHome, 'yum.repos.d-origin.repo');
    await h.upload('content\n', dest, { sudo: true, mode: '0644', owner: 'root', group: 'wheel' });
    const calls = sshd.calls();
    expect(calls).toHaveLength(2);
    const [sudo, install] = calls;
    expect(sudo!.name).toBe('sudo');
    expect(install!.name).toBe('install');
    const tmp = install!.args[6]!;
    expect(tmp).toMatch(new RegExp(`^${sshd.remoteHome}/\\.origin-setup-[0-9a-f]{16}\\.tmp$`));
    expect(install!.args).toEqual(['-m', '0644', '-o', 'root', '-g', 'wheel', tmp, dest]);
    expect(sudo!.args).toEqual(['-n', 'sh', '-c', `install -m 0644 -o root -g wheel ${tmp} ${dest}`]);
    expect(readFileSync(dest, 'utf8')).toBe('content\n');
    expect(tempFiles()).toEqual([]);
    expect(p.handshakes).toBe(1);
  });

  test('defaults for the install path: mode 0644, owner and group root', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const dest = join(sshd.remoteHome, 'defaults.conf');
    await h.upload('x', dest, { sudo: true });
    expect(sshd.calls()[1]!.args.slice(0, 6)).toEqual(['-m', '0644', '-o', 'root', '-g', 'root']);
  });

  test('the temporary file is removed even when install fails', async () => {
    sshd.standIn('install', { stderr: 'install: cannot create regular file: Permission denied\n', exit: 1 });
    const h = await pool().host('testhost', captureLog().log);
    const err = await h.upload('secret', '/etc/origin.conf', { sudo: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect((err as Error).message).toContain('exited 1: install: cannot create regular file: Permission denied');
    expect(sshd.calls().map((c) => c.name)).toEqual(['sudo', 'install']);
    expect(tempFiles()).toEqual([]);
  });

  test('the temporary file is removed when sudo wants a password', async () => {
    sshd.sudoMode('password');
    const h = await pool().host('testhost', captureLog().log);
    await expect(h.upload('x', '/etc/origin.conf', { sudo: true })).rejects.toMatchObject({ kind: 'sudo-password' });
    expect(tempFiles()).toEqual([]);
  });

  test('uploadFile sends a local file; download fetches one', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const local = mkdtempSync(join(tmpdir(), 'origin-files-'));
    writeFileSync(join(local, 'puppet.conf'), '[main]\nserver = puppet\n');
    await h.uploadFile(join(local, 'puppet.conf'), 'puppet.conf');
    expect(readFileSync(join(sshd.remoteHome, 'puppet.conf'), 'utf8')).toBe('[main]\nserver = puppet\n');
    await h.download('puppet.conf', join(local, 'back.conf'));
    expect(readFileSync(join(local, 'back.conf'), 'utf8')).toBe('[main]\nserver = puppet\n');
  });

  test('errors name the host and the path', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const local = mkdtempSync(join(tmpdir(), 'origin-files-'));
    await expect(h.download('no/such/file', join(local, 'x'))).rejects.toThrow('testhost: cannot read no/such/file: no such file or directory');
    const denied = (await h.upload('x', '/etc/origin-test-denied', {}).catch((e: unknown) => e)) as OriginError;
    if (process.getuid?.() === 0) {
      expect(denied.message).toBe('testhost: cannot write /etc/origin-test-denied: permission denied');
      expect(denied.hint).toContain('--sudo');
    }
    await expect(h.uploadFile(join(local, 'missing'), 'x')).rejects.toThrow(`cannot read ${join(local, 'missing')}: ENOENT`);
  });

  test('bad modes and owners are refused before anything is sent', async () => {
    const p = pool();
    const h = await p.host('testhost', captureLog().log);
    await expect(h.upload('x', 'f', { mode: '0999' })).rejects.toBeInstanceOf(UsageError);
    await expect(h.upload('x', 'f', { sudo: true, owner: 'root; rm -rf /' })).rejects.toBeInstanceOf(UsageError);
    expect(p.handshakes).toBe(0);
  });
});
