// --sandbox-ssh HOST: the sandbox's instances stand on a real SSH host, so the remote steps
// of a sandbox run really run there (here the test sshd, with its recording stand-ins).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPaths } from '../../src/platform/system.js';
import { runCli } from '../support/cli.js';
import type { Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;
useTestSshd(
  (s, e) => {
    sshd = s;
    env = e;
  },
  { distribution: 'fedora19' },
);

const saved = { ...systemPaths };
beforeAll(() => {
  // The stand-in sudo never becomes root: the files the host-name tasks edit live where the login may write.
  const etc = join(sshd.dir, 'etc');
  mkdirSync(etc, { recursive: true });
  chmodSync(etc, 0o777);
  Object.assign(systemPaths, { hostname: join(etc, 'hostname'), hosts: join(etc, 'hosts'), cloudCfg: join(etc, 'cloud.cfg') });
  writeFileSync(systemPaths.cloudCfg, 'users:\n - default\n');
  chmodSync(systemPaths.cloudCfg, 0o666);
});
afterAll(() => void Object.assign(systemPaths, saved));

describe('--sandbox-ssh HOST', () => {
  it('runs the remote steps of a sandbox run on the real host, reached by its own ssh_config entry', async () => {
    const e = { ...env, ORIGIN_SETUP_SANDBOX_SPEED: '0', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
    const logins = sshd.logins();
    const r = await runCli(
      ['--sandbox-ssh', 'testhost', 'origin:baseinstance', 'demo', '--hostname', 'demo.example.test', '--elasticip', '--timeout', '60000'],
      e,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('shown, not run');
    expect(r.stderr).toMatch(/\[sandbox\] {3}task: remote:hostname ec2-127-\S+ demo\.example\.test\n/);
    // The host's name was really set there, over a real login.
    expect(
      sshd
        .calls()
        .filter((c) => c.name === 'hostnamectl')
        .map((c) => c.args),
    ).toContainEqual(['set-hostname', 'demo.example.test']);
    expect(sshd.logins()).toBeGreaterThan(logins);
  });

  it('without it, a flow that works on a host is shown, not run, and says how to run it', async () => {
    const logins = sshd.logins();
    const r = await runCli(['--sandbox', 'origin:puppetmaster', 'demo.example.test'], { ...env, ORIGIN_SETUP_SANDBOX_SPEED: '0' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      '[sandbox] task: origin:puppetmaster demo.example.test  (shown, not run: sandbox)\n' +
        '  - sandbox: steps that need SSH are shown, not run; --sandbox-ssh HOST runs them on a real host\n',
    );
    expect(r.stdout).toBe('');
    expect(sshd.logins()).toBe(logins);
  });
});
