// origin:baseinstance NAME --count N: N instances at once, each a run of its own. A
// scripted account (aws-sdk-client-mock) gives every launch its own instance, address and
// DNS name; the names reach one real sshd through the test HOME's ~/.ssh/config.
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  ReleaseAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Address,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ChangeResourceRecordSetsCommandInput,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemPaths } from '../../src/platform/system.js';
import { runCli, testEnv, writeAwsCred } from '../support/cli.js';
import { startSshd, type Sshd } from '../support/sshd.js';

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);
const AMI = 'ami-0f19f19f19f19f19f';
const zone = { Id: '/hostedzone/Z1EXAMPLE', Name: 'example.org.', CallerReference: 'z', ResourceRecordSetCount: 3, Config: { PrivateZone: false } };
const NAMES = ['web1', 'web2', 'web3'];
const dnsOf = (n: number) => `ec2-203-0-113-1${n}.test`;

interface Fake {
  id: string;
  name: string;
  state: string;
  n: number;
  /** The elastic IP associated with it, which brings its DNS name. */
  ip?: string;
}

let instances: Map<string, Fake>;
let addresses: Address[];
let events: string[];
/** Instances that never get to running (their launch ends terminated). */
let doomed: Set<string>;
let launches: { expected: number; open(): void; opened: Promise<void>; wasOpened: boolean };

function launchGate(expected: number) {
  let open!: () => void;
  const gate = { expected, open: () => {}, opened: new Promise<void>((r) => (open = r)), wasOpened: false };
  gate.open = () => {
    gate.wasOpened = true;
    open();
  };
  return gate;
}

function script(): void {
  ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => {
    const name = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'Name')?.Value ?? '';
    const n = Number(name.replace(/\D/g, ''));
    const id = `i-0000000000000000${n}`;
    events.push(`RunInstances ${name}`);
    // No launch is answered before all of them were asked for: launches made one after
    // another would hold here until the fallback, and the test sees that.
    if (events.filter((e) => e.startsWith('RunInstances')).length === launches.expected) launches.open();
    await Promise.race([launches.opened, new Promise((r) => setTimeout(r, 10_000))]);
    instances.set(id, { id, name, state: 'pending', n });
    return { Instances: [{ InstanceId: id, State: { Name: 'pending', Code: 0 } }] };
  });
  const view = (i: Fake): Instance => ({
    InstanceId: i.id,
    State: { Name: i.state as never, Code: 0 },
    Tags: [{ Key: 'Name', Value: i.name }],
    PublicDnsName: i.state !== 'running' ? '' : i.ip ? `ec2-${i.ip.replace(/\./g, '-')}.test` : `boot-${i.n}.test`,
    ...(i.state === 'running' && i.ip ? { PublicIpAddress: i.ip } : {}),
    ...(i.state === 'terminated' ? { StateReason: { Code: 'Server.InternalError', Message: 'Server.InternalError: Internal error on launch' } } : {}),
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[]; Filters?: { Name: string; Values: string[] }[] }) => {
    let found: Fake[];
    if (input.InstanceIds) {
      found = input.InstanceIds.map((id) => instances.get(id)!).filter(Boolean);
      for (const i of found) if (i.state === 'pending') i.state = doomed.has(i.name) ? 'terminated' : 'running';
    } else {
      const name = input.Filters?.find((f) => f.Name === 'tag:Name')?.Values[0];
      const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
      found = [...instances.values()].filter((i) => (!name || i.name === name) && (!states || states.includes(i.state)));
    }
    return { Reservations: found.length ? [{ Instances: found.map(view) }] : [] };
  });
  ec2.on(DescribeImagesCommand).resolves({
    Images: [{ ImageId: AMI, RootDeviceName: '/dev/sda1', RootDeviceType: 'ebs', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 8 } }] }],
  });
  let next = 0;
  ec2.on(AllocateAddressCommand).callsFake(() => {
    next++;
    const a = { PublicIp: `203.0.113.1${next}`, AllocationId: `eipalloc-${next}`, Domain: 'vpc' as const };
    addresses.push({ ...a });
    return a;
  });
  ec2.on(DescribeAddressesCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
    const ip = input.Filters?.find((f) => f.Name === 'public-ip')?.Values[0];
    return { Addresses: addresses.filter((a) => !ip || a.PublicIp === ip) };
  });
  ec2.on(AssociateAddressCommand).callsFake((input: { AllocationId?: string; InstanceId: string }) => {
    const a = addresses.find((x) => x.AllocationId === input.AllocationId)!;
    Object.assign(a, { AssociationId: `eipassoc-${a.AllocationId}`, InstanceId: input.InstanceId });
    instances.get(input.InstanceId)!.ip = a.PublicIp;
    return { AssociationId: a.AssociationId };
  });
  ec2.on(ReleaseAddressCommand).callsFake((input: { AllocationId: string }) => {
    events.push(`ReleaseAddress ${input.AllocationId}`);
    return {};
  });
  ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    events.push(`TerminateInstances ${input.InstanceIds.join(' ')}`);
    return { TerminatingInstances: [] };
  });
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: [zone], IsTruncated: false, MaxItems: 100, Marker: '' });
  r53.on(GetHostedZoneCommand).resolves({ HostedZone: zone, DelegationSet: { NameServers: ['ns-1.example.net'] } });
  r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 100 });
  r53.on(ChangeResourceRecordSetsCommand).callsFake((input: ChangeResourceRecordSetsCommandInput) => {
    const c = input.ChangeBatch!.Changes![0]!;
    events.push(`${c.Action} A ${c.ResourceRecordSet!.Name} ${c.ResourceRecordSet!.ResourceRecords![0]!.Value}`);
    return { ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) } };
  });
  r53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date(0) } });
}

