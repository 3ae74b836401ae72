#!/usr/bin/env node
// Many hosts in one command, side by side in one run: `origin:puppetclient @agents MASTER`
// on N = 1, 5 and 20 agents against one master, all real test sshds, twice: straight over
// loopback, and through bench/delay-proxy.mjs, which puts a network between the tool and
// the hosts (--delay MS each way, default 25: a 50 ms round trip, an operator's distance
// from an EC2 region).
//   1. wall(N) / wall(1) for N = 5 and 20: with the hosts worked on at once, twenty agents
//      should cost little more than one. Target wall(20) / wall(1) ≤ 1.5 with the network
//      between; the loopback figure is printed beside it (see below for what bounds it).
//   2. SSH handshakes: the pool's count and each sshd's own log of logins. Target: one
//      login per host at every N, the master's included: each agent's first wait for SSH
//      opens its pooled connection, and the check after its firewall starts reads sshd's
//      greeting over a new connection without logging in.
//
// The hosts are the stand-in worlds of test/origin/flow-world.ts: a modelled puppet,
// package managers and CA on each sshd, no real Puppet. Real Puppet on a 2-core machine
// would measure Ruby starting a few hundred times, not the tool. The master's CA takes
// one request or signature at a time (flock), as a real one does, and an agent's request
// reaches it when the agent service starts. Waits are shortened by
// ORIGIN_SETUP_TIME_SCALE=0.01 so the sign polls do not hide the rest.
//
// All 21 "hosts" share this machine's cores, which real hosts would not: each remote
// command costs an sshd session, a shell and the stand-ins here, and over loopback nothing
// else takes time, so twenty hosts' commands queue for two cores. So the bench also prints
// the CPU time each run cost: the hosts' side (every sshd with its sessions and
// stand-ins, from /proc), the tool's own (process.cpuUsage), and the whole machine's
// (/proc/stat, which includes whatever else runs there). When wall(N) is about the CPU
// time divided by the cores, the machine was saturated and the tool's waiting was not
// what held the run back.
//
// How it runs: the sources and test harness are bundled on the fly with esbuild (packages
// stay external), and the CLI's `main` runs in this process.
//
//   node bench/fleet.mjs [--runs N] [--delay MS] [--log FILE]      (npm run bench:fleet)
// --log FILE keeps the --verbose stderr of the last run of each size, each line stamped
// with the milliseconds since that run started, to see where the time goes.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { bundleSource } from '../esbuild-node.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 3);
const DELAY_MS = arg('delay', 25);
const LOG = process.argv.includes('--log') ? process.argv[process.argv.indexOf('--log') + 1] : undefined;
const SIZES = [1, 5, 20];
const MAX = Math.max(...SIZES);
const TARGET_RATIO = 1.5;
const MASTER = 'master.bench';
const agentName = (i) => `agent${i}.bench`;
const certname = (i) => `agent${i}.example.org`;

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so the bundle's external packages resolve from its node_modules
// and the tool finds its templates/ by walking up.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const work = mkdtempSync(join(root, 'node_modules', '.cache', 'bench-fleet-'));
await bundleSource(
  root,
  `export { main } from './src/cli.ts';
      export { startWorld, FP2 } from './test/origin/flow-world.ts';
      export { fleetHome, stopFleet } from './test/support/fleet.ts';
      export { processesUsing, sshHostBlock, writeClientSsh } from './test/support/sshd.ts';`,
  join(work, 'bench.mjs'),
);
const { main, startWorld, FP2, fleetHome, stopFleet, processesUsing, sshHostBlock, writeClientSsh } = await import(join(work, 'bench.mjs'));

/** Busy and total jiffies of all cores so far. */
function cpuTicks() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - n[3] - n[4], total };
}
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** ppid and the CPU ticks of a process and of its children it has reaped. */
function procStat(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s
    .slice(s.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { ppid: f[1], ticks: f[11] + f[12] + f[13] + f[14] };
}

/** The listening sshd of a world: sessions are its descendants, and it reaps them. */
function listenerOf(sshd) {
  const pids = processesUsing(`${sshd.dir}/sshd_config`);
  const listener = pids.find((p) => !pids.includes(procStat(p).ppid));
  if (!listener) throw new Error(`no sshd found for ${sshd.dir}`);
  return listener;
}
const hostsTicks = () => listeners.reduce((sum, p) => sum + procStat(p).ticks, 0);

/** True while any listener still has a child: a session not yet ended and reaped. */
function sessionsLeft() {
  const mine = new Set(listeners);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (mine.has(procStat(entry).ppid)) return true;
    } catch {
      // ended while we looked
    }
  }
  return false;
}

