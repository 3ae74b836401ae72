#!/usr/bin/env node
// origin:baseinstance wall time against its critical path, with scripted latencies:
//   B  instance boot      (RunInstances → DescribeInstances says running)
//   D  DNS sync           (ChangeResourceRecordSets → GetChange says INSYNC)
//   S  SSH ready          (running → the host's sshd accepts connections)
// The critical path is max(D, B + S); the original ran them one after the other, D + B + S
// (it waited for INSYNC before launching). Target: wall ≤ 1.15 × critical.
//
// How it runs: in-process, the built CLI (dist/cli.js `main`) with AWS mocked by
// aws-sdk-client-mock, and the real test sshd (test/support/sshd.ts, bundled on the fly
// with esbuild) for SSH. The instance's first public name goes through a TCP gate on
// 127.0.0.1 that starts listening only at launch + B + S, so until then every SSH try is
// refused exactly as a booting host's would be; the elastic IP's name reaches the sshd
// directly. Every latency is in seconds and scaled by ORIGIN_SETUP_TIME_SCALE (default
// 0.2 here: 1 s of the script is 200 ms of wall time), the same factor the tool applies
// to its own poll and waiter delays, so the polling is exactly as coarse as in real use.
// Real costs that do not scale (SSH handshakes, the hostname commands) count against us.
//
//   npm run build && node bench/baseinstance.mjs [--runs N] [--scale F]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../esbuild-node.mjs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 3);
const SCALE = arg('scale', Number(process.env.ORIGIN_SETUP_TIME_SCALE) || 0.2);
const TARGET = 1.15;

// [B, D, S] in seconds: DNS slower than boot + SSH, boot + SSH slower than DNS, and close.
const SCENARIOS = [
  { name: 'typical', B: 40, D: 60, S: 30 },
  { name: 'slow DNS', B: 30, D: 120, S: 20 },
  { name: 'slow boot', B: 90, D: 45, S: 40 },
];

const root = fileURLToPath(new URL('..', import.meta.url));
// BENCH_DIST points at another build's cli.js, to compare two builds side by side.
const dist = process.env.BENCH_DIST ?? join(root, 'dist/cli.js');
const { main } = await import(dist).catch(() => {
  console.error(`${dist} is missing: run npm run build first`);
  process.exit(2);
});

// The harness is TypeScript; bundle it (it imports only node:*) instead of duplicating it.
const work = mkdtempSync(join(tmpdir(), 'bench-baseinstance-'));
await build({ ...NODE_BUNDLE, entryPoints: [join(root, 'test/support/sshd.ts')], outfile: join(work, 'sshd.mjs') });
const { startSshd, freePort } = await import(join(work, 'sshd.mjs'));

const ID = 'i-0123456789abcdef0';
const AMI = 'ami-0f19f19f19f19f19f';
const EIP = '203.0.113.10';
const BOOT_DNS = 'ec2-198-51-100-1.bench';
const EIP_DNS = 'ec2-203-0-113-10.bench';
const FQDN = 'puppet.example.org';
const ms = (seconds) => seconds * SCALE * 1000;

/** A TCP forwarder to the sshd that starts listening only when open() is called. */
function gate(port, target) {
  const sockets = new Set();
  const door = { firstConnection: undefined };
  const server = createServer((client) => {
    door.firstConnection ??= Date.now();
    const upstream = createConnection(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return Object.assign(door, {
    open: () => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: async () => {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise((r) => server.close(r));
    },
  });
}

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);

/** Scripts AWS for one run; returns the moments (ms since epoch) the script fixed. */
function script(sc, onLaunch) {
  ec2.reset();
  r53.reset();
  const t = { launch: undefined, change: undefined, insyncSeen: undefined, runningSeen: undefined };
  let associated = false;
  const state = () => (t.launch !== undefined && Date.now() >= t.launch + ms(sc.B) ? 'running' : 'pending');
  const instance = () => {
    const s = state();
    return {
      InstanceId: ID,
      State: { Name: s, Code: s === 'running' ? 16 : 0 },
      Tags: [{ Key: 'Name', Value: 'puppet' }],
      PublicDnsName: s === 'running' ? (associated ? EIP_DNS : BOOT_DNS) : '',
      ...(s === 'running' ? { PublicIpAddress: associated ? EIP : '198.51.100.1' } : {}),
    };
  };
  ec2.on(DescribeInstancesCommand).callsFake((input) => {
    if (!input.InstanceIds) return { Reservations: [] }; // no instance of that name yet
    const i = instance();
    if (i.State.Name === 'running') t.runningSeen ??= Date.now();
    return { Reservations: [{ Instances: [i] }] };
  });
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: AMI, RootDeviceName: '/dev/sda1', RootDeviceType: 'ebs' }] });
  ec2.on(RunInstancesCommand).callsFake(() => {
    t.launch = Date.now();
    onLaunch(t.launch);
    return { Instances: [{ InstanceId: ID, State: { Name: 'pending', Code: 0 } }] };
  });
  const address = () => ({ PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc', ...(associated ? { AssociationId: 'eipassoc-1', InstanceId: ID } : {}) });
  let allocated = false;
  ec2.on(AllocateAddressCommand).callsFake(() => {
    allocated = true;
    return address();
  });
  ec2.on(DescribeAddressesCommand).callsFake(() => ({ Addresses: allocated ? [address()] : [] }));
  ec2.on(AssociateAddressCommand).callsFake(() => {
    associated = true;
    return { AssociationId: 'eipassoc-1' };
  });
  const zone = { Id: '/hostedzone/Z1EXAMPLE', Name: 'example.org.', CallerReference: 'z', ResourceRecordSetCount: 2, Config: { PrivateZone: false } };
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: [zone], IsTruncated: false, MaxItems: 100 });
  r53.on(GetHostedZoneCommand).resolves({ HostedZone: zone, DelegationSet: { NameServers: [] } });
  r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 100 });
  r53.on(ChangeResourceRecordSetsCommand).callsFake(() => {
    t.change = Date.now();
    return { ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } };
  });
  r53.on(GetChangeCommand).callsFake(() => {
    const insync = Date.now() >= t.change + ms(sc.D);
    if (insync) t.insyncSeen ??= Date.now();
    return { ChangeInfo: { Id: '/change/C1', Status: insync ? 'INSYNC' : 'PENDING', SubmittedAt: new Date(t.change) } };
  });
  return t;
}

