// The hooks every SSH-backed test file needs, written once: one real sshd per file,
// stand-ins reset and a fresh client environment (HOME with ssh_config, keys,
// known_hosts) before each test. Kept apart from sshd.ts so the harness does not load the CLI.
import { afterAll, beforeAll, beforeEach } from 'vitest';
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
