// Several real processes on one sandbox at once: the lock and the atomic replace must lose
// no change and never leave a broken file. The sandbox is bundled with esbuild for the
// child processes, since Node cannot load the TypeScript sources itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSource } from '../../../esbuild-node.mjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readState, STATE_FILE } from '../../../src/sandbox/store.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const hammer = fileURLToPath(new URL('../../support/sandbox-hammer.mjs', import.meta.url));
let work: string;
let bundle: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sandbox-procs-'));
  bundle = join(work, 'sandbox.mjs');
  await bundleSource(root, "export { startSandbox } from './src/sandbox/server.ts'; export { withState } from './src/sandbox/store.ts';", bundle);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  stderr: string;
}

/** Starts the hammers together and resolves when every one has exited. */
function runAll(args: string[][]): Promise<Exit[]> {
  return Promise.all(
    args.map(
      (a) =>
        new Promise<Exit>((resolve, reject) => {
          const child = spawn(process.execPath, [hammer, ...a], {
            cwd: root,
            stdio: ['ignore', 'ignore', 'pipe'],
            env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
          });
          let stderr = '';
          child.stderr.on('data', (d) => (stderr += d));
          child.on('error', reject);
          child.on('close', (code) => resolve({ code, stderr }));
        }),
    ),
  );
}

it('loses no round of two processes that read, change and write the state at once', async () => {
  const dir = join(work, 'count');
  const before = (await readState(dir)).serial;
  const exits = await runAll([
    ['count', bundle, dir, 'a', '150'],
    ['count', bundle, dir, 'b', '150'],
  ]);
  for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0 });
  expect((await readState(dir)).serial).toBe(before + 300);
  expect(readdirSync(dir)).toEqual([STATE_FILE]);
});

it('keeps every record two processes create through their own endpoints at once', async () => {
  const dir = join(work, 'sdk');
  const exits = await runAll([
    ['sdk', bundle, dir, 'a', '25'],
    ['sdk', bundle, dir, 'b', '25'],
  ]);
  for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0 });
  const state = await readState(dir);
  const names = state.route53.zones[0]!.records.filter((r) => r.type === 'A').map((r) => r.name);
  expect(names).toHaveLength(50);
  for (const tag of ['a', 'b']) for (let i = 0; i < 25; i++) expect(names).toContain(`${tag}-${i}.example.test.`);
  expect(state.route53.changes).toHaveLength(50);
  expect(readdirSync(dir)).toEqual([STATE_FILE]);
});
