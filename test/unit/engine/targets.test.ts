import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError, UsageError } from '../../../src/engine/errors.js';
import { expandTargets, type ExpandContext, type TargetHost } from '../../../src/engine/expand.js';
import { concurrencyFor, OrderedPrinter, openFileLimit, resultLines, schedule, summaryLine } from '../../../src/engine/fleet.js';
import { groupHosts, isTargetExpression, parseTargets, readInventory } from '../../../src/engine/targets.js';
import { addressOf } from '../../../src/aws/tagged-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'origin-inventory-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const INVENTORY = file(
  'inventory',
  [
    '# an Ansible-style inventory',
    'bastion.example.com',
    '[brokers]',
    'broker1.example.com',
    'broker2.example.com',
    '[nodes]',
    'node1',
    'broker1.example.com',
    '[empty]',
    '[all_app:children]',
    'brokers',
    'nodes',
    '[brokers:vars]',
    'ansible_user=centos',
    '',
  ].join('\n'),
);

function ctx(over: Partial<ExpandContext> = {}, tagged: Record<string, TargetHost[]> = {}): ExpandContext & { asked: string[] } {
  const asked: string[] = [];
  return {
    inventoryFlag: INVENTORY,
    env: {},
    home: dir,
    internal: false,
    maxHosts: 1000,
    async tagged(key, value) {
      asked.push(`${key}=${value}`);
      return tagged[`${key}=${value}`] ?? [];
    },
    asked,
    ...over,
  };
}

describe('target expressions', () => {
  it('tells a single host from an expression', () => {
    expect(isTargetExpression('web1.example.com')).toBe(false);
    expect(isTargetExpression('web1,web2')).toBe(true);
    expect(isTargetExpression('@brokers')).toBe(true);
    expect(isTargetExpression('tag:Role=broker')).toBe(true);
  });

  it('parses hosts, groups and tags in order', () => {
    expect(parseTargets('@brokers,db1,tag:Role=web')).toEqual([
      { kind: 'group', name: 'brokers' },
      { kind: 'host', name: 'db1' },
      { kind: 'tag', key: 'Role', value: 'web' },
    ]);
    expect(parseTargets('tag:aws:cloudformation:stack-name=a=b')).toEqual([{ kind: 'tag', key: 'aws:cloudformation:stack-name', value: 'a=b' }]);
  });

  it.each([
    ['web1,,web2', /empty name between commas/],
    ['@', /group name/],
    ['@bad.group', /group name/],
    ['tag:Role', /tag:KEY=VALUE/],
    ['tag:=x', /tag:KEY=VALUE/],
    ['web1,-oProxyCommand=x', /not a host name/],
    ["web1,a'b", /not a host name/],
  ])('refuses %s as a usage error', (expr, message) => {
    expect(() => parseTargets(expr)).toThrow(UsageError);
    expect(() => parseTargets(expr)).toThrow(message);
  });
});

describe('the inventory', () => {
  it('reads groups, groups of groups, and skips :vars', async () => {
    const inv = await readInventory(INVENTORY);
    expect(inv.ungrouped).toEqual(['bastion.example.com']);
    expect(groupHosts(inv, 'brokers')).toEqual(['broker1.example.com', 'broker2.example.com']);
    expect(groupHosts(inv, 'all_app')).toEqual(['broker1.example.com', 'broker2.example.com', 'node1']);
    expect(groupHosts(inv, 'all')).toEqual(['bastion.example.com', 'broker1.example.com', 'broker2.example.com', 'node1']);
    expect(groupHosts(inv, 'empty')).toEqual([]);
    expect(() => groupHosts(inv, 'nope')).toThrow(
      expect.objectContaining({ message: `no group 'nope' in the inventory ${INVENTORY}`, hint: 'groups: brokers, nodes, empty, all_app' }),
    );
  });

  it('refuses host variables, which would silently change the address', async () => {
    const path = file('vars', '[web]\nweb1 ansible_host=10.0.0.5\n');
    await expect(readInventory(path)).rejects.toThrow(ConfigError);
    await expect(readInventory(path)).rejects.toThrow(/host variables are not read \('web1 ansible_host=…'\)/);
  });

  it('refuses dotted group names and cycles', async () => {
    await expect(readInventory(file('dots', '[a.b]\nh1\n'))).rejects.toThrow(/not a group name/);
    const inv = await readInventory(file('cycle', '[a:children]\nb\n[b:children]\na\n'));
    expect(() => groupHosts(inv, 'a')).toThrow(/groups contain each other: a → b → a/);
  });
});

