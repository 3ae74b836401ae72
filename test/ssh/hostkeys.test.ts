// Host keys against a real sshd: accept-new records, a changed key is refused naming
// the file and line, strict mode refuses unknown hosts, hashed entries are honoured.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SshError } from '../../src/ssh/errors.js';
import { sh } from '../../src/ssh/quote.js';
import { captureLog, type Sshd } from '../support/sshd.js';
import { useSshdPools } from '../support/with-sshd.js';

let sshd: Sshd;
const log = () => captureLog();

const pool = useSshdPools((s) => {
  sshd = s;
});

function knownHosts(home: string): string {
  return readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8');
}

/** A public key line (type and base64) that is not this sshd's. */
function otherKey(type: 'ed25519' | 'rsa' = 'ed25519'): string {
  const dir = join(sshd.dir, 'keys');
  const name = `other-${randomBytes(4).toString('hex')}`;
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', join(dir, name)]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8')
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(' ');
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('an unknown host', () => {
  test('is accepted, recorded as [127.0.0.1]:PORT in ~/.ssh/known_hosts, and said so', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const { log: l, lines } = log();
    const h = await pool(home).host('testhost', l);
    expect((await h.run(sh`echo in`)).stdout).toEqual(['in']);
    expect(knownHosts(home)).toBe(`${sshd.hostKeyLine()}\n`);
    const file = join(home, '.ssh', 'known_hosts');
    expect(lines.filter((x) => x.startsWith('info:'))).toEqual([
      expect.stringMatching(
        new RegExp(`^info: testhost: new host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} \\(ED25519 SHA256:[A-Za-z0-9+/]{43}\\) recorded in ${file} line 1$`),
      ),
    ]);
    // OpenSSH itself finds the entry we wrote.
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file], { encoding: 'utf8' })).toContain(sshd.hostPublicKey);
    // The next run knows it: nothing appended, nothing said.
    const again = log();
    await (await pool(home).host('testhost', again.log)).run(sh`true`);
    expect(knownHosts(home)).toBe(`${sshd.hostKeyLine()}\n`);
    expect(again.lines.filter((x) => x.startsWith('info:'))).toEqual([]);
  });

  test('is appended after existing entries, and hashed when HashKnownHosts is on', async () => {
    const home = sshd.clientHome({ knownHosts: false, hostExtra: '  HashKnownHosts yes' });
    const file = join(home, '.ssh', 'known_hosts');
    writeFileSync(file, `example.org ${otherKey()}\n# a comment\nexample.net ${otherKey()}`); // no final newline
    await (await pool(home).host('testhost', log().log)).run(sh`true`);
    const lines = knownHosts(home).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    expect(lines[3]).not.toContain('127.0.0.1');
    expect(lines[4]).toBe('');
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file], { encoding: 'utf8' });
    expect(found).toContain(`found: line 4`);
  });

  test('is refused with --strict-host-keys, and nothing is recorded or run', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const logins = sshd.logins();
    const h = await pool(home, { strictHostKeys: true }).host('testhost', log().log);
    const err = (await h.run(sh`git status`).catch((e: unknown) => e)) as SshError;
    expect(err).toBeInstanceOf(SshError);
    expect(err.kind).toBe('host-key-unknown');
    expect(err.message).toMatch(
      new RegExp(`^host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} is not known \\(ED25519 SHA256:\\S+\\) and --strict-host-keys is set$`),
    );
    expect(err.hint).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${join(home, '.ssh', 'known_hosts')}`);
    expect(() => knownHosts(home)).toThrow();
    expect(sshd.logins()).toBe(logins);
    expect(sshd.calls()).toEqual([]);
  });

  test('is refused when ~/.ssh/config says StrictHostKeyChecking yes', async () => {
    const home = sshd.clientHome({ knownHosts: false, hostExtra: '  StrictHostKeyChecking yes' });
    const err = (await (await pool(home).host('testhost', log().log)).run(sh`true`).catch((e: unknown) => e)) as SshError;
    expect(err.kind).toBe('host-key-unknown');
    expect(err.message).toContain('and StrictHostKeyChecking is yes in ~/.ssh/config');
  });

  test('with --strict-host-keys, a known host still connects', async () => {
    const home = sshd.clientHome();
    const h = await pool(home, { strictHostKeys: true }).host('testhost', log().log);
    expect((await h.run(sh`echo ok`)).stdout).toEqual(['ok']);
  });

  test('is recorded in UserKnownHostsFile from ~/.ssh/config', async () => {
    const home = sshd.clientHome({ knownHosts: false, hostExtra: '  UserKnownHostsFile ~/.ssh/kh-%n' });
    await (await pool(home).host('testhost', log().log)).run(sh`true`);
    expect(readFileSync(join(home, '.ssh', 'kh-testhost'), 'utf8')).toBe(`${sshd.hostKeyLine()}\n`);
  });
});

describe('a changed host key', () => {
  test('is refused with a message naming the file and the line to remove; nothing runs', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const file = join(home, '.ssh', 'known_hosts');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(file, [`example.org ${otherKey()}`, `# rebuilt hosts below`, `[127.0.0.1]:${sshd.port} ${otherKey()}`, ''].join('\n'));
    const before = readFileSync(file, 'utf8');
    const logins = sshd.logins();
    const h = await pool(home).host('testhost', log().log);
    const err = (await h.run(sh`git status`).catch((e: unknown) => e)) as SshError;
    expect(err).toBeInstanceOf(SshError);
    expect(err.kind).toBe('host-key-changed');
    expect(err.transient).toBe(false);
    expect(err.message).toMatch(
      new RegExp(
        `^host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} changed: the server now offers ED25519 SHA256:\\S+; if the host was re-created, remove line 3 of ${file}$`,
      ),
    );
    expect(err.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(sshd.logins()).toBe(logins);
    expect(sshd.calls()).toEqual([]);
  });

  test('after the server is re-keyed, the next run refuses it (accept-new never overwrites)', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    await (await pool(home).host('testhost', log().log)).run(sh`true`);
    const recorded = knownHosts(home);
    await sshd.rotateHostKey();
    const err = (await (await pool(home).host('testhost', log().log)).run(sh`true`).catch((e: unknown) => e)) as SshError;
    expect(err.kind).toBe('host-key-changed');
    expect(err.message).toContain(`remove line 1 of ${join(home, '.ssh', 'known_hosts')}`);
    expect(knownHosts(home)).toBe(recorded);
  });

  test('a host known only by another key type is refused too, not silently re-recorded', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const file = join(home, '.ssh', 'known_hosts');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${otherKey('rsa')}\n`);
    const err = (await (await pool(home).host('testhost', log().log)).run(sh`true`).catch((e: unknown) => e)) as SshError;
    expect(err.kind).toBe('host-key-changed');
    expect(err.message).toContain('but only a RSA key is known');
    expect(err.message).toContain(`remove line 1 of ${file}`);
  });
});

describe('hashed known_hosts entries', () => {
  test('a hashed entry with the right key is accepted and nothing is appended', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const file = join(home, '.ssh', 'known_hosts');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const content = `${hashed('example.org')} ${otherKey()}\n${hashed(`[127.0.0.1]:${sshd.port}`)} ${sshd.hostPublicKey}\n`;
    writeFileSync(file, content);
    const { log: l, lines } = log();
    expect((await (await pool(home).host('testhost', l)).run(sh`echo ok`)).stdout).toEqual(['ok']);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(lines.filter((x) => x.startsWith('info:'))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/^debug: testhost: host key ED25519 \S+ matches line 2 of /));
  });

  test('a hashed entry with another key is a changed key, and its line is named', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const file = join(home, '.ssh', 'known_hosts');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(file, `${hashed('example.org')} ${otherKey()}\n${hashed(`[127.0.0.1]:${sshd.port}`)} ${otherKey()}\n`);
    const err = (await (await pool(home).host('testhost', log().log)).run(sh`true`).catch((e: unknown) => e)) as SshError;
    expect(err.kind).toBe('host-key-changed');
    expect(err.message).toContain(`remove line 2 of ${file}`);
  });

  test('an entry for port 22 (no brackets) does not vouch for another port', async () => {
    const home = sshd.clientHome({ knownHosts: false });
    const file = join(home, '.ssh', 'known_hosts');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(file, `127.0.0.1 ${otherKey()}\n`);
    await (await pool(home).host('testhost', log().log)).run(sh`true`);
    expect(knownHosts(home).split('\n')[1]).toBe(sshd.hostKeyLine());
  });

  test('HostKeyAlias names the entry instead of the address', async () => {
    const home = sshd.clientHome({ knownHosts: false, hostExtra: '  HostKeyAlias build-box' });
    await (await pool(home).host('testhost', log().log)).run(sh`true`);
    expect(knownHosts(home)).toBe(`build-box ${sshd.hostPublicKey}\n`);
  });
});