/** Until every session has ended and been reaped, so its CPU is counted in its listener. */
async function sessionsReaped() {
  const deadline = Date.now() + 15_000;
  while (sessionsLeft()) {
    if (Date.now() > deadline) throw new Error('sshd sessions still running 15 s after the run');
    await new Promise((r) => setTimeout(r, 20));
  }
}

console.error(`starting ${MAX} agent hosts and a master (real sshds)…`);
const worlds = await Promise.all([
  startWorld({ hosts: [MASTER], distribution: 'fedora19' }),
  ...Array.from({ length: MAX }, (_, k) => startWorld({ hosts: [agentName(k + 1)], distribution: 'fedora19' })),
]);
const [master, ...agents] = worlds;
const listeners = worlds.map((w) => listenerOf(w.sshd));
const home = mkdtempSync(join(work, 'home-'));
fleetHome(
  worlds.map((w) => w.sshd),
  home,
);
// The same hosts by the same names, each through its delaying listener.
const proxy = spawn(
  process.execPath,
  [fileURLToPath(new URL('delay-proxy.mjs', import.meta.url)), String(DELAY_MS), ...worlds.map((w) => String(w.sshd.port))],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const proxied = JSON.parse(
  await new Promise((resolve, reject) => {
    proxy.once('exit', (code) => reject(new Error(`delay-proxy exited ${code}`)));
    createInterface({ input: proxy.stdout }).once('line', resolve);
  }),
);
const wanHome = mkdtempSync(join(work, 'home-wan-'));
writeClientSsh(
  wanHome,
  worlds.flatMap(({ sshd: s }) => [...sshHostBlock(s.hosts, proxied[s.port], s.user, s.userKeyPath), '']).join('\n'),
  worlds.map(({ sshd: s }) => `${s.hostKeyLine(`[127.0.0.1]:${proxied[s.port]}`)}\n`).join(''),
);
const inventory = join(home, 'inventory');
writeFileSync(inventory, SIZES.map((n) => [`[n${n}]`, ...agents.slice(0, n).map((_, k) => agentName(k + 1))].join('\n')).join('\n') + '\n');
const baseEnv = { PATH: process.env.PATH, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true', ORIGIN_SETUP_TIME_SCALE: '0.01' };

/** Fresh hosts: nothing installed, an empty CA; the master with Puppet 3 and a locked CA. */
function resetWorlds(n) {
  master.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
  master.installed('puppet', 'puppet-server');
  const lock = join(master.state, 'ca.lock');
  writeFileSync(join(master.state, 'puppet-ca.sh'), readFileSync(join(master.sshd.dir, 'standin', 'puppet.sh')));
  master.sshd.standIn('puppet', { script: `exec flock '${lock}' /bin/sh '${master.state}/puppet-ca.sh' "$@"\n` });
  agents.slice(0, n).forEach((a, k) => {
    a.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname: certname(k + 1) } });
    a.sshd.standIn('systemctl', {
      script: `if [ "$1 $2" = "start puppetagent" ]; then flock '${lock}' sh -c 'echo "pending ${certname(k + 1)} ${FP2}" >> "${master.state}/ca"'; fi\nexit 0\n`,
    });
  });
}

