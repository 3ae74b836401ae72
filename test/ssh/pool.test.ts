// The pool against a real sshd: reuse, output by line, exit codes, quoting, dry-run,
// timeouts, and what happens when the connection drops or never comes up.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InterruptedError, RemoteCommandError, TimeoutError, UsageError } from '../../src/engine/errors.js';
import { SshError } from '../../src/ssh/errors.js';
import type { SshPool } from '../../src/ssh/pool.js';
import { cmd, sh } from '../../src/ssh/quote.js';
import type { SshSettings } from '../../src/ssh/types.js';
import { captureLog, freePort, silentServer, type Sshd } from '../support/sshd.js';
import { useSshdPools } from '../support/with-sshd.js';

let sshd: Sshd;
let home: string;

const newPool = useSshdPools((s) => {
  sshd = s;
  home = sshd.clientHome();
});
const pool = (overrides: Partial<SshSettings> = {}): SshPool => newPool(home, overrides);

describe('connection reuse', () => {
  test('many commands and many handles on one host make one handshake and one login', async () => {
    const before = sshd.logins();
    const p = pool();
    const a = await p.host('testhost', captureLog().log);
    expect(p.handshakes).toBe(0); // opened on first use, not by host()
    for (let i = 0; i < 10; i++) await a.run(sh`true`);
    const b = await p.host('testhost', captureLog().log);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => b.run(sh`echo ${i}`)));
    expect(results.map((r) => r.stdout[0])).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(p.handshakes).toBe(1);
    expect(sshd.logins() - before).toBe(1);
  });

  test('probe() logs in afresh each time and leaves the pooled connection alone', async () => {
    const p = pool();
    const h = await p.host('testhost', captureLog().log);
    await h.run(sh`true`);
    const before = sshd.logins();
    expect((await h.probe!(sh`echo fresh`)).stdout).toEqual(['fresh']);
    expect((await h.probe!(sh`echo fresh`)).stdout).toEqual(['fresh']);
    expect(sshd.logins() - before).toBe(2);
    await h.run(sh`true`);
    expect(sshd.logins() - before).toBe(2); // the pooled connection is still the first one
    expect(p.handshakes).toBe(3);
  });

  test("greeting() reads sshd's version line over a new connection: no key exchange, no login", async () => {
    const p = pool();
    const h = await p.host('testhost', captureLog().log);
    await h.run(sh`true`);
    const before = sshd.logins();
    expect(await h.greeting!()).toMatch(/^SSH-2\.0-OpenSSH_\S+/);
    expect(sshd.logins() - before).toBe(0);
    expect(p.handshakes).toBe(1);
    expect((await h.run(sh`echo still`)).stdout).toEqual(['still']); // the pooled connection is untouched
  });

  test('two names for the same sshd are two hosts, two connections', async () => {
    const p = pool();
    await (await p.host('testhost', captureLog().log)).run(sh`true`);
    await (await p.host('fedora19.test', captureLog().log)).run(sh`true`);
    expect(p.handshakes).toBe(2);
  });
});

describe('output', () => {
  test('stdout and stderr stay separate and are split into lines, not chunks', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const r = await h.run(sh`printf 'one\r\ntwo\nthree'; printf 'e1\ne2\n' >&2; printf 'four\n'`);
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual(['one', 'two', 'threefour']);
    expect(r.stderr).toEqual(['e1', 'e2']);
  });

  test('large output spanning many data chunks arrives as exact lines, multi-byte characters intact', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const r = await h.run(sh`i=0; while [ $i -lt 5000 ]; do echo "line $i ✓ ünïcödé"; i=$((i+1)); done`);
    expect(r.stdout).toHaveLength(5000);
    expect(r.stdout[0]).toBe('line 0 ✓ ünïcödé');
    expect(r.stdout[4999]).toBe('line 4999 ✓ ünïcödé');
    expect(r.stderr).toEqual([]);
  });

  test('empty output is no lines', async () => {
    const h = await pool().host('testhost', captureLog().log);
    expect(await h.run(sh`true`)).toMatchObject({ code: 0, stdout: [], stderr: [] });
  });

  test('stdin reaches the command', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const r = await h.run(sh`cat`, { stdin: 'a\nb c\n' });
    expect(r.stdout).toEqual(['a', 'b c']);
  });

  test('without stdin the command sees end of input at once', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const r = await h.run(sh`cat; echo done`, { timeoutSeconds: 5 });
    expect(r.stdout).toEqual(['done']);
  });
});

