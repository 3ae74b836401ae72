// The hooks every SSH-backed test file needs, written once: one real sshd per file,
// stand-ins reset and a fresh client environment (HOME with ssh_config, keys,
// known_hosts) before each test. Kept apart from sshd.ts so the harness does not load the CLI.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { SshPool } from '../../src/ssh/pool.js';
import type { SshSettings } from '../../src/ssh/types.js';
import { testEnv } from './cli.js';
import { startSshd, type Sshd } from './sshd.js';

type StartOptions = NonNullable<Parameters<typeof startSshd>[0]>;

/** `bind` receives the sshd and a fresh env before the file's tests and again before each test. */
export function useTestSshd(bind: (sshd: Sshd, env: NodeJS.ProcessEnv) => void, options: StartOptions = {}): void {
  let sshd: Sshd | undefined;
  beforeAll(async () => {
    sshd = await startSshd(options);
    bind(sshd, sshd.env(testEnv()));
  });
  afterAll(async () => sshd?.stop());
  beforeEach(() => {
    sshd!.resetStandIns();
    bind(sshd!, sshd!.env(testEnv()));
  });
}

/**
 * For tests of the SSH layer itself: one sshd per file (handed to `bind` once started),
 * stand-ins reset before each test, and every pool made through the returned factory
 * closed after it.
 */
export function useSshdPools(bind: (sshd: Sshd) => void, options: StartOptions = {}): (home: string, overrides?: Partial<SshSettings>) => SshPool {
  let sshd: Sshd | undefined;
  const pools: SshPool[] = [];
  beforeAll(async () => {
    sshd = await startSshd(options);
    bind(sshd);
  });
  afterAll(async () => sshd?.stop());
  beforeEach(() => sshd!.resetStandIns());
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  return (home, overrides = {}) => {
    const p = new SshPool(sshd!.settings(home, overrides));
    pools.push(p);
    return p;
  };
}
