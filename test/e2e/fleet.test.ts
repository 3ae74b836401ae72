// One command on many hosts, end to end: five real test sshds (each answering to a
// short name, a public and a private EC2-style DNS name) started together, one client
// HOME that reaches all of them, and the CLI in-process (the built binary where the
// process boundary matters: exit codes and what reaches stderr). Tag lookups go to a
// mocked EC2. The Puppet case adds the stand-in worlds of test/origin/flow-world.ts: a
// master and three agents enrolled with it in one command.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DescribeInstancesCommand, EC2Client, type DescribeInstancesCommandInput, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { Output } from '../../src/engine/output.js';
import { newRunner } from '../../src/compose.js';
import { defineTask } from '../../src/engine/task.js';
import { cmd } from '../../src/ssh/quote.js';
import { FP2, startWorld, type World } from '../origin/flow-world.js';
import { runBin } from '../support/bin.js';
import { runCli, testEnv } from '../support/cli.js';
import { startCli } from '../support/cli-watch.js';
import { fleetEnv, loginCounts, startFleet, stopFleet } from '../support/fleet.js';
import type { Sshd } from '../support/sshd.js';
import { until } from '../support/until.js';

const WEB = [1, 2, 3, 4, 5];
const pub = (i: number) => `ec2-198-51-100-${i}.compute-1.amazonaws.com`;
const priv = (i: number) => `ip-10-0-0-${i}.ec2.internal`;
const AGENTS = [1, 2, 3];
const MASTER = 'master.test';

let fleet: Sshd[] = [];
let master: World | undefined;
let agents: World[] = [];
let env: NodeJS.ProcessEnv;
let inventory: string;

const ec2 = mockClient(EC2Client);

beforeAll(async () => {
  // Everything at once: the plain hosts, the master and the agents.
  const [plain, m, ...a] = await Promise.all([
    startFleet(WEB.map((i) => ({ hosts: [`web${i}`, pub(i), priv(i)], distribution: 'fedora40' }))),
    startWorld({ hosts: [MASTER], distribution: 'fedora19' }),
    ...AGENTS.map((i) => startWorld({ hosts: [`agent${i}.test`], distribution: 'fedora19' })),
  ]);
  fleet = plain;
  master = m;
  agents = a;
});
afterAll(async () => stopFleet([...fleet, master?.sshd, ...agents.map((w) => w.sshd)]));

beforeEach(() => {
  ec2.reset();
  for (const s of fleet) {
    s.resetStandIns();
    rmSync(gate(s), { force: true });
  }
  fleet.forEach((s, n) => s.standIn('hostname', { stdout: `host${n + 1}.example.org\n` }));
  env = fleetEnv([...fleet, master!.sshd, ...agents.map((w) => w.sshd)], testEnv());
  inventory = join(env.HOME!, 'inventory');
  writeFileSync(
    inventory,
    [
      '# the hosts under test',
      'web5',
      '[web]',
      'web1',
      'web2',
      '[db]',
      'web3',
      '[app:children]',
      'web',
      'db',
      '[empty]',
      '[agents]',
      ...AGENTS.map((i) => `agent${i}.test`),
      '',
    ].join('\n'),
  );
});

const sshd = (i: number) => fleet[i - 1]!;
const gate = (s: Sshd) => join(s.dir, 'gate');
/** What each host's stand-ins recorded, by host number. */
const ran = () => fleet.map((s) => s.calls().map((c) => [c.name, ...c.args].join(' ')));
const fails = (i: number) => sshd(i).standIn('hostname', { stderr: `hostname: host${i} is broken\n`, exit: 3 });
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
/** A stand-in that answers only once the test creates the host's gate file. */
const waitsForGate = (s: Sshd, answer: string) =>
  s.standIn('hostname', { script: `n=0\nwhile [ ! -e '${gate(s)}' ]; do n=$((n+1)); [ $n -gt 3000 ] && exit 9; sleep 0.01; done\necho ${answer}\n` });

