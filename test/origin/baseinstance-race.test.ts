// Two origin:baseinstance runs of one NAME at once, against one scripted account and a real
// sshd. Both pass the read-only checks before either launches (RunInstances is held until
// both have asked), so only the look after the launch keeps the Name unique. The loser's
// rollback removes its own elastic IP and A record, never the winner's.
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  EC2Client,
  ReleaseAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Address,
  type DescribeInstancesCommandInput,
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
import { describeInstances } from '../support/fake-ec2.js';

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);

const AMI = 'ami-0f19f19f19f19f19f';
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const ZONE_ID = 'Z1EXAMPLE';
const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 1, 0, s));
const dnsOf = (ip: string) => `ec2-${ip.replace(/\./g, '-')}.test`;

/** The account both runs share; every changing request is logged in `events`, in order. */
class Account {
  events: string[] = [];
  instances = new Map<string, Instance>();
  addresses: Address[] = [];
  records: string[] = [];
  private arrived: (() => void)[] = [];
  private allocations = 0;
  /** The runs' first CREATEs, held until both have arrived, then applied in `createOrder`. */
  private creates: (() => void)[] = [];
  private createsSeen = 0;

  constructor(
    private readonly launches: { id: string; launchTime: Date; bootIp: string }[],
    private readonly createOrder: 'arrival' | 'reversed' = 'arrival',
  ) {}

  async run(input: RunInstancesCommandInput): Promise<object> {
    const launch = this.launches.shift()!;
    const name = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'Name')?.Value;
    const together = new Promise<void>((resolve) => this.arrived.push(resolve));
    if (this.arrived.length === 2) for (const go of this.arrived.splice(0)) go();
    await together;
    this.events.push(`RunInstances ${launch.id}`);
    this.instances.set(launch.id, {
      InstanceId: launch.id,
      State: { Name: 'running', Code: 16 },
      LaunchTime: launch.launchTime,
      Tags: [{ Key: 'Name', Value: name }],
      PublicIpAddress: launch.bootIp,
      PublicDnsName: dnsOf(launch.bootIp),
    });
    return { Instances: [{ InstanceId: launch.id, State: { Name: 'pending', Code: 0 }, LaunchTime: launch.launchTime }] };
  }

  describe(input: DescribeInstancesCommandInput): object {
    return describeInstances(this.instances.values(), input);
  }

  allocate(): object {
    const n = ++this.allocations;
    const a = { PublicIp: `203.0.113.${10 + n}`, AllocationId: `eipalloc-${n}`, Domain: 'vpc' as const };
    this.addresses.push({ ...a });
    this.events.push(`AllocateAddress ${a.AllocationId}`);
    return a;
  }

  associate(input: { AllocationId?: string; InstanceId: string }): object {
    const a = this.addresses.find((x) => x.AllocationId === input.AllocationId)!;
    Object.assign(a, { AssociationId: `eipassoc-${input.AllocationId}`, InstanceId: input.InstanceId });
    Object.assign(this.instances.get(input.InstanceId)!, { PublicIpAddress: a.PublicIp, PublicDnsName: dnsOf(a.PublicIp!) });
    this.events.push(`AssociateAddress ${input.AllocationId} ${input.InstanceId}`);
    return { AssociationId: a.AssociationId };
  }

  release(input: { AllocationId?: string }): object {
    this.addresses = this.addresses.filter((a) => a.AllocationId !== input.AllocationId);
    this.events.push(`ReleaseAddress ${input.AllocationId}`);
    return {};
  }

  terminate(ids: string[]): object {
    for (const id of ids) this.instances.get(id)!.State = { Name: 'shutting-down', Code: 32 };
    this.events.push(`TerminateInstances ${ids.join(' ')}`);
    return { TerminatingInstances: ids.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down', Code: 32 } })) };
  }

  async change(input: ChangeResourceRecordSetsCommandInput, together: boolean): Promise<object> {
    const c = input.ChangeBatch!.Changes![0]!;
    const name = c.ResourceRecordSet!.Name!;
    const record = `${name} ${c.ResourceRecordSet!.ResourceRecords![0]!.Value}`;
    if (c.Action === 'CREATE' && together && ++this.createsSeen <= 2) {
      // Both runs' CREATEs go out before either launch is decided; Route53 takes them in this order.
      const turn = new Promise<void>((resolve) => this.creates.push(resolve));
      if (this.creates.length === 2) {
        const [first, second] = this.creates.splice(0);
        const order = this.createOrder === 'arrival' ? [first!, second!] : [second!, first!];
        order[0]!();
        void Promise.resolve().then(order[1]);
      }
      await turn;
    }
    if (c.Action === 'DELETE') this.records = this.records.filter((r) => r !== record);
    else if (this.records.some((r) => r.startsWith(`${name} `))) {
      this.events.push(`${c.Action} ${record} refused`);
      const message = `[Tried to create resource record set [name='${name}', type='A'] but it already exists]`;
      throw Object.assign(new Error(message), { name: 'InvalidChangeBatch', messages: [message], $metadata: {} });
    } else this.records.push(record);
    this.events.push(`${c.Action} ${record}`);
    return { ChangeInfo: { Id: `/change/C${this.events.length}`, Status: 'INSYNC', SubmittedAt: new Date(0) } };
  }

  live(): string[] {
    return [...this.instances.values()].filter((i) => ['pending', 'running'].includes(i.State!.Name!)).map((i) => i.InstanceId!);
  }
}

