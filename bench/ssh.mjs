#!/usr/bin/env node
// The SSH layer's overhead, side by side in one run, against the real test sshd:
//   1. 20 remote tasks on one host through origin-setup (one Runner, i.e. one run of the
//      tool: the tasks go through the registry, the runner, the pool, known_hosts checking
//      and line splitting), against 20 bare ssh2 exec calls on one connection that run the
//      same commands. Both sides include opening their connection. Target ratio ≤ 1.3.
//   2. The SSH handshakes those 20 tasks made (the pool's count and sshd's own log of
//      logins). Target 1.
//
// How it runs: the sources are bundled on the fly with esbuild (packages stay external,
// so ssh2 is loaded exactly as the tool loads it), the sshd is test/support/sshd.ts.
//
//   node bench/ssh.mjs [--runs N]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleSource, NODE_BUNDLE } from '../esbuild-node.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 9);
const TASKS = 20;
const TARGET_RATIO = 1.3;

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so the bundles' external packages resolve from its node_modules.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const work = mkdtempSync(join(root, 'node_modules', '.cache', 'bench-ssh-'));
const bundle = async (entry, out, contents) => {
  if (contents) await bundleSource(root, contents, join(work, out));
  else await build({ ...NODE_BUNDLE, entryPoints: [join(root, entry)], outfile: join(work, out) });
  return import(join(work, out));
};
const { startSshd } = await bundle('test/support/sshd.ts', 'sshd.mjs');
const tool = await bundle(
  null,
  'tool.mjs',
  `export { newRunner } from './src/compose.ts';
   export { Settings } from './src/config/settings.ts';
   export { Output } from './src/engine/output.ts';
   export { findTask } from './src/tasks/index.ts';`,
);
const { Client } = (await import(join(root, 'node_modules/ssh2/lib/index.js'))).default;

const sshd = await startSshd({ hosts: ['benchhost'] });
const home = sshd.clientHome();
// Tasks that each run one read-only remote command.
const plan = Array.from({ length: TASKS }, (_, i) => ['remote:arch', 'remote:pidone', 'remote:hostname', 'remote:timezone'][i % 4]);

async function throughTool() {
  const flags = { verbose: true, quiet: false, debug: false, json: false, dryRun: false, color: false, strictHostKeys: false, keepOnFailure: false };
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  const env = { HOME: home, PATH: process.env.PATH, NO_COLOR: '1' };
  const runner = tool.newRunner(tool.findTask, new tool.Settings(flags, env, home, home), new tool.Output(new PassThrough(), stderr, flags));
  const started = performance.now();
  const results = [];
  for (const name of plan) results.push(await runner.run(tool.findTask(name), ['benchhost'], {}));
  const ms = performance.now() - started;
  // The runner's pool is private to TypeScript, not to JavaScript: read its count.
  const handshakes = (await runner.pool).handshakes;
  await runner.close();
  const commands = log
    .split('\n')
    .filter((l) => /benchhost\$ /.test(l))
    .map((l) => l.replace(/^.*benchhost\$ /, '').replace(/ {2}\(exit.*$/, ''));
  return { ms, handshakes, commands, results };
}

async function bare(commands) {
  const started = performance.now();
  const client = new Client();
  await new Promise((resolve, reject) => {
    client.on('ready', resolve).on('error', reject);
    client.connect({ host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: readFileSync(sshd.userKeyPath) });
  });
  client.setNoDelay(true);
  connectMs.push(performance.now() - started);
  for (const command of commands) {
    await new Promise((resolve, reject) => {
      client.exec(command, (err, ch) => {
        if (err) return reject(err);
        let out = '';
        ch.on('data', (d) => (out += d));
        ch.stderr.resume();
        ch.on('close', () => resolve(out));
        ch.end();
      });
    });
  }
  const ms = performance.now() - started;
  client.end();
  return ms;
}

const connectMs = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs) => Math.min(...xs);
const toolMs = [];
const bareMs = [];
let last;
try {
  const warm = await throughTool(); // loads ssh2 and the tasks once, as any real run has to
  await bare(warm.commands);
  // Alternate which side goes first, so neither always runs on a warmer process.
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) bareMs.push(await bare(warm.commands));
    const loginsBefore = sshd.logins();
    last = await throughTool();
    last.logins = sshd.logins() - loginsBefore;
    toolMs.push(last.ms);
    if (!(i % 2)) bareMs.push(await bare(warm.commands));
  }
} finally {
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
}

const t = median(toolMs);
const b = median(bareMs);
const ratio = t / b;
console.log(`${TASKS} remote tasks on one host (median of ${RUNS} runs, connection setup included on both sides)`);
console.log(`  origin-setup, one run        ${t.toFixed(1).padStart(7)} ms   (best ${min(toolMs).toFixed(1)} ms; ${last.commands.length} remote commands)`);
console.log(`  bare ssh2, one connection    ${b.toFixed(1).padStart(7)} ms   (best ${min(bareMs).toFixed(1)} ms; the same ${last.commands.length} commands)`);
console.log(`  (bare ssh2 connection setup alone: ${median(connectMs).toFixed(1)} ms)`);
console.log(`  ratio                        ${ratio.toFixed(2).padStart(7)}      target ≤ ${TARGET_RATIO}  ${ratio <= TARGET_RATIO ? 'ok' : 'MISSED'}`);
console.log(`SSH handshakes for those ${TASKS} tasks`);
console.log(`  pool count                   ${String(last.handshakes).padStart(7)}      target 1  ${last.handshakes === 1 ? 'ok' : 'MISSED'}`);
console.log(`  logins in sshd's log         ${String(last.logins).padStart(7)}`);
process.exitCode = ratio <= TARGET_RATIO && last.handshakes === 1 ? 0 : 1;
