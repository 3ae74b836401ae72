#!/usr/bin/env node
// `npm run test:stress [-- RUNS [THREADS]]`: runs `npm test` RUNS times in a row (default 5)
// while test/support/cpu-load.mjs keeps THREADS cores busy (default: all of them), stops at
// the first failing run and prints each run's wall time. A suite that is only green on an
// idle machine fails here.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 5);
const threads = Number(process.argv[3] ?? availableParallelism());
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(threads) || threads < 0) {
  console.error('usage: npm run test:stress [-- RUNS [THREADS]]');
  process.exit(2);
}

const load = threads > 0 ? spawn(process.execPath, [join(root, 'test/support/cpu-load.mjs'), String(threads)], { stdio: 'inherit' }) : undefined;
const stopLoad = () => {
  if (load && load.exitCode === null && load.signalCode === null) load.kill('SIGTERM');
};
process.on('exit', stopLoad);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stopLoad();
    process.exit(130);
  });
}

const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const times = [];
let failed = 0;
console.log(`test:stress: ${runs} run(s) of npm test, ${threads} busy-loop thread(s) on ${availableParallelism()} core(s)`);
for (let i = 1; i <= runs; i++) {
  console.log(`\n=== test:stress: run ${i}/${runs} ===`);
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn('npm', ['test'], { cwd: root, stdio: 'inherit' });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  times.push(Date.now() - started);
  console.log(`=== test:stress: run ${i}/${runs} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${secs(times.at(-1))} ===`);
  if (code !== 0) {
    failed = i;
    break;
  }
}
stopLoad();
console.log(`\ntest:stress: wall times: ${times.map((t, i) => `run ${i + 1} ${secs(t)}`).join(', ')}`);
console.log(failed ? `test:stress: run ${failed} failed; stopped there` : `test:stress: all ${runs} runs passed`);
process.exit(failed ? 1 : 0);
