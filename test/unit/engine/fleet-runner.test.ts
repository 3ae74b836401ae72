// Runner.runFleet with fake tasks: what one host's scope owns (its journal, its stop,
// its invoke-once memo) and what the hosts share (the facts memo). Every step a test
// waits for is a promise the fake tasks resolve, never a timer.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Settings } from '../../../src/config/settings.js';
import { InterruptedError } from '../../../src/engine/errors.js';
import type { FleetUnit } from '../../../src/engine/fleet.js';
import { Output } from '../../../src/engine/output.js';
import { newRunner } from '../../../src/compose.js';
import { defineTask, type AnyTask } from '../../../src/engine/task.js';

function harness(tasks: AnyTask[], o: { json?: boolean; keepOnFailure?: boolean } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const flags = {
    verbose: false,
    quiet: false,
    debug: false,
    json: o.json ?? false,
    dryRun: false,
    color: false,
    strictHostKeys: false,
    keepOnFailure: o.keepOnFailure ?? false,
  };
  const output = new Output(stdout, stderr, flags);
  const runner = newRunner((n) => tasks.find((t) => t.name === n), new Settings(flags, {}, '/tmp', '/tmp'), output);
  return { runner, stdout: () => out, stderr: () => err };
}

const units = (...hosts: string[]): FleetUnit[] => hosts.map((h) => ({ label: h, words: [h], options: {} }));
const fleetOf = (hosts: string[], concurrency = 20, failFast = false) => ({ expression: hosts.join(','), units: units(...hosts), concurrency, failFast });

