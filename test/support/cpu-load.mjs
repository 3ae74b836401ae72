#!/usr/bin/env node
// Keeps N CPU cores busy (default: every core) until killed: one busy-looping worker
// thread per core. `npm run test:stress` runs the suite under it, so a test that only
// passes while the machine is idle (a timer racing a child process, a timeout compressed
// until scheduler jitter decides it) fails there instead of now and then in CI.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const n = Number(process.argv[2] ?? availableParallelism());
if (!Number.isInteger(n) || n < 1) {
  console.error(`usage: cpu-load.mjs [THREADS]  (got ${process.argv[2]})`);
  process.exit(2);
}
const spin = 'let x = 0; for (;;) { x = (x * 1103515245 + 12345) % 2147483648; }';
for (let i = 0; i < n; i++) new Worker(spin, { eval: true });
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => process.exit(0));