const sshd = await startSshd({ hosts: [EIP_DNS], distribution: 'fedora19' });

async function runOnce(sc) {
  const gatePort = await freePort();
  const door = gate(gatePort, sshd.port);
  let opened;
  const t = script(sc, (launch) => {
    setTimeout(() => door.open().then(() => (opened = Date.now())), Math.max(0, launch + ms(sc.B + sc.S) - Date.now()));
  });
  const home = mkdtempSync(join(work, 'home-'));
  sshd.clientHome({
    home,
    configExtra: [`Host ${BOOT_DNS}`, '  HostName 127.0.0.1', `  Port ${gatePort}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.userKeyPath}`].join('\n'),
  });
  writeFileSync(join(home, '.awscred'), `AWSKeyPairName=bench\n[fedora19]\nBaseOSImage=${AMI}\n`, { mode: 0o600 });
  const env = {
    HOME: home,
    PATH: process.env.PATH,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-not-real',
    AWS_REGION: 'us-east-1',
    ORIGIN_SETUP_TIME_SCALE: String(SCALE),
    NO_COLOR: '1',
  };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  const started = Date.now();
  // With BENCH_VERBOSE, each stderr line is stamped with its script time.
  stderr.on('data', (d) => (err += process.env.BENCH_VERBOSE ? String(d).replace(/^(?=.)/gm, `[${((Date.now() - started) / 1000 / SCALE).toFixed(1)}] `) : d));
  const verbose = process.env.BENCH_VERBOSE ? ['--verbose'] : [];
  const code = await main(['origin:baseinstance', 'puppet', '--hostname', FQDN, '--elasticip', ...verbose], { stdout, stderr, env, cwd: home });
  const wall = Date.now() - started;
  if (verbose.length) process.stderr.write(err);
  await door.close();
  if (code !== 0) throw new Error(`run exited ${code}:\n${err}`);
  if (!out.includes(`id=${ID}`)) throw new Error(`unexpected output: ${out}`);
  const s = (x) => (x === undefined ? NaN : (x - started) / 1000 / SCALE);
  return {
    wall: wall / 1000 / SCALE,
    launch: s(t.launch),
    change: s(t.change),
    runningSeen: s(t.runningSeen),
    sshOpen: s(opened),
    sshSeen: s(door.firstConnection),
    insyncSeen: s(t.insyncSeen),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x) => x.toFixed(1).padStart(6);

console.log(`origin:baseinstance --hostname --elasticip, ${RUNS} run(s) per scenario, 1 s = ${ms(1)} ms wall (scale ${SCALE})`);
console.log('times in script seconds; wall is measured, critical and original are computed from B, D, S\n');
console.log(
  `${'scenario'.padEnd(10)} ${'B'.padStart(4)} ${'D'.padStart(4)} ${'S'.padStart(4)}  ${'wall'.padStart(6)} ${'critical'.padStart(8)} ${'original'.padStart(8)}  ${'wall/crit'.padStart(9)}  median run: launch, DNS sent | running seen | sshd up, first try that got in | INSYNC seen`,
);
let worst = 0;
try {
  for (const sc of SCENARIOS) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await runOnce(sc));
    const wall = median(runs.map((r) => r.wall));
    const mid = runs.find((r) => r.wall === wall);
    const critical = Math.max(sc.D, sc.B + sc.S);
    const original = sc.D + sc.B + sc.S;
    const ratio = wall / critical;
    worst = Math.max(worst, ratio);
    console.log(
      `${sc.name.padEnd(10)} ${String(sc.B).padStart(4)} ${String(sc.D).padStart(4)} ${String(sc.S).padStart(4)}  ${f(wall)} ${f(critical).padStart(8)} ${f(original).padStart(8)}  ${ratio.toFixed(3).padStart(9)}  ` +
        `${mid.launch.toFixed(1)}, ${mid.change.toFixed(1)} | ${mid.runningSeen.toFixed(1)} | ${mid.sshOpen.toFixed(1)}, ${mid.sshSeen.toFixed(1)} | ${mid.insyncSeen.toFixed(1)}` +
        `  (walls: ${runs.map((r) => r.wall.toFixed(1)).join(' ')})`,
    );
  }
} finally {
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\ntarget: wall ≤ ${TARGET} × critical path → ${worst <= TARGET ? 'met' : 'MISSED'} (worst ${worst.toFixed(3)})`);
process.exitCode = worst <= TARGET ? 0 : 1;