describe('which hosts an expression names', () => {
  it('runs on an inventory group with its [x:children], in file order, each once', async () => {
    const r = await runCli(['remote:hostname', '@app', '--inventory', inventory], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('web1\thost1.example.org\nweb2\thost2.example.org\nweb3\thost3.example.org\n');
    expect(ran()).toEqual([['hostname'], ['hostname'], ['hostname'], [], []]);
    expect(lines(r.stderr).slice(0, 2)).toEqual(['task: remote:hostname @app', '- 3 hosts: web1, web2, web3']);
    expect(lines(r.stderr).at(-1)).toBe('3 hosts: 3 ok, 0 failed');
  });

  it('takes a comma list and a group mixed, in the order given, without duplicates', async () => {
    const r = await runCli(['remote:hostname', 'web4,@web,web1,web4,web2', '--inventory', inventory], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('web4\thost4.example.org\nweb1\thost1.example.org\nweb2\thost2.example.org\n');
    // Each host ran the task once although it was named twice.
    expect(ran()).toEqual([['hostname'], ['hostname'], [], ['hostname'], []]);
    expect(lines(r.stderr)[1]).toBe('- 3 hosts: web4, web1, web2');
  });

  it('reads the inventory named by ORIGIN_SETUP_INVENTORY, and `all` includes the hosts above the first group', async () => {
    const r = await runCli(['remote:hostname', '@all'], { ...env, ORIGIN_SETUP_INVENTORY: inventory });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => l.split('\t')[0])).toEqual(['web5', 'web1', 'web2', 'web3', ...AGENTS.map((i) => `agent${i}.test`)]);
  });

  it('an empty group is an error of its own: exit 1 naming it, nothing run', async () => {
    const r = await runCli(['remote:hostname', '@empty', '--inventory', inventory], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: @empty has no hosts in ${inventory}`);
    expect(r.stdout).toBe('');
    expect(ran().flat()).toEqual([]);
  });

  it('with one plain host, everything is as before: a bare result, no prefix, no summary', async () => {
    const r = await runCli(['remote:hostname', 'web2'], env);
    expect(r).toEqual({ code: 0, stdout: 'host2.example.org\n', stderr: 'task: remote:hostname web2\n' });
  });
});

describe('usage errors', () => {
  it('exit 2 before any host is touched, and EC2 is not asked', async () => {
    const badInventory = join(env.HOME!, 'bad-inventory');
    writeFileSync(badInventory, '[web]\nweb1\n[bad.name]\nweb2\n');
    const varsInventory = join(env.HOME!, 'vars-inventory');
    writeFileSync(varsInventory, '[web]\nweb1 ansible_host=10.0.0.5\n');
    const logins = loginCounts(fleet);
    const cases: [string[], RegExp][] = [
      [['web1,,web2'], /an empty name between commas/],
      [['web1,-web2'], /'-web2': not a host name/],
      [['tag:Role'], /write tag:KEY=VALUE/],
      [['@no_such,tag:Role=web', '--inventory', inventory], /no group 'no_such' in the inventory .*\(groups: web, db, app, empty, agents\)/],
      [['@web', '--inventory', join(env.HOME!, 'missing')], /inventory .*missing: no such file/],
      [['@web'], /@groups come from an inventory file, and there is none at .*\.config\/origin-setup\/inventory/],
      [['@web', '--inventory', badInventory], /\[bad\.name\] is not a group name/],
      [['@web', '--inventory', varsInventory], /host variables are not read/],
      [['web1,web2', '--concurrency', '0'], /--concurrency wants a whole number of hosts, 1 or more, not '0'/],
      [['@app', '--inventory', inventory, '--max-hosts', '2'], /'@app' names 3 hosts, more than 2 at once \(pass --max-hosts 3 if that is meant\)/],
      // Every host's arguments are checked before the first starts.
      [['web1,web2', 'not_a_name!'], /NAME/],
    ];
    for (const [words, message] of cases) {
      const r = await runCli(['remote:hostname', ...words], env);
      expect(r.code, `${words.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, words.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(ran().flat()).toEqual([]);
    expect(loginCounts(fleet)).toEqual(logins);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('--max-hosts lets through as many hosts as it names', async () => {
    const r = await runCli(['remote:hostname', '@app', '--inventory', inventory, '--max-hosts', '3'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(3);
  });
});

describe('output', () => {
  it('prefixes every line a host prints with [host], padded to the longest name', async () => {
    const r = await runCli(['remote:hostname', `web1,${priv(2)}`, '--verbose'], env);
    expect(r.code, r.stderr).toBe(0);
    const err = lines(r.stderr);
    expect(err.slice(0, 2)).toEqual([`task: remote:hostname web1,${priv(2)}`, `- 2 hosts: web1, ${priv(2)}`]);
    expect(err.at(-1)).toBe('2 hosts: 2 ok, 0 failed');
    const hostLines = err.slice(2, -1);
    const pad = ' '.repeat(priv(2).length - 'web1'.length + 1);
    expect(hostLines.filter((l) => l.startsWith(`[web1]${pad}`))).toHaveLength(hostLines.length / 2);
    expect(hostLines.filter((l) => l.startsWith(`[${priv(2)}] `))).toHaveLength(hostLines.length / 2);
    expect(hostLines).toContain(`[web1]${pad}task: remote:hostname web1`);
    expect(hostLines).toContain(`[web1]${pad}  - web1$ hostname  (exit 0, ${hostLines.find((l) => l.includes('web1$'))!.match(/exit 0, (\S+)\)/)![1]})`);
    expect(hostLines).toContain(`[${priv(2)}] task: remote:hostname ${priv(2)}`);
    expect(r.stdout).toBe(`web1\thost1.example.org\n${priv(2)}\thost2.example.org\n`);
  });

  it('prefixes each line of a multi-line result, and keeps one SSH login per host for several commands', async () => {
    for (const s of fleet) s.standIn('systemctl', { script: 'case $2 in sshd) exit 0 ;; esac\nexit 3\n' });
    const before = loginCounts(fleet);
    const r = await runCli(['remote:service:status', 'web1,web2,web3,web4,web5', 'sshd', 'httpd'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(WEB.map((i) => `web${i}\tsshd active\nweb${i}\thttpd inactive\n`).join(''));
    // The distribution probe and two status queries, each host over its one connection.
    for (const calls of ran()) expect(calls).toEqual(['systemctl is-active sshd', 'systemctl is-active httpd']);
    expect(loginCounts(fleet).map((n, k) => n - before[k]!)).toEqual([1, 1, 1, 1, 1]);
  });

  it('prints results in the order given even when a later host finishes first', async () => {
    // web1 answers only once the test has seen every other host finish.
    waitsForGate(sshd(1), 'host1.example.org');
    const run = startCli(['remote:hostname', 'web1,web2,web3,web4,web5', '--verbose'], env);
    for (const i of [2, 3, 4, 5]) await run.stderrMatches(new RegExp(`\\[web${i}\\]\\s+- remote:hostname done in`));
    expect(run.stderr()).not.toMatch(/\[web1\]\s+- remote:hostname done in/);
    writeFileSync(gate(sshd(1)), '');
    const r = await run.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(WEB.map((i) => `web${i}\thost${i}.example.org\n`).join(''));
    const done = lines(r.stderr).filter((l) => l.includes('remote:hostname done in'));
    expect(done.at(-1)).toMatch(/^\[web1\]/);
  });

  it('when one host fails: the others still run and print, a summary line names it, exit 1', async () => {
    fails(3);
    const r = await runCli(['remote:hostname', 'web1,web2,web3,web4,web5'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe([1, 2, 4, 5].map((i) => `web${i}\thost${i}.example.org\n`).join(''));
    expect(r.stderr).toContain('[web3] error: web3: `hostname` exited 3: hostname: host3 is broken\n');
    expect(lines(r.stderr).at(-1)).toBe('5 hosts: 4 ok, 1 failed (web3: `hostname` exited 3: hostname: host3 is broken)');
    expect(ran().map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('--json prints one array in the order given, failures included', async () => {
    fails(2);
    const r = await runCli(['remote:hostname', 'web3,web2,web1', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { host: 'web3', ok: true, result: 'host3.example.org' },
      { host: 'web2', ok: false, error: 'web2: `hostname` exited 3: hostname: host2 is broken' },
      { host: 'web1', ok: true, result: 'host1.example.org' },
    ]);
    expect(lines(r.stderr).at(-1)).toBe('3 hosts: 2 ok, 1 failed (web2: `hostname` exited 3: hostname: host2 is broken)');
  });

  it('--fail-fast starts no host after a failure and reports the rest as not run', async () => {
    fails(2);
    const r = await runCli(['remote:hostname', 'web1,web2,web3,web4', '--fail-fast', '--concurrency', '1'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('web1\thost1.example.org\n');
    expect(ran()).toEqual([['hostname'], ['hostname'], [], [], []]);
    expect(lines(r.stderr).at(-1)).toBe('4 hosts: 1 ok, 1 failed (web2: `hostname` exited 3: hostname: host2 is broken), 2 not run');
    // Without it, every host runs.
    const all = await runCli(['remote:hostname', 'web1,web2,web3,web4', '--concurrency', '1'], env);
    expect(all.code).toBe(1);
    expect(lines(all.stdout)).toHaveLength(3);
  });

  it("--debug: the lines of a host's stack trace are marked with the host too", async () => {
    fails(1);
    const r = await runCli(['remote:hostname', 'web1,web2', '--debug'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[web1] debug: RemoteCommandError');
    const err = lines(r.stderr);
    expect(err.slice(2, -1).filter((l) => !/^\[web[12]\] /.test(l))).toEqual([]);
  });
});

describe('tag:KEY=VALUE targets', () => {
  const instance = (i: number, role: string, state: string, publicName = pub(i)): Instance => ({
    InstanceId: `i-000000000000000${i}`,
    State: { Name: state as never },
    PublicDnsName: publicName,
    PrivateDnsName: priv(i),
    Tags: [{ Key: 'Name', Value: `web${i}` }, { Key: 'Role', Value: role }, ...(i === 1 || i === 3 ? [{ Key: 'Tier', Value: 'front' }] : [])],
  });
  // Listed out of Name order; web2 is still pending and has no public name yet.
  const account = [
    instance(3, 'web', 'running'),
    instance(1, 'web', 'running'),
    instance(2, 'web', 'pending', ''),
    instance(4, 'db', 'running'),
    instance(5, 'web', 'stopped'),
  ];
  beforeEach(() => {
    // EC2's own filtering, for the filters the tool sends: tag:KEY and instance-state-name.
    ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      const found = account.filter((i) =>
        (input.Filters ?? []).every((f) =>
          f.Name === 'instance-state-name'
            ? f.Values!.includes(i.State!.Name!)
            : f.Name!.startsWith('tag:') && i.Tags!.some((t) => `tag:${t.Key}` === f.Name && f.Values!.includes(t.Value!)),
        ),
      );
      return { Reservations: found.length ? [{ Instances: found }] : [] };
    });
  });

  it('runs on the live instances with the tag, by their public names, in Name tag order', async () => {
    const r = await runCli(['remote:hostname', 'tag:Tier=front'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.Filters)).toEqual([
      [
        { Name: 'tag:Tier', Values: ['front'] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
    ]);
    expect(r.stdout).toBe(`${pub(1)}\thost1.example.org\n${pub(3)}\thost3.example.org\n`);
    expect(lines(r.stderr)[1]).toBe(`- 2 hosts: ${pub(1)}, ${pub(3)}`);
    expect(ran()).toEqual([['hostname'], [], ['hostname'], [], []]);
  });

  it('an instance without a public name fails alone; the others run', async () => {
    const r = await runCli(['remote:hostname', 'tag:Role=web'], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe(`${pub(1)}\thost1.example.org\n${pub(3)}\thost3.example.org\n`);
    expect(lines(r.stderr).at(-1)).toMatch(/^3 hosts: 2 ok, 1 failed \(i-0000000000000002 \(web2\): .*has no public DNS name or address \(pending\)/);
    expect(ran()).toEqual([['hostname'], [], ['hostname'], [], []]);
  });

  it('--internal connects to the private names; a tag mixes with groups and names', async () => {
    let r = await runCli(['remote:hostname', 'tag:Role=web', '--internal'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([1, 2, 3].map((i) => `${priv(i)}\thost${i}.example.org\n`).join(''));
    r = await runCli(['remote:hostname', '@db,tag:Role=db,web5', '--inventory', inventory], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`web3\thost3.example.org\n${pub(4)}\thost4.example.org\nweb5\thost5.example.org\n`);
  });

  it('a tag no live instance has is exit 1 naming it', async () => {
    const r = await runCli(['remote:hostname', 'tag:Role=mail'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no pending or running instance has the tag Role=mail');
    expect(ran().flat()).toEqual([]);
  });
});

describe('the built binary', () => {
  const twelve = () => [...WEB.map((i) => `web${i}`), ...WEB.map(pub), priv(1), priv(2)];

  it('exit 1 with the others printed, and exit 0 once the failing host is fixed', async () => {
    fails(3);
    let r = await runBin(['remote:hostname', '@app', '--inventory', inventory], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('web1\thost1.example.org\nweb2\thost2.example.org\n');
    expect(lines(r.stderr).at(-1)).toMatch(/^3 hosts: 2 ok, 1 failed \(web3: /);
    sshd(3).standIn('hostname', { stdout: 'host3.example.org\n' });
    r = await runBin(['remote:hostname', twelve().join(',')], env);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => l.split('\t')[0])).toEqual(twelve());
    expect(lines(r.stderr).at(-1)).toBe('12 hosts: 12 ok, 0 failed');
  });

  it('more than ten hosts: stderr holds only the opening lines, host lines and the summary', async () => {
    const r = await runBin(['remote:hostname', twelve().join(',')], env);
    expect(r.code, r.stderr).toBe(0);
    const err = lines(r.stderr);
    expect(err.slice(2, -1).filter((l) => !/^\[[^\]]+\] +task: /.test(l))).toEqual([]);
  });
});

describe("a host's own stop", () => {
  it('a host that fails interrupts its own remote command still under way; the other host is not touched', async () => {
    const settled: Record<string, string> = {};
    const branches = defineTask({
      name: 'test:branches',
      summary: 'a remote command under way while a sibling branch fails (on web1)',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(ctx, { host }) {
        const remote = await ctx.ssh(host);
        const slow = remote.run(cmd('hostname'), { readOnly: true }).then(
          (r) => {
            settled[host] = 'finished';
            return r.stdout.join('');
          },
          (e: unknown) => {
            settled[host] = (e as Error).name;
            throw e;
          },
        );
        const failing = (async () => {
          if (host !== 'web1') return;
          await until('hostname running on web1', () => sshd(1).calls().length > 0);
          throw new Error('web1 broke');
        })();
        return (await Promise.all([slow, failing]))[0];
      },
    });
    waitsForGate(sshd(1), 'host1.example.org');
    waitsForGate(sshd(2), 'host2.example.org');
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => (err += d));
    const flags = { verbose: false, quiet: false, debug: false, json: false, dryRun: false, color: false, strictHostKeys: false, keepOnFailure: false };
    const runner = newRunner(() => branches, new Settings(flags, env, env.HOME!, env.HOME!), new Output(new PassThrough(), stderr, flags));
    try {
      const run = runner.runFleet(
        branches,
        { expression: 'web1,web2', units: ['web1', 'web2'].map((h) => ({ label: h, words: [h], options: {} })), concurrency: 2, failFast: false },
        {},
      );
      await until('web1 failed', () => err.includes('[web1] error: web1 broke'));
      // web2's command is still waiting for its gate: let it answer.
      writeFileSync(gate(sshd(2)), '');
      expect(await run).toBe(1);
      expect(settled.web2).toBe('finished');
      // By the time web2 had answered, web1's own command had long been stopped.
      expect(settled.web1).toBe('InterruptedError');
    } finally {
      writeFileSync(gate(sshd(1)), '');
      await runner.close();
    }
  });
});

describe('a task that reaches a second host', () => {
  const SIGN_WAIT = ['--sign-timeout', '6000'];

  it('origin:puppetclient @agents MASTER: every agent enrolled and signed, one SSH login on the master for all', async () => {
    const m = master!;
    m.reset({ distribution: 'fedora19', puppet: { version: '3.1.1' } });
    m.installed('puppet', 'puppet-server');
    // The CA's state is one file: a real CA takes requests and signs one at a time, so
    // the stand-in master does too (the agents' requests arrive while it signs).
    const lock = join(m.state, 'ca.lock');
    writeFileSync(join(m.state, 'puppet-ca.sh'), readFileSync(join(m.sshd.dir, 'standin', 'puppet.sh')));
    m.sshd.standIn('puppet', { script: `exec flock '${lock}' /bin/sh '${m.state}/puppet-ca.sh' "$@"\n` });
    agents.forEach((a, k) => {
      const certname = `agent${k + 1}.example.org`;
      a.reset({ distribution: 'fedora19', puppet: { version: '3.1.1', certname } });
      // Starting the agent service is what sends its request to the master.
      a.sshd.standIn('systemctl', {
        script: `if [ "$1 $2" = "start puppetagent" ]; then flock '${lock}' sh -c 'echo "pending ${certname} ${FP2}" >> "${m.state}/ca"'; fi\nexit 0\n`,
      });
    });
    const before = loginCounts([m.sshd, ...agents.map((a) => a.sshd)]);
    const r = await runCli(['origin:puppetclient', '@agents', MASTER, '--inventory', inventory, ...SIGN_WAIT], { ...env, ORIGIN_SETUP_TIME_SCALE: '0.01' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(AGENTS.map((i) => `agent${i}.test\tagent${i}.example.org ${FP2}\n`).join(''));
    expect(m.caState().sort()).toEqual(AGENTS.map((i) => `signed agent${i}.example.org ${FP2}`).sort());
    // One login on the master for all three agents, and one on each agent: its first wait
    // for SSH opens the pooled connection, and the check after the firewall starts reads
    // sshd's greeting over a new connection without logging in.
    expect(loginCounts([m.sshd, ...agents.map((a) => a.sshd)]).map((n, k) => n - before[k]!)).toEqual([1, 1, 1, 1]);
    const onMaster = m.commands();
    // The master's Puppet was asked once for all agents; each agent's request signed once.
    expect(onMaster.filter((c) => c === 'puppet --version')).toHaveLength(1);
    // Requests that arrive while a sign runs go into the next command together
    // (`puppet cert sign A B`): every agent is signed exactly once, in one command or a few.
    const signs = onMaster.filter((c) => c.startsWith('puppet cert sign '));
    expect(signs.flatMap((c) => c.split(' ').slice(3)).sort()).toEqual(AGENTS.map((i) => `agent${i}.example.org`));
    expect(signs.length).toBeLessThanOrEqual(AGENTS.length);
    for (const i of AGENTS) expect(r.stderr).toContain(`[agent${i}.test] task: origin:puppetclient agent${i}.test ${MASTER}\n`);
    expect(lines(r.stderr).at(-1)).toBe('3 hosts: 3 ok, 0 failed');
  });
});