describe('exit codes', () => {
  test('a non-zero exit fails with the host, the command, the code and the last lines of stdout and stderr', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const err = await h.run(sh`for i in 1 2 3 4 5 6 7; do echo "problem $i" >&2; done; echo out; exit 3`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    const e = err as RemoteCommandError;
    expect(e.host).toBe('testhost');
    expect(e.code).toBe(3);
    expect(e.command).toBe('for i in 1 2 3 4 5 6 7; do echo "problem $i" >&2; done; echo out; exit 3');
    expect(e.outputTail).toEqual(['out', 'problem 1', 'problem 2', 'problem 3', 'problem 4', 'problem 5', 'problem 6', 'problem 7']);
    expect(e.message).toBe(
      'testhost: `for i in 1 2 3 4 5 6 7; do echo "problem $i" >&2; done; echo out; exit 3` exited 3: out | problem 1 | problem 2 | problem 3 | problem 4 | problem 5 | problem 6 | problem 7',
    );
    // At most ten lines, each once: the end of each stream is what matters.
    const long = (await h
      .run(sh`for i in $(seq 1 14); do echo "o $i"; echo "same" >&2; echo "e $i" >&2; done; exit 1`)
      .catch((x: unknown) => x)) as RemoteCommandError;
    expect(long.outputTail).toEqual(['o 10', 'o 11', 'o 12', 'o 13', 'o 14', 'e 11', 'e 12', 'e 13', 'same', 'e 14']);
  });

  test('expected codes are answers, not failures', async () => {
    const h = await pool().host('testhost', captureLog().log);
    expect((await h.run(sh`exit 3`, { allowExit: [1, 3] })).code).toBe(3);
    expect((await h.run(sh`exit 42`, { allowExit: 'any' })).code).toBe(42);
    await expect(h.run(sh`exit 2`, { allowExit: [1, 3] })).rejects.toMatchObject({ code: 2 });
  });

  test('a command killed by a signal reports 128+signal and says so', async () => {
    const h = await pool().host('testhost', captureLog().log);
    const r = await h.run(sh`kill -9 $$`, { allowExit: 'any' });
    expect(r.code).toBe(137);
    expect(r.stderr).toContain('(killed by SIGKILL)');
  });
});

describe('quoting: hostile values arrive as literal bytes', () => {
  const hostile = [
    '; rm -rf /',
    '$(touch pwned-subst)',
    '`touch pwned-backtick`',
    'it\'s "quoted"',
    'two\nlines; touch pwned-newline',
    'tab\there',
    '\\back\\slash\\',
    '*',
    '-rf',
    '',
    'ünïcödé ✓',
    '> pwned-redirect',
    '&& touch pwned-and',
  ];

  test('through a stand-in, with and without sudo', async () => {
    const h = await pool().host('testhost', captureLog().log);
    await h.run(cmd('git', 'clone', ...hostile));
    await h.run(sh`git checkout ${hostile}`, { sudo: true });
    const calls = sshd.calls();
    expect(calls[0]).toEqual({ name: 'git', args: ['clone', ...hostile] });
    expect(calls[1]!.name).toBe('sudo');
    expect(calls[2]).toEqual({ name: 'git', args: ['checkout', ...hostile] });
    expect(calls).toHaveLength(3);
    const pwned = readdirSync(sshd.remoteHome).filter((f) => f.startsWith('pwned'));
    expect(pwned).toEqual([]);
  });

  test('echoed back byte for byte', async () => {
    const h = await pool().host('testhost', captureLog().log);
    for (const v of hostile) {
      const r = await h.run(sh`printf '%s' ${v}`);
      expect(r.stdout.join('\n')).toBe(v);
    }
    expect(existsSync(join(sshd.remoteHome, 'pwned-subst'))).toBe(false);
  });
});

describe('dry-run', () => {
  test('prints mutating commands instead of running them, runs read-only probes, and does not connect for the rest', async () => {
    const { log, lines } = captureLog();
    const p = pool({ dryRun: true });
    const h = await p.host('testhost', log);
    const r = await h.run(sh`dnf -y install ${'vim enhanced'}`, { sudo: true });
    expect(r).toEqual({ code: 0, stdout: [], stderr: [], durationMs: 0 });
    await h.run(sh`systemctl restart sshd`);
    await h.upload('x', '/etc/motd', { sudo: true, mode: '0644' });
    expect(p.handshakes).toBe(0);
    expect(lines.filter((l) => l.startsWith('info:'))).toEqual([
      `info: would run on testhost: sudo -n sh -c 'dnf -y install '\\''vim enhanced'\\'''`,
      'info: would run on testhost: systemctl restart sshd',
      'info: would upload 1 bytes to testhost:/etc/motd (mode 0644, as root)',
    ]);
    const probe = await h.run(sh`echo probed; systemctl is-active sshd`, { readOnly: true });
    expect(probe.stdout).toEqual(['probed']);
    expect(p.handshakes).toBe(1);
    expect(sshd.calls()).toEqual([{ name: 'systemctl', args: ['is-active', 'sshd'] }]);
  });
});

