#!/usr/bin/env node
// Cold-start cost of the CLI: median wall time of `origin-setup list`, of shell
// completion and of a full-CLI command against `node -e 0`, measured side by side
// (interleaved, so machine load affects all alike). `list` and completion are answered
// by the quick entry from dist/catalogue.json.
// Targets: list and completion ≤ 1.4 × node -e 0; the full CLI (help TASK) ≤ 2.0.
// Run after `npm run build`:  node bench/startup.mjs [runs]   (any node: 20, 22, 24)
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 21);
const bin = fileURLToPath(new URL('../bin/origin-setup', import.meta.url));
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'origin-setup list': [process.execPath, [bin, 'list']],
  'origin-setup __complete -- ec2:ins': [process.execPath, [bin, '__complete', '--', 'ec2:ins']],
  'origin-setup help ec2:ip:create': [process.execPath, [bin, 'help', 'ec2:ip:create']],
  // Shown, not a target: the emulator and the SDK load only with --sandbox, which is why
  // the plain `list` above stays as fast as it is.
  'origin-setup --sandbox ec2:instance:list': [process.execPath, [bin, '--sandbox', 'ec2:instance:list']],
};
// The sandbox's state goes to a scratch HOME, not yours.
const env = { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'bench-startup-')), ORIGIN_SETUP_SANDBOX_SPEED: '0' };

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env });
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
const targets = [
  ['origin-setup list', 1.4],
  ['origin-setup __complete -- ec2:ins', 1.4],
  ['origin-setup help ec2:ip:create', 2.0],
];
let met = true;
for (const [name, target] of targets) {
  const ratio = median(times[name]) / base;
  met &&= ratio <= target;
  console.log(`target: ${name} ≤ ${target} × node -e 0 → ${ratio <= target ? 'met' : 'MISSED'} (${ratio.toFixed(2)})`);
}
process.exitCode = met ? 0 : 1;