describe('expansion', () => {
  it('mixes groups, hosts and tags in the order given, each host once', async () => {
    const c = ctx(
      {},
      {
        'Role=db': [
          { label: 'db.example.com', host: 'db.example.com' },
          { label: 'node1', host: 'node1' },
        ],
      },
    );
    const hosts = await expandTargets('@brokers,node1,broker2.example.com,tag:Role=db', c);
    expect(hosts.map((h) => h.label)).toEqual(['broker1.example.com', 'broker2.example.com', 'node1', 'db.example.com']);
    expect(c.asked).toEqual(['Role=db']);
  });

  it('checks every group before EC2 is asked anything', async () => {
    const c = ctx();
    await expect(expandTargets('tag:Role=db,@nope', c)).rejects.toThrow(UsageError);
    expect(c.asked).toEqual([]);
  });

  it('an empty group or tag is an error naming it (exit 1)', async () => {
    await expect(expandTargets('@empty', ctx())).rejects.toThrow(new NotFoundError(`@empty has no hosts in ${INVENTORY}`));
    await expect(expandTargets('tag:Role=none', ctx())).rejects.toThrow('no pending or running instance has the tag Role=none');
  });

  it('finds the inventory from the environment, then the default path, and says which is missing', async () => {
    const viaEnv = await expandTargets('@brokers', ctx({ inventoryFlag: undefined, env: { ORIGIN_SETUP_INVENTORY: INVENTORY } }));
    expect(viaEnv).toHaveLength(2);
    await expect(expandTargets('@brokers', ctx({ inventoryFlag: undefined, home: '/nonexistent' }))).rejects.toThrow(
      '@groups come from an inventory file, and there is none at /nonexistent/.config/origin-setup/inventory',
    );
    await expect(expandTargets('@brokers', ctx({ inventoryFlag: join(dir, 'missing') }))).rejects.toThrow(/inventory .*missing: no such file/);
  });

  it('refuses more hosts than --max-hosts before anything runs', async () => {
    await expect(expandTargets('@all', ctx({ maxHosts: 3 }))).rejects.toMatchObject({
      message: "'@all' names 4 hosts, more than 3 at once",
      hint: 'pass --max-hosts 4 if that is meant',
    });
  });
});

describe('tagged instances', () => {
  it('are addressed by public DNS name, or private with --internal, and say why when they have none', () => {
    const i = {
      InstanceId: 'i-0abc',
      PublicDnsName: 'ec2-1.compute.amazonaws.com',
      PrivateDnsName: 'ip-10-0-0-1.ec2.internal',
      State: { Name: 'running' as const },
    };
    expect(addressOf(i, false)).toEqual({ label: 'ec2-1.compute.amazonaws.com', host: 'ec2-1.compute.amazonaws.com' });
    expect(addressOf(i, true)).toEqual({ label: 'ip-10-0-0-1.ec2.internal', host: 'ip-10-0-0-1.ec2.internal' });
    const pending = { InstanceId: 'i-0def', PublicDnsName: '', Tags: [{ Key: 'Name', Value: 'web3' }], State: { Name: 'pending' as const } };
    expect(addressOf(pending, false)).toEqual({
      label: 'i-0def (web3)',
      problem: 'i-0def (web3) has no public DNS name or address (pending); --internal uses the private one',
    });
  });
});

describe('fleet plumbing', () => {
  it('keeps concurrency below the open-file limit', () => {
    const warned: string[] = [];
    expect(concurrencyFor(undefined, undefined, (w) => warned.push(w))).toBe(20);
    expect(concurrencyFor(undefined, 1024, (w) => warned.push(w))).toBe(20);
    expect(concurrencyFor(undefined, 100, (w) => warned.push(w))).toBe(9);
    expect(warned).toEqual([]);
    expect(concurrencyFor(50, 256, (w) => warned.push(w))).toBe(48);
    expect(warned).toEqual(['--concurrency 50: the open-file limit (256) allows 48 hosts at once; running 48']);
    expect(openFileLimit(() => 'Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 524288               files\n')).toBe(1024);
    expect(openFileLimit(() => 'Max open files            unlimited            unlimited            files\n')).toBeUndefined();
  });

  it('schedules at most N at once and stops starting new work when told', async () => {
    let running = 0;
    let most = 0;
    const gates = Array.from({ length: 6 }, () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const started: number[] = [];
    const done = schedule(
      6,
      2,
      async (i) => {
        started.push(i);
        most = Math.max(most, ++running);
        await gates[i]!.promise;
        running--;
        return i * 10;
      },
      () => started.length >= 4 && stopNow,
    );
    let stopNow = false;
    gates[1]!.resolve();
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    stopNow = true;
    for (const g of gates) g.resolve();
    const results = await done;
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(results).toEqual([0, 10, 20, 30, undefined, undefined]);
  });

  it('prints results in the order given, whatever order hosts finish in', () => {
    const written: string[] = [];
    const p = new OrderedPrinter(3, (t) => written.push(t));
    p.finished(2, resultLines('c', 'three'));
    p.finished(1, []);
    expect(written).toEqual([]);
    p.finished(0, resultLines('a', 'one\ntwo'));
    expect(written).toEqual(['a\tone\na\ttwo', 'c\tthree']);
    expect(resultLines('b', undefined)).toEqual(['b\t']);
  });

  it('sums up in one line', () => {
    expect(summaryLine([{ host: 'a', ok: true, result: 1 }])).toBe('1 host: 1 ok, 0 failed');
    expect(
      summaryLine([
        { host: 'web1', ok: true, result: 1 },
        { host: 'web3', ok: false, error: 'web3: `yum -y install nope` exited 1', code: 1 },
        { host: 'web4', ok: false, error: 'not run: --fail-fast after a host failed', code: 1, notRun: true },
      ]),
    ).toBe('3 hosts: 1 ok, 1 failed (web3: `yum -y install nope` exited 1), 1 not run');
  });
});