let sshd: Sshd;
const saved = { ...systemPaths };
beforeAll(async () => {
  sshd = await startSshd({ hosts: [1, 2, 3].flatMap((n) => [dnsOf(n), `boot-${n}.test`]), distribution: 'fedora19' });
  const etc = join(sshd.dir, 'etc');
  mkdirSync(etc, { recursive: true });
  chmodSync(etc, 0o777);
  Object.assign(systemPaths, { hostname: join(etc, 'hostname'), hosts: join(etc, 'hosts'), cloudCfg: join(etc, 'cloud.cfg') });
});
afterAll(async () => {
  Object.assign(systemPaths, saved);
  await sshd?.stop();
});
beforeEach(() => {
  ec2.reset();
  r53.reset();
  instances = new Map();
  addresses = [];
  events = [];
  doomed = new Set();
  launches = launchGate(3);
  script();
  sshd.resetStandIns();
  writeFileSync(systemPaths.cloudCfg, 'users:\n - default\n');
  chmodSync(systemPaths.cloudCfg, 0o666);
});

function env(): NodeJS.ProcessEnv {
  const e = sshd.env(testEnv());
  writeAwsCred(e, `AWSKeyPairName=test-key\n\n[fedora19]\nBaseOSImage=${AMI}\nRemoteUser=fedora\n`);
  return e;
}
const count = (args: string[]) => runCli(['origin:baseinstance', 'web', '--count', '3', '--elasticip', '--timeout', '60000', ...args], env());

describe('origin:baseinstance NAME --count N', () => {
  it('launches NAME1..NAMEN at once, each named under --domain, and lists every instance', async () => {
    const r = await count(['--domain', 'example.org']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      NAMES.map((name, k) => {
        const n = k + 1;
        return [`id=i-0000000000000000${n}`, `dns=${dnsOf(n)}`, `ip=203.0.113.1${n}`, `fqdn=${name}.example.org`].map((l) => `${name}\t${l}`).join('\n');
      }).join('\n') + '\n',
    );
    expect(r.stderr).toContain('task: origin:baseinstance web --count 3 (under example.org)\n- 3 hosts: web1, web2, web3\n');
    expect(r.stderr).toMatch(/\[web2\] task: origin:baseinstance web2\n/);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('3 hosts: 3 ok, 0 failed');
    // All three launches were asked for before any was answered: side by side, not in turn.
    expect(launches.wasOpened).toBe(true);
    expect(events.filter((e) => e.startsWith('CREATE')).sort()).toEqual(
      NAMES.map((name) => expect.stringMatching(new RegExp(`^CREATE A ${name}\\.example\\.org\\. 203\\.0\\.113\\.1\\d$`))),
    );
  });

  it('rolls back only the instance that failed; the others stay, and the exit code says so', async () => {
    doomed.add('web2');
    const r = await count(['--hostname', 'ignored.example.org']);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]),
    ).toEqual(['web1', 'web1', 'web1', 'web1', 'web3', 'web3', 'web3', 'web3']);
    expect(r.stdout).toContain('web3\tfqdn=web3.example.org\n');
    expect(r.stderr).toMatch(/\[web2\] error: gave up waiting for i-00000000000000002 \(web2\) to be running: it is terminated/);
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(/^3 hosts: 2 ok, 1 failed \(web2: gave up waiting for i-00000000000000002 \(web2\) to be running/);
    // web2's own instance, address and record went; nothing of web1's or web3's did.
    expect(events.filter((e) => e.startsWith('Terminate'))).toEqual(['TerminateInstances i-00000000000000002']);
    const web2ip = addresses.find((a) => !a.InstanceId && events.includes(`ReleaseAddress ${a.AllocationId}`));
    expect(events.filter((e) => e.startsWith('ReleaseAddress'))).toEqual([`ReleaseAddress ${web2ip!.AllocationId}`]);
    expect(events.filter((e) => e.startsWith('DELETE'))).toEqual([`DELETE A web2.example.org. ${web2ip!.PublicIp}`]);
  });

  it('refuses what cannot go with --count before anything is launched (exit 2)', async () => {
    for (const [args, message] of [
      [[], '--count names each instance NAMEi.ZONE: give --domain ZONE'],
      [['--domain', 'example.org', '--ipaddress', '203.0.113.5'], '--ipaddress names one address; it cannot go with --count'],
      [['--domain', 'example.org', '--hostname', 'a.example.org'], 'give --domain ZONE or --hostname FQDN (for its zone), not both'],
    ] as const) {
      const r = await count([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: ${message}`);
    }
    const zero = await runCli(['origin:baseinstance', 'web', '--count', '0', '--domain', 'example.org'], env());
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('error: --count: a whole number from 1 to 1000');
    expect(events).toEqual([]);
  });

  it('names a single instance NAME.ZONE with --domain alone', async () => {
    launches = launchGate(1);
    const r = await runCli(['origin:baseinstance', 'web1', '--domain', 'example.org', '--elasticip', '--timeout', '60000'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fqdn=web1.example.org\n');
    expect(r.stdout).not.toContain('\t');
  });
});
