// Runs the CLI in-process, as a user would from the shell, and captures what it prints.
// AWS traffic never leaves the process: tests mock the SDK clients with aws-sdk-client-mock.
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import type { Runner } from '../../src/engine/runner.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh HOME with no awscred, and the environment every test uses. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'origin-setup-home-'));
  return {
    HOME: home,
    PATH: process.env.PATH,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret-key-do-not-print',
    AWS_REGION: 'us-east-1',
    // Every wait and poll runs a thousand times faster.
    ORIGIN_SETUP_TIME_SCALE: '0.001',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Writes an awscred file into the env's HOME (mode 0600 unless given). */
export function writeAwsCred(env: NodeJS.ProcessEnv, text: string, mode = 0o600): string {
  const path = join(env.HOME!, '.awscred');
  mkdirSync(env.HOME!, { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** `onRunner` hands over the run's Runner (its abort is what bin/ calls on Ctrl-C). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = testEnv(), cwd?: string, o: { onRunner?: (r: Runner) => void } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, env, cwd: cwd ?? env.HOME!, ...(o.onRunner ? { onRunner: o.onRunner } : {}) });
  return { code, stdout: out, stderr: err };
}
