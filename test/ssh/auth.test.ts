// Who logs in and with which key: --username, ~/.ssh/config (Host patterns, HostName,
// Port, User, IdentityFile), RemoteUser, root as the last resort; --ssh-key, ssh-agent,
// IdentityFile, <AWSKeyPairName>.pem, default identities; and the failure messages.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/engine/errors.js';
import { SshError } from '../../src/ssh/errors.js';
import { sh } from '../../src/ssh/quote.js';
import type { SshSettings } from '../../src/ssh/types.js';
import { captureLog, startSshd, type Sshd } from '../support/sshd.js';
import { useSshdPools } from '../support/with-sshd.js';

let sshd: Sshd;
let wrongKey: string;

const pool = useSshdPools(
  (s) => {
    sshd = s;
    wrongKey = sshd.newKey('wrong');
  },
  { permitRoot: true, rootLoginMessage: true },
);

async function whoami(home: string, host = 'testhost', overrides: Partial<SshSettings> = {}) {
  const { log, lines } = captureLog();
  const h = await pool(home, overrides).host(host, log);
  const r = await h.run(sh`id -un; pwd`);
  return { host: h, out: r.stdout, lines };
}

async function failure(home: string, host = 'testhost', overrides: Partial<SshSettings> = {}): Promise<SshError> {
  const h = await pool(home, overrides).host(host, captureLog().log);
  const err = await h.run(sh`true`).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SshError);
  return err as SshError;
}

function put(home: string, key: string, name: string): string {
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const dest = join(home, '.ssh', name);
  copyFileSync(key, dest);
  return dest;
}

describe('~/.ssh/config', () => {
  test('a Host pattern maps a name to HostName, Port, User and IdentityFile', async () => {
    const home = sshd.clientHome({
      hosts: ['placeholder'],
      configExtra: ['Host *.build.example', '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.userKeyPath}`].join(
        '\n',
      ),
    });
    const { host, out, lines } = await whoami(home, 'web1.build.example');
    expect(out).toEqual([sshd.user, sshd.remoteHome]);
    expect(host.user).toBe(sshd.user);
    expect(host.userSource).toBe('ssh-config');
    expect(host.isRoot).toBe(false);
    expect(lines).toContain(`debug: web1.build.example: connecting to 127.0.0.1:${sshd.port} as ${sshd.user}`);
  });

  test('the first matching block wins for each setting, and HostName may use %h', async () => {
    const home = sshd.clientHome({
      hosts: ['placeholder'],
      configExtra: [
        'Host loop',
        '  HostName 127.0.0.1',
        '  Port 1',
        'Host loop 127.0.0.1',
        '  HostName %h',
        `  Port ${sshd.port}`,
        `  IdentityFile ${sshd.userKeyPath}`,
        `  User ${sshd.user}`,
      ].join('\n'),
    });
    // For `loop` the first HostName and Port win: nothing listens on port 1.
    const h = await pool(home).host('loop', captureLog().log);
    const err = (await h.connect!().catch((e: unknown) => e)) as SshError;
    expect(err.message).toBe('loop (127.0.0.1:1) refused the connection on port 1');
    // For 127.0.0.1, %h expands to the address and the second Port applies.
    const { out } = await whoami(home, '127.0.0.1');
    expect(out[0]).toBe(sshd.user);
  });

  test('--username beats the config User, and a refused login names the user and the keys tried', async () => {
    const home = sshd.clientHome();
    const err = await failure(home, 'testhost', { username: 'nobody' });
    expect(err.kind).toBe('auth');
    expect(err.message).toBe(`authentication failed for nobody@testhost (127.0.0.1:${sshd.port}): tried ${sshd.userKeyPath}`);
    expect(err.hint).toBe('pass --ssh-key FILE, load the key into ssh-agent, or add its public key to ~nobody/.ssh/authorized_keys on testhost');
  });

  test('RemoteUser from the config file is used when ~/.ssh/config names no user', async () => {
    const home = sshd.clientHome({ user: null });
    const { host, out } = await whoami(home, 'testhost', { configRemoteUser: sshd.user });
    expect(out[0]).toBe(sshd.user);
    expect(host.userSource).toBe('config');
  });

  test.runIf(process.getuid?.() === 0)('with no user anywhere, root is tried; a cloud image that names its user gets that user', async () => {
    const home = sshd.clientHome({ user: null });
    const { log, lines } = captureLog();
    const p = pool(home);
    const h = await p.host('testhost', log);
    expect(h.user).toBe('root');
    expect(h.userSource).toBe('default');
    const r = await h.run(sh`id -un`);
    expect(r.stdout).toEqual([sshd.user]);
    expect(h.user).toBe(sshd.user);
    expect(h.userSource).toBe('host');
    expect(p.handshakes).toBe(2);
    expect(lines).toContain(`info: testhost: root may not log in here; the host asks for ${sshd.user}, reconnecting as ${sshd.user}`);
  });

  test('root as the last resort, refused: the hint says how to name a user', async () => {
    const home = sshd.clientHome({ user: null });
    const h = await pool(home, { sshKey: wrongKey }).host('testhost', captureLog().log);
    const err = (await h.run(sh`true`).catch((e: unknown) => e)) as SshError;
    expect(err.kind).toBe('auth');
    expect(err.message).toBe(`authentication failed for root@testhost (127.0.0.1:${sshd.port}): tried ${wrongKey}`);
    expect(err.hint).toContain('no login user was given, so root was tried: pass --username (ec2-user on Fedora/RHEL/Amazon Linux images, ubuntu on Ubuntu)');
  });
});

