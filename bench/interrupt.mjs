#!/usr/bin/env node
// How fast the built binary stops, side by side for the waits a run can be in:
//   waiter      ec2:instance:create --wait, Ctrl-C while the SDK waiter sleeps between polls
//               (a fake EC2 endpoint on 127.0.0.1; the instance stays pending)
//   ssh connect remote:available --wait, Ctrl-C while the login hangs on a server that
//               accepts TCP and never speaks SSH
//   poll sleep  remote:available --wait, Ctrl-C between tries against a refused port
//   2nd Ctrl-C  as waiter, but the rollback's TerminateInstances takes 5 s: the second
//               Ctrl-C quits without waiting for it
// For each: SIGINT → rollback done, rollback done → exit, SIGINT → exit (ms, median of
// the runs). Target: exit within 1000 ms of the rollback (or of the second Ctrl-C).
// Then one deadline per wait: remote:available --wait --timeout T against the silent
// server, wall time from the task's echo to exit; target T + 1 s.
//
// Every Ctrl-C is sent on an observable event (a line on stderr), never on a timer.
// The waiter's sleep is announced by test/support/announce-waiter-sleep.mjs (--import).
//
//   npm run build && node bench/interrupt.mjs [--runs N] [--bin PATH]
// (--bin: another build's bin/origin-setup, e.g. of an older commit in a worktree, to
// compare; the waiter-sleep announcement works with any build.)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 3);
const binAt = process.argv.indexOf('--bin');
const BIN = binAt > 0 ? process.argv[binAt + 1] : fileURLToPath(new URL('../bin/origin-setup', import.meta.url));
const ANNOUNCE = fileURLToPath(new URL('../test/support/announce-waiter-sleep.mjs', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const home = mkdtempSync(join(tmpdir(), 'origin-setup-bench-interrupt-'));
mkdirSync(join(home, '.ssh'), { recursive: true });
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, '.ssh', 'id_ed25519')]);
const env = {
  HOME: home,
  PATH: process.env.PATH,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_REGION: 'us-east-1',
  ORIGIN_SETUP_TIME_SCALE: '1',
  NO_COLOR: '1',
};

// --- servers -----------------------------------------------------------------------------
const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const ID = 'i-0123456789abcdef0';
const AMI = 'ami-0f19f19f19f19f19f';
const item = `<item><instanceId>${ID}</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item>`;
let terminateDelayMs = 0;
const answers = {
  DescribeImages: () =>
    `<DescribeImagesResponse ${NS}><requestId>r</requestId><imagesSet><item><imageId>${AMI}</imageId><rootDeviceName>/dev/sda1</rootDeviceName><rootDeviceType>ebs</rootDeviceType></item></imagesSet></DescribeImagesResponse>`,
  DescribeInstances: (p) =>
    `<DescribeInstancesResponse ${NS}><requestId>r</requestId><reservationSet>${p.get('InstanceId.1') ? `<item><reservationId>r-1</reservationId><instancesSet>${item}</instancesSet></item>` : ''}</reservationSet></DescribeInstancesResponse>`,
  RunInstances: () =>
    `<RunInstancesResponse ${NS}><requestId>r</requestId><reservationId>r-1</reservationId><instancesSet>${item}</instancesSet></RunInstancesResponse>`,
  TerminateInstances: () =>
    `<TerminateInstancesResponse ${NS}><requestId>r</requestId><instancesSet><item><instanceId>${ID}</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>0</code><name>pending</name></previousState></item></instancesSet></TerminateInstancesResponse>`,
};
const ec2 = createHttp((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const p = new URLSearchParams(body);
    const action = p.get('Action');
    const answer = answers[action];
    const delay = action === 'TerminateInstances' ? terminateDelayMs : 0;
    setTimeout(() => {
      res.writeHead(answer ? 200 : 400, { 'content-type': 'text/xml' });
      res.end(answer ? answer(p) : '<Response><Errors><Error><Code>InvalidAction</Code><Message>no</Message></Error></Errors></Response>');
    }, delay);
  });
});
const silentSockets = new Set();
const silent = createServer((s) => {
  silentSockets.add(s);
  s.on('error', () => {});
  s.on('close', () => silentSockets.delete(s));
});
const listen = (server) => new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
const ec2Port = await listen(ec2);
const silentPort = await listen(silent);
const refusedPort = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
writeFileSync(
  join(home, '.ssh', 'config'),
  `Host silent.bench\n  HostName 127.0.0.1\n  Port ${silentPort}\nHost refused.bench\n  HostName 127.0.0.1\n  Port ${refusedPort}\n`,
);

