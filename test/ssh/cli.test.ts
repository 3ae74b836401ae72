// The SSH layer as the CLI drives it: the global flags reach the pool (--verbose,
// --username, --ssh-key, --strict-host-keys), host-key refusals end the run with exit 1
// and one clear line, and the process state is clean afterwards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch as osArch } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runCli, testEnv } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';

let sshd: Sshd;
let machine: string;

beforeAll(async () => {
  sshd = await startSshd();
  machine = { x64: 'x86_64', arm64: 'aarch64' }[osArch()] ?? osArch();
});
afterAll(async () => {
  await sshd.stop();
});
beforeEach(() => sshd.resetStandIns());

describe('through the CLI', () => {
  test('a task reaches the host by its ~/.ssh/config name; stdout holds only the result', async () => {
    const r = await runCli(['remote:arch', 'testhost'], sshd.env(testEnv()));
    expect(r).toEqual({ code: 0, stdout: `${machine}\n`, stderr: 'task: remote:arch testhost\n' });
  });

  test('--verbose shows the login and each remote command with its exit code and duration', async () => {
    const r = await runCli(['remote:arch', 'testhost', '--verbose'], sshd.env(testEnv()));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`testhost: connected as ${sshd.user} to 127\\.0\\.0\\.1:${sshd.port} with \\S+ in \\d+ ms\\n`));
    expect(r.stderr).toMatch(/testhost\$ uname -m {2}\(exit 0, \d+\.\d\ds\)\n/);
  });

  test('an unknown host is recorded and reported on stderr, the result still alone on stdout', async () => {
    const env = sshd.env(testEnv(), { knownHosts: false });
    const r = await runCli(['remote:arch', 'testhost'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${machine}\n`);
    const file = join(env.HOME!, '.ssh', 'known_hosts');
    expect(r.stderr).toMatch(new RegExp(`new host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} \\(ED25519 SHA256:\\S+\\) recorded in ${file} line 1\\n`));
    expect(readFileSync(file, 'utf8')).toBe(`${sshd.hostKeyLine()}\n`);
  });

  test('--strict-host-keys refuses an unknown host: exit 1, one message with its hint, nothing recorded', async () => {
    const env = sshd.env(testEnv(), { knownHosts: false });
    const r = await runCli(['remote:arch', 'testhost', '--strict-host-keys'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`host key for [127.0.0.1]:${sshd.port} is not known`);
    expect(r.stderr).toContain('--strict-host-keys is set');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(() => readFileSync(join(env.HOME!, '.ssh', 'known_hosts'))).toThrow();
  });

  test('a changed host key ends the run naming the known_hosts line to remove', async () => {
    const env = sshd.env(testEnv(), { knownHosts: false });
    const file = join(env.HOME!, '.ssh', 'known_hosts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, `# keep\n[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0XMh6FqbOE0Uv7hEYgpHh3ZE0zHj2W1C9j5eKqzT7\n`);
    const r = await runCli(['remote:arch', 'testhost'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`host key for [127.0.0.1]:${sshd.port} changed`);
    expect(r.stderr).toContain(`remove line 2 of ${file}`);
  });

  test('--username and --ssh-key reach the pool', async () => {
    const wrong = sshd.newKey('cli-wrong');
    const r = await runCli(['remote:arch', 'testhost', '--username', 'nobody', '--ssh-key', wrong], sshd.env(testEnv()));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`authentication failed for nobody@testhost (127.0.0.1:${sshd.port}): tried ${wrong}`);
    const ok = await runCli(['remote:arch', 'testhost', '--ssh-key', sshd.userKeyPath], sshd.env(testEnv(), { identityFile: null }));
    expect(ok).toMatchObject({ code: 0, stdout: `${machine}\n` });
  });
});