let account: Account;

function script(sameHostname = false): void {
  ec2.reset();
  r53.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: AMI, RootDeviceName: '/dev/sda1', RootDeviceType: 'ebs' }] });
  ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => account.describe(input));
  ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => account.run(input));
  ec2.on(AllocateAddressCommand).callsFake(async () => account.allocate());
  ec2.on(DescribeAddressesCommand).callsFake(async (input: { Filters?: { Name: string; Values: string[] }[] }) => {
    const ip = input.Filters?.find((f) => f.Name === 'public-ip')?.Values[0];
    return { Addresses: account.addresses.filter((a) => !ip || a.PublicIp === ip) };
  });
  ec2.on(AssociateAddressCommand).callsFake(async (input: { AllocationId?: string; InstanceId: string }) => account.associate(input));
  ec2.on(DisassociateAddressCommand).callsFake(async () => ({}));
  ec2.on(ReleaseAddressCommand).callsFake(async (input: { AllocationId?: string }) => account.release(input));
  ec2.on(TerminateInstancesCommand).callsFake(async (input: { InstanceIds: string[] }) => account.terminate(input.InstanceIds));

  const zone = { Id: `/hostedzone/${ZONE_ID}`, Name: 'example.org.', CallerReference: 'z', ResourceRecordSetCount: 2, Config: { PrivateZone: false } };
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: [zone], IsTruncated: false, MaxItems: 100, Marker: '' });
  r53.on(GetHostedZoneCommand).resolves({ HostedZone: zone, DelegationSet: { NameServers: ['ns-1.example.net'] } });
  r53.on(ChangeResourceRecordSetsCommand).callsFake(async (input: ChangeResourceRecordSetsCommandInput) => account.change(input, sameHostname));
  r53.on(ListResourceRecordSetsCommand).callsFake(async (input: { StartRecordName?: string }) => ({
    ResourceRecordSets: account.records
      .map((r) => r.split(' '))
      .filter(([name]) => !input.StartRecordName || name === input.StartRecordName)
      .map(([Name, Value]) => ({ Name, Type: 'A', TTL: 300, ResourceRecords: [{ Value }] })),
    IsTruncated: false,
    MaxItems: 100,
  }));
  r53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C', Status: 'INSYNC', SubmittedAt: new Date(0) } });
}

let sshd: Sshd;
const saved = { ...systemPaths };

beforeAll(async () => {
  sshd = await startSshd({ hosts: ['198.51.100.1', '198.51.100.2', '203.0.113.11', '203.0.113.12'].map(dnsOf), distribution: 'fedora19' });
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
  sshd.resetStandIns();
  writeFileSync(systemPaths.cloudCfg, 'users:\n - default\n');
  chmodSync(systemPaths.cloudCfg, 0o666);
});

// Slower than the usual 0.001, so that --timeout (12 s here) and the winner's wait for the
// loser's rollback (60 s, 1.2 s here) hold on a loaded machine.
function env(): NodeJS.ProcessEnv {
  const e = sshd.env(testEnv({ ORIGIN_SETUP_TIME_SCALE: '0.02' }));
  writeAwsCred(e, `AWSKeyPairName=test-key\n\n[fedora19]\nBaseOSImage=${AMI}\nRemoteUser=fedora\n`);
  return e;
}