/** A promise with its resolve at hand. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('one host failing', () => {
  it('rolls back only what that host created; the others keep theirs and finish', async () => {
    const undone: string[] = [];
    const failedHostRolledBack = deferred();
    const signals = new Map<string, AbortSignal>();
    const make = defineTask({
      name: 'test:make',
      summary: 'creates a thing on the host; b fails once it has; a finishes only after b rolled back',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(ctx, { host }) {
        signals.set(host, ctx.signal);
        ctx.journal.record({
          kind: 'thing',
          id: host,
          undo: async () => {
            undone.push(host);
            if (host === 'b') failedHostRolledBack.resolve();
          },
        });
        if (host === 'b') throw new Error('b broke');
        if (host === 'a') await failedHostRolledBack.promise;
        return `made ${host}`;
      },
    });
    const { runner, stdout, stderr } = harness([make]);
    const code = await runner.runFleet(make, fleetOf(['a', 'b', 'c']), {});
    expect(code).toBe(1);
    expect(undone).toEqual(['b']);
    // a was still at work when b failed: its stop was not pulled, and it finished.
    expect(signals.get('a')!.aborted).toBe(false);
    expect(signals.get('b')!.aborted).toBe(true);
    expect(stdout()).toBe('a\tmade a\nc\tmade c\n');
    expect(stderr()).toContain('[b] error: b broke\n');
    expect(stderr()).toContain('[b] - rolling back what this run created: thing b\n');
    expect(stderr()).toContain('[b] - removed thing b\n');
    expect(stderr()).not.toMatch(/\[[ac]\] - rolling back/);
    // What the succeeding hosts made stays, and is what the run leaves behind.
    expect(runner.leftBehind()).toEqual(['thing a', 'thing c']);
    expect(stderr().trimEnd().split('\n').at(-1)).toBe('3 hosts: 2 ok, 1 failed (b: b broke)');
  });

  it('with --keep-on-failure the failed host keeps what it made too, and says so under its name', async () => {
    const undone: string[] = [];
    const make = defineTask({
      name: 'test:make',
      summary: 'creates, then fails on b',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(ctx, { host }) {
        ctx.journal.record({ kind: 'thing', id: host, undo: async () => void undone.push(host) });
        if (host === 'b') throw new Error('b broke');
      },
    });
    const { runner, stderr } = harness([make], { keepOnFailure: true });
    expect(await runner.runFleet(make, fleetOf(['a', 'b']), {})).toBe(1);
    expect(undone).toEqual([]);
    expect(stderr()).toContain('[b] warning: --keep-on-failure: left in place: thing b\n');
  });
});

describe('Ctrl-C during a many-host run', () => {
  it('stops every running host, each rolls back its own, the rest never start; 130', async () => {
    const undone: string[] = [];
    const started: string[] = [];
    const bothWaiting = deferred();
    const wait = defineTask({
      name: 'test:wait',
      summary: 'creates a thing, then waits until stopped',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(ctx, { host }) {
        started.push(host);
        ctx.journal.record({ kind: 'thing', id: host, undo: async () => void undone.push(host) });
        if (started.length === 2) bothWaiting.resolve();
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new InterruptedError()), { once: true }));
      },
    });
    const { runner, stdout, stderr } = harness([wait]);
    const run = runner.runFleet(wait, fleetOf(['a', 'b', 'c', 'd'], 2), {});
    await bothWaiting.promise;
    runner.abort.abort();
    expect(await run).toBe(130);
    expect(started).toEqual(['a', 'b']);
    expect(undone.sort()).toEqual(['a', 'b']);
    expect(runner.leftBehind()).toEqual([]);
    expect(stdout()).toBe('');
    expect(stderr().trimEnd().split('\n').at(-1)).toMatch(/^4 hosts: 0 ok, 2 failed \(a: .*; b: .*\), 2 not run$/);
  });
});

describe('what hosts share and what they do not', () => {
  it('invoke-once is per host; the facts memo is one for the run', async () => {
    const leafRuns: string[] = [];
    const computed: string[] = [];
    const leaf = defineTask({
      name: 'test:leaf',
      summary: 'records each run',
      args: [{ name: 'word', description: 'word' }],
      options: {},
      async run(_ctx, { word }) {
        leafRuns.push(word);
        return word;
      },
    });
    const composed = defineTask({
      name: 'test:composed',
      summary: 'invokes the same leaf twice and asks a shared fact',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(ctx, { host }) {
        await ctx.invoke(leaf, ['master']);
        await ctx.invoke(leaf, ['master']);
        return ctx.memo('master-facts', async () => {
          computed.push(host);
          return 'facts';
        });
      },
    });
    const { runner, stdout } = harness([leaf, composed]);
    expect(await runner.runFleet(composed, fleetOf(['a', 'b', 'c']), {})).toBe(0);
    // Once per host (a host's scope reuses its own result), never once for the run.
    expect(leafRuns).toEqual(['master', 'master', 'master']);
    expect(computed).toHaveLength(1);
    expect(stdout()).toBe('a\tfacts\nb\tfacts\nc\tfacts\n');
  });
});

describe('output', () => {
  it('prints hosts in the order given as each earlier one finishes, a multi-line result line by line', async () => {
    const gates = new Map(['a', 'b', 'c'].map((h) => [h, deferred()]));
    const finishedOrder: string[] = [];
    const slow = defineTask({
      name: 'test:slow',
      summary: 'finishes when the test says',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(_ctx, { host }) {
        await gates.get(host)!.promise;
        finishedOrder.push(host);
        return `${host} one\n${host} two`;
      },
    });
    const { runner, stdout } = harness([slow]);
    const run = runner.runFleet(slow, fleetOf(['a', 'b', 'c']), {});
    gates.get('c')!.resolve();
    gates.get('b')!.resolve();
    // Let b and c finish; nothing may be printed while a is still at work.
    while (finishedOrder.length < 2) await new Promise((r) => setImmediate(r));
    expect(stdout()).toBe('');
    gates.get('a')!.resolve();
    expect(await run).toBe(0);
    expect(finishedOrder).toEqual(['c', 'b', 'a']);
    expect(stdout()).toBe('a\ta one\na\ta two\nb\tb one\nb\tb two\nc\tc one\nc\tc two\n');
  });

  it('--json: one array, a result-less success as null, a unit known to be impossible as a failure without running', async () => {
    const ran: string[] = [];
    const quiet = defineTask({
      name: 'test:quiet',
      summary: 'returns nothing',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      async run(_ctx, { host }) {
        ran.push(host);
      },
    });
    const { runner, stdout } = harness([quiet], { json: true });
    const fleet = fleetOf(['a', 'b']);
    fleet.units[1] = { ...fleet.units[1]!, problem: 'b has no address yet' };
    expect(await runner.runFleet(quiet, fleet, {})).toBe(1);
    expect(ran).toEqual(['a']);
    expect(JSON.parse(stdout())).toEqual([
      { host: 'a', ok: true, result: null },
      { host: 'b', ok: false, error: 'b has no address yet' },
    ]);
    // Without --json, a success with nothing to print still gets its line: `HOST<TAB>`.
    const bare = harness([quiet]);
    expect(await bare.runner.runFleet(quiet, fleetOf(['a', 'c']), {})).toBe(0);
    expect(bare.stdout()).toBe('a\t\nc\t\n');
  });
});

describe('the opening lines', () => {
  it('name the first ten hosts and count the rest', async () => {
    const echo = defineTask({
      name: 'test:echo',
      summary: 'answers with its host',
      args: [{ name: 'host', description: 'host' }],
      options: {},
      run: async (_ctx, { host }) => host,
    });
    const h = harness([echo]);
    const hosts = Array.from({ length: 12 }, (_, i) => `h${i + 1}`);
    expect(await h.runner.runFleet(echo, fleetOf(hosts), {})).toBe(0);
    expect(h.stderr().split('\n')[1]).toBe('- 12 hosts: h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, and 2 more');
    expect(h.stdout().split('\n').filter(Boolean)).toHaveLength(12);
  });
});
