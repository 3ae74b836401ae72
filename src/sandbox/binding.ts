// Opening the sandbox for one run: the embedded endpoint started, and the defaults a
// sandbox run uses in place of an awscred file (no secret, the sandbox's key pair and
// base images). Loaded only with --sandbox, so a plain run never loads the emulator.
import type { AwsCred } from '../config/awscred.js';
import type { SandboxBinding, Settings } from '../config/settings.js';
import { UsageError } from '../engine/errors.js';
import type { SandboxState } from './model.js';
import { startSandbox } from './server.js';
import { newState, sandboxDir } from './store.js';

/** The --baseos sections a sandbox offers: the seed posts' Fedora images, by their real ids. */
export const SANDBOX_BASE_OS: Record<string, string> = {
  fedora17: 'ami-2509664c',
  fedora18: 'ami-b71078de',
  fedora19: 'ami-6f3b5006',
};

/** ORIGIN_SETUP_SANDBOX_SPEED: 1 feels real but short, 0 is instant (for scripts' CI). */
export function sandboxSpeed(env: NodeJS.ProcessEnv): number {
  const raw = env.ORIGIN_SETUP_SANDBOX_SPEED;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`ORIGIN_SETUP_SANDBOX_SPEED=${raw}: a number, 0 or more (0 is instant, 1 the default)`);
  return n;
}

export function sandboxCred(dir: string, state: SandboxState): AwsCred {
  return {
    path: `${dir} (the sandbox)`,
    keyPairName: state.ec2.keyPairs[0]?.name,
    region: state.region,
    sections: Object.fromEntries(Object.entries(SANDBOX_BASE_OS).map(([name, id]) => [name, { baseOSImage: id }])),
    warnings: [],
  };
}

/**
 * Starts the endpoint and points the run's settings at it; close() stops it. The
 * sandbox's own tasks (`endpoint: false`) need no endpoint and must not read the state
 * first: sandbox:reset is the way out of a corrupt file.
 */
export async function openSandbox(settings: Settings, home: string, o: { endpoint: boolean }): Promise<{ binding: SandboxBinding; close(): Promise<void> }> {
  const dir = sandboxDir(settings.flags.sandboxDir, settings.env, home);
  const scale = sandboxSpeed(settings.env);
  if (!o.endpoint) {
    settings.sandbox = { endpoint: '', dir, cred: sandboxCred(dir, newState()) };
    return { binding: settings.sandbox, close: async () => {} };
  }
  // The server reads (or creates) the state once, refusing a file it cannot use.
  const server = await startSandbox({ dir, scale });
  const binding: SandboxBinding = {
    endpoint: server.endpoint,
    dir,
    cred: sandboxCred(dir, server.state),
    ...(settings.flags.sandboxSsh ? { ssh: settings.flags.sandboxSsh } : {}),
  };
  settings.sandbox = binding;
  return { binding, close: () => server.close() };
}