const baseinstance = (fqdn: string) => runCli(['origin:baseinstance', 'web', '--hostname', fqdn, '--elasticip'], env());
const field = (stdout: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1];

describe('origin:baseinstance, two runs of one NAME at once', () => {
  it.each([
    ['the earlier LaunchTime', at(9), at(4), B],
    ['a tie broken by the instance id', at(4), at(4), A],
  ])('keeps one instance (%s); the loser removes only its own instance, elastic IP and A record', async (_what, first, second, winner) => {
    account = new Account([
      { id: A, launchTime: first, bootIp: '198.51.100.1' },
      { id: B, launchTime: second, bootIp: '198.51.100.2' },
    ]);
    script();
    const results = await Promise.all([baseinstance('web1.example.org'), baseinstance('web2.example.org')]);
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won.map((r) => r.stderr.match(/^error: .*/m)?.[0])).toEqual([undefined]);
    expect(lost).toHaveLength(1);
    const loser = winner === A ? B : A;
    expect(lost[0]!.code).toBe(1);
    expect(lost[0]!.stdout).toBe('');
    expect(lost[0]!.stderr).toContain(`error: another run launched an instance named 'web' at the same time: ${winner} was first`);
    expect(lost[0]!.stderr).toContain(`so ${loser} was terminated`);

    // The winner: its instance, its address and its record stay.
    const out = won[0]!.stdout;
    expect(field(out, 'id')).toBe(winner);
    const winnerIp = field(out, 'ip')!;
    const winnerFqdn = field(out, 'fqdn')!;
    expect(account.live()).toEqual([winner]);
    expect(account.addresses.map((a) => [a.PublicIp, a.InstanceId])).toEqual([[winnerIp, winner]]);
    expect(account.records).toEqual([`${winnerFqdn}. ${winnerIp}`]);

    // The loser: its own instance terminated once, its own address released, its own record deleted.
    const loserIp = ['203.0.113.11', '203.0.113.12'].find((ip) => ip !== winnerIp)!;
    const loserAlloc = `eipalloc-${loserIp === '203.0.113.11' ? 1 : 2}`;
    const undo = account.events.filter((e) => /^(TerminateInstances|ReleaseAddress|DELETE)/.test(e));
    expect(undo.sort()).toEqual(
      [
        `DELETE ${winnerFqdn === 'web1.example.org' ? 'web2' : 'web1'}.example.org. ${loserIp}`,
        `ReleaseAddress ${loserAlloc}`,
        `TerminateInstances ${loser}`,
      ].sort(),
    );
    expect(account.events.filter((e) => e.startsWith('AssociateAddress'))).toEqual([
      `AssociateAddress eipalloc-${winnerIp === '203.0.113.11' ? 1 : 2} ${winner}`,
    ]);
  });

  it.each(['arrival', 'reversed'] as const)(
    'with one --hostname too, the winner ends up with the A record (Route53 takes the CREATEs in %s order)',
    async (order) => {
      account = new Account(
        [
          { id: A, launchTime: at(9), bootIp: '198.51.100.1' },
          { id: B, launchTime: at(4), bootIp: '198.51.100.2' },
        ],
        order,
      );
      script(true);
      const results = await Promise.all([baseinstance('web.example.org'), baseinstance('web.example.org')]);
      const won = results.filter((r) => r.code === 0);
      expect(won.map((r) => r.stderr.match(/^error: .*/m)?.[0])).toEqual([undefined]);
      const lost = results.filter((r) => r.code !== 0);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.stderr).toContain(`error: another run launched an instance named 'web' at the same time: ${B} was first`);
      const winnerIp = field(won[0]!.stdout, 'ip')!;
      expect(field(won[0]!.stdout, 'id')).toBe(B);
      expect(account.live()).toEqual([B]);
      expect(account.addresses.map((a) => [a.PublicIp, a.InstanceId])).toEqual([[winnerIp, B]]);
      expect(account.records).toEqual([`web.example.org. ${winnerIp}`]);
    },
  );
});
