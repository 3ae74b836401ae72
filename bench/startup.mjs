#!/usr/bin/env node
// Cold-start cost of the CLI: median wall time of `origin-setup list` against `node -e 0`,
// measured side by side (interleaved, so machine load affects both alike).
// Target: ratio ≤ 2.0. Run after `npm run build`:  node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 21);
const bin = fileURLToPath(new URL('../bin/origin-setup', import.meta.url));
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'origin-setup list': [process.execPath, [bin, 'list']],
  'origin-setup help ec2:ip:create': [process.execPath, [bin, 'help', 'ec2:ip:create']],
};

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    if (i >= 2) times[name].push(ms); // the first two rounds warm the disk cache
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`runs: ${runs} each, interleaved`);
for (const name of Object.keys(cases)) {
  const m = median(times[name]);
  console.log(`${name.padEnd(40)} median ${m.toFixed(1).padStart(6)} ms   ratio ${(m / base).toFixed(2)}`);
}
const ratio = median(times['origin-setup list']) / base;
console.log(`target: origin-setup list ≤ 2.0 × node -e 0 → ${ratio <= 2 ? 'met' : 'MISSED'} (${ratio.toFixed(2)})`);
process.exitCode = ratio <= 2 ? 0 : 1;