/** N agents enrolled in one run, over `net`: 'loopback' straight to the sshds, 'wan' through the delaying listeners. */
async function enrol(n, net) {
  resetWorlds(n);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  let started = 0;
  const stamped = [];
  stderr.on('data', (d) => {
    err += d;
    if (LOG) for (const l of String(d).split('\n').filter(Boolean)) stamped.push(`${(performance.now() - started).toFixed(0).padStart(6)} ${l}`);
  });
  let runner;
  const loginsBefore = worlds.map((w) => w.sshd.logins());
  await sessionsReaped();
  const cpu0 = cpuTicks();
  const hosts0 = hostsTicks();
  const own0 = process.cpuUsage();
  started = performance.now();
  const code = await main(['origin:puppetclient', `@n${n}`, MASTER, '--inventory', inventory, '--sign-timeout', '600', ...(LOG ? ['--verbose'] : [])], {
    stdout,
    stderr,
    env: { ...baseEnv, HOME: net === 'wan' ? wanHome : home },
    cwd: home,
    onRunner: (r) => (runner = r),
  });
  const ms = performance.now() - started;
  const own = process.cpuUsage(own0);
  const cpu1 = cpuTicks();
  // The sessions end as the run closes its connections: their CPU counts once reaped.
  await sessionsReaped();
  const hosts1 = hostsTicks();
  if (code !== 0) throw new Error(`N=${n} (${net}): exit ${code}\n${err}`);
  const want =
    agents
      .slice(0, n)
      .map((_, k) => `${agentName(k + 1)}\t${certname(k + 1)} ${FP2}`)
      .join('\n') + '\n';
  if (out !== want) throw new Error(`N=${n}: unexpected stdout:\n${out}`);
  const logins = worlds.map((w, k) => w.sshd.logins() - loginsBefore[k]);
  if (LOG) writeFileSync(`${LOG}.${net}.${n}`, `${stamped.join('\n')}\n`);
  return {
    ms,
    // The runner's pool is private to TypeScript, not to JavaScript: read its count.
    handshakes: (await runner.pool).handshakes,
    masterLogins: logins[0],
    agentLogins: logins.slice(1, n + 1),
    busyMs: (cpu1.busy - cpu0.busy) * TICK_MS,
    hostsCpuMs: (hosts1 - hosts0) * TICK_MS,
    toolCpuMs: (own.user + own.system) / 1000,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const NETS = ['loopback', 'wan'];
const results = Object.fromEntries(NETS.map((net) => [net, Object.fromEntries(SIZES.map((n) => [n, []]))]));
try {
  await enrol(1, 'loopback'); // loads ssh2 and the tasks once, as any real run has to
  // Rotate which size goes first, so none always runs on a warmer (or hotter) machine.
  for (let r = 0; r < RUNS; r++) {
    for (const net of NETS) {
      for (let k = 0; k < SIZES.length; k++) {
        const n = SIZES[(r + k) % SIZES.length];
        results[net][n].push(await enrol(n, net));
      }
    }
  }
} finally {
  proxy.stdin.end();
  await stopFleet(worlds.map((w) => w.sshd));
  rmSync(work, { recursive: true, force: true });
}

const cores = cpus().length;
const wall = (net, n) => median(results[net][n].map((x) => x.ms));
const cpu = (n, key) => median(results.loopback[n].map((x) => x[key]));
const line = (label, values) => console.log(`  ${label.padEnd(40)}${values.map((v) => String(v).padStart(10)).join('')}`);
const WAN = `round trip ${2 * DELAY_MS} ms`;
console.log(`origin:puppetclient @agents ${MASTER}: median of ${RUNS} runs, ${cores} cores, every host a real sshd on this machine`);
line('agents N', SIZES);
line(
  `wall ms, ${WAN}`,
  SIZES.map((n) => wall('wan', n).toFixed(0)),
);
line(
  `wall(N) / wall(1), ${WAN}`,
  SIZES.map((n) => (wall('wan', n) / wall('wan', 1)).toFixed(2)),
);
line(
  'wall ms, loopback',
  SIZES.map((n) => wall('loopback', n).toFixed(0)),
);
line(
  'wall(N) / wall(1), loopback',
  SIZES.map((n) => (wall('loopback', n) / wall('loopback', 1)).toFixed(2)),
);
console.log('  over loopback, where the CPU went:');
line(
  "CPU ms: the hosts' side (sshds)",
  SIZES.map((n) => cpu(n, 'hostsCpuMs').toFixed(0)),
);
line(
  'CPU ms: the tool',
  SIZES.map((n) => cpu(n, 'toolCpuMs').toFixed(0)),
);
line(
  'CPU ms: the whole machine',
  SIZES.map((n) => cpu(n, 'busyMs').toFixed(0)),
);
// N hosts cannot finish before this machine's cores have done the whole run's CPU work
// (process starts and sessions the per-process figures above miss are in it too).
line(
  'whole machine / cores / wall(1): bound',
  SIZES.map((n) => Math.max(1, cpu(n, 'busyMs') / cores / wall('loopback', 1)).toFixed(2)),
);
const ratio = wall('wan', MAX) / wall('wan', 1);
const loopbackRatio = wall('loopback', MAX) / wall('loopback', 1);
console.log(
  `  wall(${MAX}) / wall(1) = ${ratio.toFixed(2)} (${WAN})   target ≤ ${TARGET_RATIO}  ${ratio <= TARGET_RATIO ? 'ok' : 'MISSED'}; over loopback ${loopbackRatio.toFixed(2)}, bound by this machine's cores`,
);
console.log('SSH handshakes (last run of each size)');
for (const net of NETS) {
  const last = (n) => results[net][n].at(-1);
  line(
    `pool count, ${net}`,
    SIZES.map((n) => last(n).handshakes),
  );
  line(
    `master logins (sshd log), ${net}`,
    SIZES.map((n) => last(n).masterLogins),
  );
  line(
    `logins per agent min-max, ${net}`,
    SIZES.map((n) => `${Math.min(...last(n).agentLogins)}-${Math.max(...last(n).agentLogins)}`),
  );
}
const handshakesOk = NETS.every((net) =>
  SIZES.every((n) => {
    const r = results[net][n].at(-1);
    return r.masterLogins === 1 && r.agentLogins.every((x) => x === 1) && r.handshakes === 1 + n;
  }),
);
console.log(`  one handshake and one login per host, the master's one for all agents  ${handshakesOk ? 'ok' : 'MISSED'}`);
process.exitCode = ratio <= TARGET_RATIO && handshakesOk ? 0 : 1;