// --- one run of the binary, Ctrl-C on stderr events ---------------------------------------
/** `signals`: [text on stderr that triggers a SIGINT, …]; returns when each was seen and the exit. */
function run(argv, signals, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...argv], { env, cwd: home, stdio: ['ignore', 'ignore', 'pipe'] });
    const at = { start: performance.now() };
    let seen = '';
    let next = 0;
    child.stderr.on('data', (d) => {
      seen += d;
      const now = performance.now();
      if (!at.echo && seen.includes('task: ')) at.echo = now;
      if (!at.removed && /- removed |^error: interrupted$/m.test(seen) && at.sigint) at.removed = now;
      while (next < signals.length && seen.includes(signals[next])) {
        at[`sigint${next ? next + 1 : ''}`] = now;
        child.kill('SIGINT');
        next++;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...at, exit: performance.now(), code, stderr: seen }));
  });
}

const scenarios = [
  {
    name: 'waiter',
    argv: ['ec2:instance:create', '--name', 'web1', '--image', AMI, '--key', 'k', '--wait', '--endpoint-url', `http://127.0.0.1:${ec2Port}`],
    signals: ['test: waiter sleeps'],
    nodeArgs: ['--import', ANNOUNCE],
  },
  { name: 'ssh connect', argv: ['remote:available', 'silent.bench', '--wait', '--timeout', '600'], signals: ['task: remote:available'] },
  { name: 'poll sleep', argv: ['remote:available', 'refused.bench', '--wait', '--timeout', '600', '--verbose'], signals: ['try 1:'] },
  {
    name: '2nd Ctrl-C',
    argv: ['ec2:instance:create', '--name', 'web1', '--image', AMI, '--key', 'k', '--wait', '--endpoint-url', `http://127.0.0.1:${ec2Port}`],
    signals: ['test: waiter sleeps', '- rolling back'],
    nodeArgs: ['--import', ANNOUNCE],
    slowRollback: true,
  },
];

const fmt = (x) => (x === undefined ? '—' : x.toFixed(0)).padStart(10);
const rows = [];
let ok = true;
for (const s of scenarios) {
  terminateDelayMs = s.slowRollback ? 5000 : 0;
  const toRolledBack = [];
  const toExitAfterRollback = [];
  const toExit = [];
  const codes = new Set();
  for (let i = 0; i < RUNS; i++) {
    const r = await run(s.argv, s.signals, s.nodeArgs);
    codes.add(r.code);
    if (s.slowRollback) {
      toExit.push(r.exit - r.sigint);
      toExitAfterRollback.push(r.exit - r.sigint2); // measured from the second Ctrl-C
    } else {
      if (r.removed) toRolledBack.push(r.removed - r.sigint);
      toExitAfterRollback.push(r.exit - (r.removed ?? r.sigint));
      toExit.push(r.exit - r.sigint);
    }
  }
  const after = median(toExitAfterRollback);
  const met = after < 1000 && codes.size === 1 && codes.has(130);
  ok &&= met;
  rows.push(
    `  ${s.name.padEnd(12)}${fmt(toRolledBack.length ? median(toRolledBack) : undefined)}${fmt(after)}${fmt(median(toExit)).padStart(13)}   exit ${[...codes].join('/')}  ${met ? 'ok' : 'MISSED'}`,
  );
}
console.log(`Ctrl-C through the built binary (ms, median of ${RUNS} runs; target: exit < 1000 ms after the rollback)`);
console.log(`  ${'wait'.padEnd(12)}${'→stopped'.padStart(10)}${'→exit*'.padStart(10)}${'SIGINT→exit'.padStart(13)}`);
for (const r of rows) console.log(r);
console.log('  →stopped: SIGINT to the rollback done (or "error: interrupted" when there was nothing to roll back)');
console.log('  * after that; for 2nd Ctrl-C, after the second SIGINT');

console.log(`One deadline per wait: remote:available --wait --timeout T against a server that never speaks SSH`);
console.log(`  ${'T (s)'.padEnd(12)}${'echo→exit'.padStart(10)}${'target'.padStart(10)}`);
for (const t of [3, 8]) {
  const walls = [];
  let message = '';
  for (let i = 0; i < Math.min(RUNS, 2); i++) {
    const r = await run(['remote:available', 'silent.bench', '--wait', '--timeout', String(t)], []);
    walls.push(r.exit - r.echo);
    message = /answered TCP on port \d+ but not SSH/.test(r.stderr) ? 'says TCP, not SSH' : 'MESSAGE MISSING';
  }
  const wall = median(walls);
  const met = wall < (t + 1) * 1000 && message === 'says TCP, not SSH';
  ok &&= met;
  console.log(`  ${String(t).padEnd(12)}${fmt(wall)}${fmt((t + 1) * 1000)}   ${message}  ${met ? 'ok' : 'MISSED'}`);
}

for (const s of silentSockets) s.destroy();
silent.close();
ec2.closeAllConnections?.();
ec2.close();
rmSync(home, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