describe('keys', () => {
  test('several keys are tried in order: IdentityFile, then ~/.ssh/<KeyPair>.pem, then the default identities', async () => {
    const home = sshd.clientHome({ identityFile: null, hostExtra: '  IdentityFile ~/.ssh/wrong_one' });
    put(home, wrongKey, 'wrong_one');
    put(home, wrongKey, 'aws-pair.pem');
    put(home, sshd.userKeyPath, 'id_ecdsa'); // any type works under a default name
    const { out, lines } = await whoami(home, 'testhost', { keyPairName: 'aws-pair' });
    expect(out[0]).toBe(sshd.user);
    expect(lines.filter((l) => l.includes(': offering '))).toEqual([
      `debug: testhost: offering ~/.ssh/wrong_one for ${sshd.user}`,
      `debug: testhost: offering ~/.ssh/aws-pair.pem for ${sshd.user}`,
      `debug: testhost: offering ~/.ssh/id_ecdsa for ${sshd.user}`,
    ]);
  });

  test('~/.ssh/<AWSKeyPairName>.pem alone is enough', async () => {
    const home = sshd.clientHome({ identityFile: null });
    put(home, sshd.userKeyPath, 'openshift-root.pem');
    const { out } = await whoami(home, 'testhost', { keyPairName: 'openshift-root' });
    expect(out[0]).toBe(sshd.user);
  });

  test('when every key is refused, the message lists them all, and unusable files too', async () => {
    const home = sshd.clientHome({ identityFile: null });
    put(home, wrongKey, 'id_ed25519');
    put(home, wrongKey, 'id_rsa');
    const encrypted = join(home, '.ssh', 'id_ecdsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', 'secret', '-f', encrypted]);
    const err = await failure(home);
    expect(err.message).toBe(
      `authentication failed for ${sshd.user}@testhost (127.0.0.1:${sshd.port}): tried ~/.ssh/id_ed25519, ~/.ssh/id_rsa; not offered: ~/.ssh/id_ecdsa (encrypted: load it into ssh-agent)`,
    );
  });

  test('--ssh-key is offered alone, even when ~/.ssh/config names a key that would work', async () => {
    const home = sshd.clientHome();
    const err = await failure(home, 'testhost', { sshKey: wrongKey });
    expect(err.message).toBe(`authentication failed for ${sshd.user}@testhost (127.0.0.1:${sshd.port}): tried ${wrongKey}`);
    const { out } = await whoami(sshd.clientHome({ identityFile: null }), 'testhost', { sshKey: sshd.userKeyPath });
    expect(out[0]).toBe(sshd.user);
  });

  test('a missing or public --ssh-key is a usage error', async () => {
    const home = sshd.clientHome();
    const h = await pool(home, { sshKey: join(home, 'nope.pem') }).host('testhost', captureLog().log);
    await expect(h.run(sh`true`)).rejects.toThrow(new UsageError(`--ssh-key ${join(home, 'nope.pem')}: no such file`));
    const h2 = await pool(home, { sshKey: `${sshd.userKeyPath}.pub` }).host('testhost', captureLog().log);
    await expect(h2.run(sh`true`)).rejects.toBeInstanceOf(UsageError);
  });

  test('no key anywhere: says where it looked', async () => {
    const home = sshd.clientHome({ identityFile: null });
    const logBefore = sshd.sshdLog();
    const err = await failure(home, 'testhost', { keyPairName: 'pair' });
    expect(err.kind).toBe('no-keys');
    expect(err.message).toBe(`no SSH key to offer to ${sshd.user}@testhost (127.0.0.1:${sshd.port})`);
    expect(err.hint).toBe('looked in: ~/.ssh/pair.pem, ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa, ~/.ssh/id_rsa. Pass --ssh-key FILE or start ssh-agent');
    // It gave up before opening a connection.
    expect(sshd.sshdLog()).toBe(logBefore);
  });

  describe('ssh-agent', () => {
    let agent: ChildProcess | undefined;
    let sock: string;
    beforeAll(async () => {
      sock = join(sshd.dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      const deadline = Date.now() + 5000;
      while (!existsSync(sock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', ['-q', sshd.userKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    });
    afterAll(() => {
      agent?.kill();
    });

    test('keys in ssh-agent (SSH_AUTH_SOCK) are offered before key files', async () => {
      const home = sshd.clientHome({ identityFile: null });
      put(home, wrongKey, 'id_ed25519');
      const { out, lines } = await whoami(home, 'testhost', { env: { SSH_AUTH_SOCK: sock } });
      expect(out[0]).toBe(sshd.user);
      expect(lines.filter((l) => l.includes(': offering '))).toEqual([`debug: testhost: offering ssh-agent keys for ${sshd.user}`]);
    });

    test('IdentitiesOnly yes leaves the agent out', async () => {
      const home = sshd.clientHome({ identityFile: null, hostExtra: '  IdentitiesOnly yes' });
      put(home, wrongKey, 'id_ed25519');
      const err = await failure(home, 'testhost', { env: { SSH_AUTH_SOCK: sock } });
      expect(err.message).toBe(`authentication failed for ${sshd.user}@testhost (127.0.0.1:${sshd.port}): tried ~/.ssh/id_ed25519`);
    });
  });
});

describe('logged in as root', () => {
  test.runIf(process.getuid?.() === 0)('privileged commands run without sudo', async () => {
    // This file's sshd answers root like a cloud image; a second one lets root in.
    const plain = await startSshd({ permitRoot: true });
    try {
      const h = await pool(plain.clientHome({ user: 'root' })).host('testhost', captureLog().log);
      expect(h.isRoot).toBe(true);
      const r = await h.run(sh`dnf -y install ${'vim'}; id -u`, { sudo: true });
      expect(r.stdout).toEqual(['0']);
      expect(plain.calls()).toEqual([{ name: 'dnf', args: ['-y', 'install', 'vim'] }]);
    } finally {
      await plain.stop();
    }
  });
});