describe('visibility', () => {
  test('--verbose shows each remote command with its exit code and duration', async () => {
    const { log, lines } = captureLog();
    const h = await pool().host('testhost', log);
    await h.run(sh`echo ${'a b'}`);
    const verbose = lines.filter((l) => l.startsWith('verbose:'));
    expect(verbose[0]).toMatch(/^verbose: testhost: connected as \S+ to 127\.0\.0\.1:\d+ with \S+ in \d+ ms$/);
    expect(verbose[1]).toMatch(/^verbose: testhost\$ echo 'a b' {2}\(exit 0, \d+\.\d\ds\)$/);
  });
});

describe('timeouts', () => {
  test('a command that runs too long fails with a TimeoutError and the connection stays usable', async () => {
    const p = pool();
    const h = await p.host('testhost', captureLog().log);
    const started = Date.now();
    const err = await h.run(sh`sleep 20`, { timeoutSeconds: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe('testhost: `sleep 20` did not finish within 1.0s');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await h.run(sh`echo still`)).stdout).toEqual(['still']);
    expect(p.handshakes).toBe(1);
  });

  test('connecting to something that never answers the handshake times out with a clear message', async () => {
    const silent = await silentServer();
    try {
      const h2 = sshd.clientHome({ configExtra: `Host blackhole\n  HostName 127.0.0.1\n  Port ${silent.port}\n  IdentityFile ${sshd.userKeyPath}` });
      const p = newPool(h2, { connectTimeoutSeconds: 1 });
      const h = await p.host('blackhole', captureLog().log);
      const started = Date.now();
      const err = await h.run(sh`true`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshError);
      expect((err as SshError).kind).toBe('timeout');
      expect((err as SshError).transient).toBe(true);
      expect((err as Error).message).toBe(`blackhole (127.0.0.1:${silent.port}) answered TCP on port ${silent.port} but not SSH within 1s`);
      expect((err as SshError).hint).toContain(`accepts connections on port ${silent.port} without speaking SSH`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await silent.close();
    }
  });

  test('a greeting check on something that never speaks SSH times out, saying TCP answered', async () => {
    const silent = await silentServer();
    try {
      const h2 = sshd.clientHome({ configExtra: `Host blackhole\n  HostName 127.0.0.1\n  Port ${silent.port}\n  IdentityFile ${sshd.userKeyPath}` });
      const p = newPool(h2, { connectTimeoutSeconds: 1 });
      const err = (await (await p.host('blackhole', captureLog().log)).greeting!().catch((e: unknown) => e)) as SshError;
      expect(err).toBeInstanceOf(SshError);
      expect(err.kind).toBe('timeout');
      expect(err.message).toBe(`blackhole (127.0.0.1:${silent.port}) answered TCP on port ${silent.port} but not SSH within 1s`);
      expect(p.handshakes).toBe(0);
    } finally {
      await silent.close();
    }
  });

  test('a command may cut the connect timeout to what is left of its wait', async () => {
    const silent = await silentServer();
    try {
      const h2 = sshd.clientHome({ configExtra: `Host blackhole\n  HostName 127.0.0.1\n  Port ${silent.port}\n  IdentityFile ${sshd.userKeyPath}` });
      const p = newPool(h2, { connectTimeoutSeconds: 15, timeScale: 1 });
      const h = await p.host('blackhole', captureLog().log);
      const started = Date.now();
      const err = await h.probe!(sh`true`, { connectTimeoutSeconds: 1.5 }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(`blackhole (127.0.0.1:${silent.port}) answered TCP on port ${silent.port} but not SSH within 1.5s`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await silent.close();
    }
  });

  test('a closed port is refused at once, naming host, address and port', async () => {
    const port = await freePort();
    const h2 = sshd.clientHome({ configExtra: `Host closed\n  HostName 127.0.0.1\n  Port ${port}\n  IdentityFile ${sshd.userKeyPath}` });
    const p = newPool(h2);
    const h = await p.host('closed', captureLog().log);
    const err = (await h.connect!().catch((e: unknown) => e)) as SshError;
    expect(err).toBeInstanceOf(SshError);
    expect(err.kind).toBe('refused');
    expect(err.message).toBe(`closed (127.0.0.1:${port}) refused the connection on port ${port}`);
    expect(err.hint).toBe(`is sshd running there and listening on port ${port}?`);
    // A failed attempt is not cached: the next one tries again.
    await expect(h.connect!()).rejects.toMatchObject({ kind: 'refused' });
    // A greeting check fails the same way.
    await expect(h.greeting!()).rejects.toMatchObject({ kind: 'refused', message: `closed (127.0.0.1:${port}) refused the connection on port ${port}` });
  });
});

describe('a dropped connection', () => {
  test('is reopened once before the next command, without crashing on the dead socket', async () => {
    const unhandled: unknown[] = [];
    const onError = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onError);
    try {
      const { log, lines } = captureLog();
      const p = pool();
      const h = await p.host('testhost', log);
      await h.run(sh`true`);
      expect(await sshd.dropConnections()).toBeGreaterThan(0);
      const r = await h.run(sh`echo back`);
      expect(r.stdout).toEqual(['back']);
      expect(p.handshakes).toBe(2);
      expect(lines).toContain('verbose: testhost: the connection was lost; reopening it');
      // And once more, with no pause between the drop and the command.
      await sshd.dropConnections();
      expect((await h.run(sh`echo again`)).stdout).toEqual(['again']);
      expect(p.handshakes).toBe(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });

  test('fails the task when reopening fails too', async () => {
    const p = pool();
    const h = await p.host('testhost', captureLog().log);
    await h.run(sh`true`);
    await sshd.stop();
    try {
      const err = (await h.run(sh`true`).catch((e: unknown) => e)) as SshError;
      expect(err).toBeInstanceOf(SshError);
      expect(err.kind).toBe('refused');
      expect(err.message).toBe(
        `the connection to testhost was lost and reopening it failed: testhost (127.0.0.1:${sshd.port}) refused the connection on port ${sshd.port}`,
      );
    } finally {
      await sshd.start();
    }
    // The host comes back: the next command connects again.
    expect((await h.run(sh`echo up`)).stdout).toEqual(['up']);
  });

  test('a drop in the middle of a command fails it without running it twice', async () => {
    const h = await pool().host('testhost', captureLog().log);
    await h.run(sh`true`);
    const pending = h.run(sh`git fetch; sleep 30`).catch((e: unknown) => e);
    const deadline = Date.now() + 5000;
    while (!sshd.calls().some((c) => c.name === 'git') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sshd.dropConnections();
    const err = (await pending) as SshError;
    expect(err).toBeInstanceOf(SshError);
    expect(err.message).toBe('testhost: the connection was lost while `git fetch; sleep 30` ran; it may or may not have finished');
    expect(sshd.calls().filter((c) => c.name === 'git')).toHaveLength(1);
  });
});

describe('host names', () => {
  test('a name that is not a host name is refused before anything runs', async () => {
    const p = pool();
    await expect(p.host('-oProxyCommand=touch x', captureLog().log)).rejects.toBeInstanceOf(UsageError);
    await expect(p.host('a b', captureLog().log)).rejects.toBeInstanceOf(UsageError);
    expect(p.handshakes).toBe(0);
  });
});

describe('the run stopping (Ctrl-C)', () => {
  test('ends a connect under way at once', async () => {
    const { createServer } = await import('node:net');
    const stop = new AbortController();
    // Accepts TCP, never speaks SSH, and stops the run as soon as the connection arrives.
    const server = createServer((s) => {
      s.on('error', () => {});
      stop.abort();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const h2 = sshd.clientHome({ configExtra: `Host hanging\n  HostName 127.0.0.1\n  Port ${port}\n  IdentityFile ${sshd.userKeyPath}` });
      const p = newPool(h2, { connectTimeoutSeconds: 15, timeScale: 1, signal: stop.signal });
      const h = await p.host('hanging', captureLog().log);
      const started = Date.now();
      const err = await h.run(sh`true`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InterruptedError);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      server.close();
    }
  });

  test('ends a remote command under way at once, and starts no other', async () => {
    const stop = new AbortController();
    const p = pool({ signal: stop.signal });
    const h = await p.host('testhost', captureLog().log);
    await h.run(sh`true`); // connected
    const started = Date.now();
    const running = h.run(sh`sleep 20`).catch((e: unknown) => e);
    setTimeout(() => stop.abort(), 300);
    expect(await running).toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(1500);
    await expect(h.run(sh`true`)).rejects.toBeInstanceOf(InterruptedError);
    await expect(h.upload('x', 'never-written')).rejects.toBeInstanceOf(InterruptedError);
  });
});
