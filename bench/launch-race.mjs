#!/usr/bin/env node
// N parallel `ec2:instance:create --name NAME` runs against one mocked account: how many
// live instances of the name survive, whether every losing run failed naming the winner,
// and what the look after the launch costs in wall time.
//
// The account is scripted with aws-sdk-client-mock (in-process, the built CLI's `main`),
// and made realistic where the race lives:
//   - every request takes a latency (RunInstances 300-1500 ms, the rest 50-200 ms);
//   - LaunchTime has EC2's one-second precision, so launches of one second tie and the
//     instance id decides;
//   - a new instance shows in DescribeInstances only after a lag (0-1.5 s: EC2 is
//     eventually consistent), so a run's own instance and its rivals may not be listed
//     when it looks.
// Times are in seconds of the script, scaled by ORIGIN_SETUP_TIME_SCALE (default 0.05 here),
// the factor the tool applies to its own delays too.
//
//   npm run build && node bench/launch-race.mjs [--runs 10] [--rounds 5] [--scale 0.05]
// BENCH_DIST=/path/to/other/dist/cli.js runs another build (e.g. one without the look).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 10);
const ROUNDS = arg('rounds', 5);
const SCALE = arg('scale', Number(process.env.ORIGIN_SETUP_TIME_SCALE) || 0.05);

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = process.env.BENCH_DIST ?? join(root, 'dist/cli.js');
const { main } = await import(dist).catch(() => {
  console.error(`${dist} is missing: run npm run build first`);
  process.exit(2);
});

const ms = (seconds) => seconds * SCALE * 1000;
const between = (lo, hi) => lo + Math.random() * (hi - lo);
const sleep = (seconds) => new Promise((r) => setTimeout(r, ms(seconds)));
const hex = () => Array.from({ length: 17 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

const ec2 = mockClient(EC2Client);

/** One account for one round; `start` is the round's epoch, for script seconds. */
function account(start) {
  const instances = new Map();
  const terminated = [];
  const now = () => (Date.now() - start) / SCALE / 1000;
  ec2.reset();
  ec2.on(DescribeImagesCommand).callsFake(async () => {
    await sleep(between(0.05, 0.2));
    return { Images: [{ ImageId: 'ami-b71078de', RootDeviceName: '/dev/xvda', RootDeviceType: 'ebs' }] };
  });
  ec2.on(DescribeInstancesCommand).callsFake(async (input) => {
    await sleep(between(0.05, 0.2));
    const name = input.Filters?.find((f) => f.Name === 'tag:Name')?.Values?.[0];
    const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
    const t = now();
    const found = [...instances.values()]
      .filter((i) => i.visibleAt <= t && (!name || i.name === name) && (!states || states.includes(i.state)))
      .map((i) => ({ InstanceId: i.id, State: { Name: i.state }, LaunchTime: i.launchTime, Tags: [{ Key: 'Name', Value: i.name }] }));
    return { Reservations: found.length ? [{ Instances: found }] : [] };
  });
  ec2.on(RunInstancesCommand).callsFake(async (input) => {
    const latency = between(0.3, 1.5);
    // EC2 stamps the launch somewhere in the request, to the second.
    const stamp = now() + between(0.1, latency - 0.1);
    await sleep(latency);
    const id = `i-${hex()}`;
    const launchTime = new Date(Date.UTC(2026, 0, 1) + Math.floor(stamp) * 1000);
    const name = input.TagSpecifications[0].Tags.find((t) => t.Key === 'Name').Value;
    instances.set(id, { id, name, state: 'pending', launchTime, visibleAt: stamp + between(0, 1.5) });
    return { Instances: [{ InstanceId: id, State: { Name: 'pending' }, LaunchTime: launchTime }] };
  });
  ec2.on(TerminateInstancesCommand).callsFake(async (input) => {
    await sleep(between(0.05, 0.2));
    for (const id of input.InstanceIds) {
      instances.get(id).state = 'shutting-down';
      terminated.push(id);
    }
    return { TerminatingInstances: input.InstanceIds.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down' } })) };
  });
  return { instances, terminated };
}

const work = mkdtempSync(join(tmpdir(), 'bench-launch-race-'));
writeFileSync(join(work, '.awscred'), 'AWSKeyPairName=bench\n', { mode: 0o600 });
const env = {
  HOME: work,
  PATH: process.env.PATH,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-not-real',
  AWS_REGION: 'us-east-1',
  ORIGIN_SETUP_TIME_SCALE: String(SCALE),
  NO_COLOR: '1',
};

async function create() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const started = Date.now();
  const code = await main(['ec2:instance:create', '--name', 'dupname', '--image', 'ami-b71078de'], { stdout, stderr, env, cwd: work });
  return { code, out: out.trim(), err, seconds: (Date.now() - started) / 1000 / SCALE };
}

const fmt = (s) => s.toFixed(1).padStart(5);
console.log(`${RUNS} parallel ec2:instance:create --name dupname, ${ROUNDS} rounds, scale ${SCALE} (times in script seconds)`);
console.log('round  live  ok  failed  named-winner  terminated   run time min/median/max');
let bad = 0;
for (let round = 1; round <= ROUNDS; round++) {
  const { instances, terminated } = account(Date.now());
  const results = await Promise.all(Array.from({ length: RUNS }, create));
  const live = [...instances.values()].filter((i) => i.state === 'pending' || i.state === 'running');
  const ok = results.filter((r) => r.code === 0);
  const failed = results.filter((r) => r.code !== 0);
  const winner = live.length === 1 ? live[0].id : undefined;
  const named = failed.filter((r) => winner && r.err.includes(`${winner} was first`)).length;
  const times = results.map((r) => r.seconds).sort((a, b) => a - b);
  if (live.length !== 1 || ok.length !== 1 || named !== failed.length) bad++;
  console.log(
    `${String(round).padStart(5)}  ${String(live.length).padStart(4)}  ${String(ok.length).padStart(2)}  ${String(failed.length).padStart(6)}  ${String(named).padStart(12)}  ${String(terminated.length).padStart(10)}   ${fmt(times[0])} /${fmt(times[Math.floor(times.length / 2)])} /${fmt(times.at(-1))}`,
  );
  if (process.env.BENCH_VERBOSE)
    for (const r of failed)
      console.log(
        r.err
          .split('\n')
          .filter((l) => l.startsWith('error:'))
          .join('\n'),
      );
}
rmSync(work, { recursive: true, force: true });
console.log(bad ? `${bad} of ${ROUNDS} rounds did not end with exactly one instance` : `every round: one live instance, every other run failed naming it`);
process.exitCode = bad ? 1 : 0;
