// The sandbox's EC2 half, driven through the real AWS SDK client: its serializer writes the
// requests handleEc2 decodes and its parser reads the XML handleEc2 answers, so a shape the
// SDK would not read fails here. The clock is the test's own: time moves only when a test
// moves it, so no test races a timer.
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DisassociateAddressCommand,
  EC2Client,
  type Instance,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeSecurityGroups,
  ReleaseAddressCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleEc2, SANDBOX_KEY_NAME, seedEc2 } from '../../../src/sandbox/ec2/index.js';
import type { SandboxClock, SandboxState } from '../../../src/sandbox/model.js';
import { newState } from '../../../src/sandbox/store.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const FEDORA = '125523088429';
const F18 = 'ami-b71078de';

let state: SandboxState;
let now: number;
const clock: SandboxClock = { now: () => now, scale: 1 };
let server: Server;
let endpoint: string;
let client: EC2Client;

/** A new sandbox, as the store makes one. */
function freshState(): SandboxState {
  return newState();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      try {
        const reply = handleEc2(state, Object.fromEntries(new URLSearchParams(body)), clock);
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((err as Error).stack));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new EC2Client({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  state = freshState();
  now = Date.parse('2026-03-01T10:00:00.250Z');
  clock.scale = 1;
});

/** The error a request fails with (the test fails if it succeeds). */
async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; requestId?: string } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the request succeeded');
}

const launchInput = (name: string, extra: Partial<RunInstancesCommandInput> = {}): RunInstancesCommandInput => ({
  ImageId: F18,
  InstanceType: 't3.micro',
  KeyName: SANDBOX_KEY_NAME,
  MinCount: 1,
  MaxCount: 1,
  TagSpecifications: [
    { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] },
    { ResourceType: 'volume', Tags: [{ Key: 'Name', Value: name }] },
  ],
  ...extra,
});

async function launch(name: string, extra: Partial<RunInstancesCommandInput> = {}): Promise<Instance> {
  const out = await client.send(new RunInstancesCommand(launchInput(name, extra)));
  return out.Instances![0]!;
}

async function describe1(id: string): Promise<Instance> {
  const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

/** Moves the test's clock on by this many seconds. */
const pass = (seconds: number) => {
  now += seconds * 1000;
};

describe('a new sandbox', () => {
  it("has the original's Fedora images, found by owner, name glob and architecture", async () => {
    const out = await client.send(
      new DescribeImagesCommand({
        Owners: [FEDORA],
        Filters: [
          { Name: 'name', Values: ['Fedora-x86_64-*'] },
          { Name: 'architecture', Values: ['x86_64'] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    );
    const images = out.Images!.map((i) => [i.ImageId, i.OwnerId, i.Architecture, i.Name]).sort();
    expect(images).toEqual([
      ['ami-2509664c', FEDORA, 'x86_64', 'Fedora-x86_64-17-1-sda'],
      ['ami-6f3b5006', FEDORA, 'x86_64', 'Fedora-x86_64-19-Beta-20130523-sda'],
      ['ami-b71078de', FEDORA, 'x86_64', 'Fedora-x86_64-18-20130521-sda'],
    ]);
    const f18 = out.Images!.find((i) => i.ImageId === F18)!;
    expect(f18).toMatchObject({ State: 'available', Public: true, RootDeviceType: 'ebs', RootDeviceName: '/dev/sda1' });
    expect(f18.BlockDeviceMappings![0]).toMatchObject({ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 2, SnapshotId: expect.stringMatching(/^snap-/) } });
  });

  it('has a current Fedora, Debian, Ubuntu, EL and Amazon Linux image; ? matches one character', async () => {
    const all = await client.send(new DescribeImagesCommand({ ExecutableUsers: ['all'] }));
    const names = all.Images!.map((i) => i.Name!);
    for (const pattern of [/^Fedora-Cloud-Base-.*x86_64-4\d/, /^debian-12-amd64/, /^ubuntu\/images\/.*noble-24\.04-amd64/, /^AlmaLinux OS 9/, /^al2023-ami/]) {
      expect(names.some((n) => pattern.test(n))).toBe(true);
    }
    const amazon = await client.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    expect(amazon.Images!.map((i) => [i.ImageOwnerAlias, i.Name])).toEqual([['amazon', expect.stringMatching(/^al2023-ami/)]]);
    const arm = await client.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['arm64'] }] }));
    expect(arm.Images!.map((i) => i.Name)).toEqual([expect.stringContaining('aarch64')]);
    const one = await client.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['Fedora-x86_64-1?-1-sda'] }] }));
    expect(one.Images!.map((i) => i.ImageId)).toEqual(['ami-2509664c']);
    const mine = await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(mine.Images).toEqual([]);
  });

  it('has a default security group and a key pair', async () => {
    const groups = await client.send(new DescribeSecurityGroupsCommand({ GroupNames: ['default'] }));
    const g = groups.SecurityGroups![0]!;
    expect(g).toMatchObject({ GroupName: 'default', VpcId: expect.stringMatching(/^vpc-/), OwnerId: '123456789012' });
    expect(g.IpPermissions).toEqual([
      { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: g.GroupId, UserId: '123456789012' }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] },
    ]);
    expect(g.IpPermissionsEgress![0]).toMatchObject({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    const keys = await client.send(new DescribeKeyPairsCommand({}));
    expect(keys.KeyPairs!.map((k) => k.KeyName)).toEqual([SANDBOX_KEY_NAME]);
    expect(keys.KeyPairs![0]!.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  });

  it('seeding twice adds nothing', () => {
    const before = JSON.stringify(state);
    seedEc2(state);
    expect(JSON.stringify(state)).toBe(before);
  });
});

describe('RunInstances', () => {
  it('launches a pending instance with its tags, groups, metadata options, user data and a resized root volume', async () => {
    const custom = await client.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }));
    const i = await launch('web1', {
      SecurityGroups: ['default'],
      SecurityGroupIds: [custom.GroupId!],
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true } }],
      UserData: Buffer.from('#cloud-config\n').toString('base64'),
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
      ClientToken: 'token-1',
    });
    expect(i).toMatchObject({
      InstanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
      ImageId: F18,
      InstanceType: 't3.micro',
      KeyName: SANDBOX_KEY_NAME,
      State: { Code: 0, Name: 'pending' },
      PrivateIpAddress: expect.stringMatching(/^127\.31\.\d+\.\d+$/),
      PrivateDnsName: expect.stringMatching(/^ip-127-31-\d+-\d+\.ec2\.internal$/),
      PublicDnsName: '',
      Tags: [{ Key: 'Name', Value: 'web1' }],
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
      ClientToken: 'token-1',
      Placement: { AvailabilityZone: 'us-east-1a' },
    });
    expect(i.PublicIpAddress).toBeUndefined();
    // EC2 keeps whole seconds of the launch time.
    expect(i.LaunchTime!.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(i.SecurityGroups!.map((g) => g.GroupName).sort()).toEqual(['default', 'web']);
    const volumes = await client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }));
    expect(volumes.Volumes).toHaveLength(1);
    expect(volumes.Volumes![0]).toMatchObject({
      Size: 20,
      VolumeType: 'gp3',
      Encrypted: true,
      State: 'in-use',
      Tags: [{ Key: 'Name', Value: 'web1' }],
      Attachments: [{ InstanceId: i.InstanceId, Device: '/dev/sda1', DeleteOnTermination: true, State: 'attached' }],
    });
    expect(i.BlockDeviceMappings).toEqual([
      expect.objectContaining({ DeviceName: '/dev/sda1', Ebs: expect.objectContaining({ VolumeId: volumes.Volumes![0]!.VolumeId }) }),
    ]);
    expect(state.ec2.instances[0]!.userData).toBe(Buffer.from('#cloud-config\n').toString('base64'));
  });

  it('is running about 2 s later, with a public address and DNS name in the loopback range', async () => {
    const { InstanceId: id } = await launch('web1');
    pass(1.9);
    expect((await describe1(id!)).State?.Name).toBe('pending');
    pass(0.2);
    const running = await describe1(id!);
    expect(running.State).toEqual({ Code: 16, Name: 'running' });
    expect(running.PublicIpAddress).toMatch(/^127\.42\.\d+\.\d+$/);
    expect(running.PublicIpAddress).not.toBe('127.0.0.1');
    expect(running.PublicDnsName).toBe(`ec2-${running.PublicIpAddress!.replaceAll('.', '-')}.compute-1.sandbox.test`);
    expect(running.MetadataOptions?.State).toBe('applied');
  });

  it('answers the same instance to a repeated ClientToken and refuses one with other arguments', async () => {
    const first = await launch('web1', { ClientToken: 'same' });
    const again = await launch('web1', { ClientToken: 'same' });
    expect(again.InstanceId).toBe(first.InstanceId);
    expect(state.ec2.instances).toHaveLength(1);
    expect(state.ec2.volumes).toHaveLength(1);
    const err = await failure(launch('web1', { ClientToken: 'same', ImageId: 'ami-2509664c' }));
    expect(err.name).toBe('IdempotentParameterMismatch');
  });

  it('under DryRun says DryRunOperation and launches nothing, but still refuses what would fail', async () => {
    const err = await failure(launch('web1', { DryRun: true }));
    expect(err.name).toBe('DryRunOperation');
    expect(err.message).toBe('Request would have succeeded, but DryRun flag is set.');
    expect(err.$metadata?.httpStatusCode).toBe(412);
    expect(state.ec2.instances).toEqual([]);
    expect(state.ec2.volumes).toEqual([]);
    expect((await failure(launch('web1', { DryRun: true, ImageId: 'ami-12345678' }))).name).toBe('InvalidAMIID.NotFound');
  });

  it('refuses what EC2 refuses, with its codes and the request id', async () => {
    const missing = await failure(launch('x', { ImageId: 'ami-12345678' }));
    expect(missing.name).toBe('InvalidAMIID.NotFound');
    expect(missing.message).toBe("The image id '[ami-12345678]' does not exist");
    expect(missing.$metadata?.httpStatusCode).toBe(400);
    expect(missing.$metadata?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await failure(launch('x', { ImageId: 'ami-xyz' }))).name).toBe('InvalidAMIID.Malformed');
    expect((await failure(launch('x', { KeyName: 'nokey' }))).name).toBe('InvalidKeyPair.NotFound');
    expect((await failure(launch('x', { SecurityGroups: ['nogroup'] }))).name).toBe('InvalidGroup.NotFound');
    expect((await failure(launch('x', { SecurityGroupIds: ['sg-0123456789abcdef0'] }))).name).toBe('InvalidGroup.NotFound');
    expect((await failure(launch('x', { InstanceType: 'huge' as never }))).name).toBe('InvalidParameterValue');
    const small = await failure(launch('x', { BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 1 } }] }));
    expect(small.name).toBe('InvalidBlockDeviceMapping');
    expect(small.message).toMatch(/expect size >= 2GB/);
    const big = Buffer.alloc(17 * 1024, 1).toString('base64');
    expect((await failure(launch('x', { UserData: big }))).name).toBe('InvalidParameterValue');
    const badTag = await failure(launch('x', { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'aws:x', Value: 'y' }] }] }));
    expect(badTag.name).toBe('InvalidParameterValue');
    expect(state.ec2.instances).toEqual([]);
    expect(state.ec2.volumes).toEqual([]);
  });

  it('refuses an unknown action with InvalidAction', async () => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=LaunchRocket&Version=2016-11-15',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(
      /<Response><Errors><Error><Code>InvalidAction<\/Code><Message>The action LaunchRocket is not valid for this web service\.<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/,
    );
  });
});

describe('DescribeInstances', () => {
  it('filters by tag (with wildcards), state and id', async () => {
    const a = await launch('web1');
    const b = await launch('web2');
    const c = await launch('db1');
    pass(3);
    await client.send(new TerminateInstancesCommand({ InstanceIds: [b.InstanceId!] }));
    const ids = async (filters: { Name: string; Values: string[] }[]) => {
      const out = await client.send(new DescribeInstancesCommand({ Filters: filters }));
      return out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)).sort();
    };
    expect(await ids([{ Name: 'tag:Name', Values: ['web*'] }])).toEqual([a.InstanceId, b.InstanceId].sort());
    expect(
      await ids([
        { Name: 'tag:Name', Values: ['web*'] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ]),
    ).toEqual([a.InstanceId]);
    expect(await ids([{ Name: 'tag:Name', Values: ['db?', 'nothing'] }])).toEqual([c.InstanceId]);
    expect(await ids([{ Name: 'instance-id', Values: [c.InstanceId!] }])).toEqual([c.InstanceId]);
    expect(await ids([{ Name: 'tag-key', Values: ['Name'] }])).toHaveLength(3);
    expect(await ids([{ Name: 'tag:Role', Values: ['*'] }])).toEqual([]);
    const bad = await failure(client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })));
    expect(bad.name).toBe('InvalidParameterValue');
    expect(bad.message).toBe("The filter 'colour' is invalid");
  });

  it('names unknown and malformed ids', async () => {
    const one = await failure(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
    expect([one.name, one.message]).toEqual(['InvalidInstanceID.NotFound', "The instance ID 'i-0123456789abcdef0' does not exist"]);
    const two = await failure(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef1'] })));
    expect(two.message).toBe("The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist");
    expect((await failure(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-xyz'] })))).name).toBe('InvalidInstanceID.Malformed');
  });

  it('pages with MaxResults and NextToken, as the SDK paginator reads them', async () => {
    const launched: string[] = [];
    for (let n = 1; n <= 7; n++) launched.push((await launch(`node${n}`)).InstanceId!);
    const pages: string[][] = [];
    for await (const page of paginateDescribeInstances({ client, pageSize: 5 }, {})) {
      pages.push(page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 2]);
    expect(pages.flat()).toEqual(launched);
    expect((await failure(client.send(new DescribeInstancesCommand({ MaxResults: 3 })))).name).toBe('InvalidParameterValue');
    const combo = await failure(client.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [launched[0]!] })));
    expect(combo.name).toBe('InvalidParameterCombination');
    const token = await failure(client.send(new DescribeInstancesCommand({ NextToken: 'nonsense' })));
    expect(token.name).toBe('InvalidParameterValue');
  });
});

describe('instance states', () => {
  it('stop, start and terminate move through EC2 states as the clock moves', async () => {
    const { InstanceId: id } = await launch('web1');
    pass(2);
    const firstIp = (await describe1(id!)).PublicIpAddress;
    const stop = await client.send(new StopInstancesCommand({ InstanceIds: [id!] }));
    expect(stop.StoppingInstances).toEqual([{ InstanceId: id, CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } }]);
    pass(2);
    const stopped = await describe1(id!);
    expect(stopped.State?.Name).toBe('stopped');
    expect(stopped.PublicIpAddress).toBeUndefined();
    expect(stopped.StateReason).toEqual({ Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' });
    // Stopping again changes nothing; starting brings it back with a new address.
    const again = await client.send(new StopInstancesCommand({ InstanceIds: [id!] }));
    expect(again.StoppingInstances![0]!.CurrentState?.Name).toBe('stopped');
    const start = await client.send(new StartInstancesCommand({ InstanceIds: [id!] }));
    expect(start.StartingInstances![0]).toMatchObject({ CurrentState: { Name: 'pending' }, PreviousState: { Name: 'stopped' } });
    pass(2);
    const restarted = await describe1(id!);
    expect(restarted.State?.Name).toBe('running');
    expect(restarted.PublicIpAddress).toMatch(/^127\.42\./);
    expect(restarted.PublicIpAddress).not.toBe(firstIp);
    const term = await client.send(new TerminateInstancesCommand({ InstanceIds: [id!] }));
    expect(term.TerminatingInstances![0]!.CurrentState).toEqual({ Code: 32, Name: 'shutting-down' });
    pass(2);
    const gone = await describe1(id!);
    expect(gone.State?.Name).toBe('terminated');
    expect(gone.PublicIpAddress).toBeUndefined();
    expect(gone.PrivateIpAddress).toBeUndefined();
    expect(gone.Tags).toEqual([{ Key: 'Name', Value: 'web1' }]);
    // Its root volume went with it (delete on termination).
    expect((await client.send(new DescribeVolumesCommand({}))).Volumes).toEqual([]);
    // Listed for an hour, then forgotten.
    pass(3600);
    expect((await failure(describe1(id!))).name).toBe('InvalidInstanceID.NotFound');
  });

  it('refuses to start a terminated instance or stop a pending one, and changes none of a refused batch', async () => {
    const a = await launch('a');
    const b = await launch('b');
    expect((await failure(client.send(new StopInstancesCommand({ InstanceIds: [a.InstanceId!] })))).name).toBe('IncorrectInstanceState');
    pass(2);
    await client.send(new TerminateInstancesCommand({ InstanceIds: [b.InstanceId!] }));
    pass(2);
    const err = await failure(client.send(new StartInstancesCommand({ InstanceIds: [a.InstanceId!, b.InstanceId!] })));
    expect(err.name).toBe('IncorrectInstanceState');
    const err2 = await failure(client.send(new StopInstancesCommand({ InstanceIds: [a.InstanceId!, b.InstanceId!] })));
    expect(err2.name).toBe('IncorrectInstanceState');
    expect((await describe1(a.InstanceId!)).State?.Name).toBe('running');
  });

  it("the SDK's waiters see running, stopped and terminated at speed 0", async () => {
    clock.scale = 0;
    const { InstanceId: id } = await launch('web1');
    const config = { client, maxWaitTime: 5, minDelay: 1, maxDelay: 1 };
    expect((await waitUntilInstanceRunning(config, { InstanceIds: [id!] })).state).toBe('SUCCESS');
    await client.send(new StopInstancesCommand({ InstanceIds: [id!] }));
    expect((await waitUntilInstanceStopped(config, { InstanceIds: [id!] })).state).toBe('SUCCESS');
    await client.send(new TerminateInstancesCommand({ InstanceIds: [id!] }));
    expect((await waitUntilInstanceTerminated(config, { InstanceIds: [id!] })).state).toBe('SUCCESS');
  });
});

describe('tags', () => {
  it('CreateTags and DeleteTags on instances, images, volumes, groups and addresses', async () => {
    const { InstanceId: id } = await launch('web1');
    const vol = state.ec2.volumes[0]!.id;
    const group = state.ec2.securityGroups[0]!.id;
    const { AllocationId: alloc } = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await client.send(
      new CreateTagsCommand({
        Resources: [id!, vol, group, alloc!, F18],
        Tags: [
          { Key: 'Role', Value: 'web' },
          { Key: 'Name', Value: 'renamed' },
        ],
      }),
    );
    expect((await describe1(id!)).Tags).toEqual([
      { Key: 'Name', Value: 'renamed' },
      { Key: 'Role', Value: 'web' },
    ]);
    const byRole = await client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:Role', Values: ['web'] }] }));
    expect(byRole.Volumes!.map((v) => v.VolumeId)).toEqual([vol]);
    const addr = await client.send(new DescribeAddressesCommand({ Filters: [{ Name: 'tag:Role', Values: ['web'] }] }));
    expect(addr.Addresses!.map((a) => a.AllocationId)).toEqual([alloc]);
    // A value that does not match keeps the tag; no value removes it whatever it is.
    await client.send(new DeleteTagsCommand({ Resources: [id!], Tags: [{ Key: 'Role', Value: 'db' }] }));
    expect((await describe1(id!)).Tags).toHaveLength(2);
    await client.send(new DeleteTagsCommand({ Resources: [id!], Tags: [{ Key: 'Role' }] }));
    expect((await describe1(id!)).Tags).toEqual([{ Key: 'Name', Value: 'renamed' }]);
  });

  it('keeps markup characters and non-ASCII text in values intact; no keys named removes every tag', async () => {
    const value = `a<b>&"c" 'd' é ✓`;
    const { InstanceId: id } = await launch(value);
    expect((await describe1(id!)).Tags).toEqual([{ Key: 'Name', Value: value }]);
    const found = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [value] }] }));
    expect(found.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([id]);
    await client.send(new CreateTagsCommand({ Resources: [id!], Tags: [{ Key: 'Role', Value: 'web' }] }));
    await client.send(new DeleteTagsCommand({ Resources: [id!] }));
    expect((await describe1(id!)).Tags).toEqual([]);
  });

  it('refuses an unknown resource and then tags none of them', async () => {
    const { InstanceId: id } = await launch('web1');
    const err = await failure(client.send(new CreateTagsCommand({ Resources: [id!, 'i-0123456789abcdef0'], Tags: [{ Key: 'Role', Value: 'web' }] })));
    expect(err.name).toBe('InvalidInstanceID.NotFound');
    expect((await describe1(id!)).Tags).toEqual([{ Key: 'Name', Value: 'web1' }]);
    expect((await failure(client.send(new CreateTagsCommand({ Resources: ['thing-1'], Tags: [{ Key: 'a', Value: 'b' }] })))).name).toBe('InvalidID');
  });
});

describe('images', () => {
  it('CreateImage makes a pending image and snapshot that become available; the waiter sees it', async () => {
    const { InstanceId: id } = await launch('puppet');
    const early = await failure(client.send(new CreateImageCommand({ InstanceId: id!, Name: 'puppet-base' })));
    expect(early.name).toBe('IncorrectInstanceState');
    pass(2);
    const { ImageId: ami } = await client.send(
      new CreateImageCommand({
        InstanceId: id!,
        Name: 'puppet-base',
        Description: 'a puppet master',
        TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'role', Value: 'master' }] }],
      }),
    );
    expect(ami).toMatch(/^ami-[0-9a-f]{17}$/);
    const mine = await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(mine.Images).toHaveLength(1);
    expect(mine.Images![0]).toMatchObject({
      ImageId: ami,
      Name: 'puppet-base',
      State: 'pending',
      OwnerId: '123456789012',
      Public: false,
      Description: 'a puppet master',
      Tags: [{ Key: 'role', Value: 'master' }],
    });
    const snapId = mine.Images![0]!.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    const snaps = await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snaps.Snapshots).toEqual([expect.objectContaining({ SnapshotId: snapId, State: 'pending', VolumeSize: 2, OwnerId: '123456789012' })]);
    const dup = await failure(client.send(new CreateImageCommand({ InstanceId: id!, Name: 'puppet-base' })));
    expect([dup.name, dup.message]).toEqual(['InvalidAMIName.Duplicate', `AMI name puppet-base is already in use by AMI ${ami}`]);
    // The image is made of the snapshot: it cannot go first.
    const inUse = await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: snapId })));
    expect(inUse.name).toBe('InvalidSnapshot.InUse');
    pass(3.9);
    expect((await client.send(new DescribeImagesCommand({ ImageIds: [ami!] }))).Images![0]!.State).toBe('pending');
    pass(0.1);
    expect((await client.send(new DescribeImagesCommand({ ImageIds: [ami!] }))).Images![0]!.State).toBe('available');
    expect((await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapId] }))).Snapshots![0]!.State).toBe('completed');
    // At speed 0 an image is available by the waiter's first look.
    clock.scale = 0;
    const { ImageId: quick } = await client.send(new CreateImageCommand({ InstanceId: id!, Name: 'puppet-quick' }));
    const waited = await waitUntilImageAvailable({ client, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { ImageIds: [quick!] });
    expect(waited.state).toBe('SUCCESS');
    await client.send(new DeregisterImageCommand({ ImageId: quick!, DeleteAssociatedSnapshots: true }));
    // An instance can be launched from it, as from any image.
    const child = await launch('child', { ImageId: ami! });
    expect(child.ImageId).toBe(ami);
    const del = await client.send(new DeregisterImageCommand({ ImageId: ami!, DeleteAssociatedSnapshots: true }));
    expect(del.DeleteSnapshotResults).toEqual([{ SnapshotId: snapId, ReturnCode: 'success' }]);
    expect((await client.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images).toEqual([]);
    expect((await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots).toEqual([]);
    expect((await failure(client.send(new DeregisterImageCommand({ ImageId: F18 })))).name).toBe('AuthFailure');
  });

  it('names unknown and malformed image ids, and pages', async () => {
    const err = await failure(client.send(new DescribeImagesCommand({ ImageIds: ['ami-12345678'] })));
    expect([err.name, err.message]).toEqual(['InvalidAMIID.NotFound', "The image id '[ami-12345678]' does not exist"]);
    expect((await failure(client.send(new DescribeImagesCommand({ ImageIds: ['ami-nope'] })))).name).toBe('InvalidAMIID.Malformed');
    const pages: number[] = [];
    for await (const page of paginateDescribeImages({ client, pageSize: 4 }, { ExecutableUsers: ['all'] })) pages.push(page.Images!.length);
    expect(pages).toEqual([4, 4, 1]);
  });
});

describe('elastic IPs', () => {
  it('allocate, associate (not while pending), move, disassociate and release', async () => {
    const a = await launch('a');
    const b = await launch('b');
    const { PublicIp: ip, AllocationId: alloc } = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    expect(ip).toMatch(/^127\.43\.\d+\.\d+$/);
    const pending = await failure(client.send(new AssociateAddressCommand({ AllocationId: alloc!, InstanceId: a.InstanceId! })));
    expect([pending.name, pending.message]).toEqual([
      'IncorrectInstanceState',
      `The pending instance '${a.InstanceId}' is not in a valid state for this operation.`,
    ]);
    pass(2);
    const { AssociationId: assoc } = await client.send(new AssociateAddressCommand({ AllocationId: alloc!, InstanceId: a.InstanceId! }));
    expect(assoc).toMatch(/^eipassoc-/);
    const onA = await describe1(a.InstanceId!);
    expect(onA.PublicIpAddress).toBe(ip);
    expect(onA.PublicDnsName).toBe(`ec2-${ip!.replaceAll('.', '-')}.compute-1.sandbox.test`);
    const listed = await client.send(new DescribeAddressesCommand({ Filters: [{ Name: 'public-ip', Values: [ip!] }] }));
    expect(listed.Addresses).toEqual([
      expect.objectContaining({
        PublicIp: ip,
        AllocationId: alloc,
        AssociationId: assoc,
        InstanceId: a.InstanceId,
        Domain: 'vpc',
        PrivateIpAddress: onA.PrivateIpAddress,
      }),
    ]);
    expect((await failure(client.send(new ReleaseAddressCommand({ AllocationId: alloc! })))).name).toBe('InvalidIPAddress.InUse');
    // Refused when asked not to move it; moved otherwise, and a gets an address of its own again.
    const kept = await failure(client.send(new AssociateAddressCommand({ AllocationId: alloc!, InstanceId: b.InstanceId!, AllowReassociation: false })));
    expect(kept.name).toBe('Resource.AlreadyAssociated');
    const moved = await client.send(new AssociateAddressCommand({ AllocationId: alloc!, InstanceId: b.InstanceId! }));
    expect(moved.AssociationId).not.toBe(assoc);
    expect((await describe1(b.InstanceId!)).PublicIpAddress).toBe(ip);
    expect((await describe1(a.InstanceId!)).PublicIpAddress).toMatch(/^127\.42\./);
    const byAlloc = await client.send(new DescribeAddressesCommand({ Filters: [{ Name: 'allocation-id', Values: [alloc!] }] }));
    expect(byAlloc.Addresses![0]!.InstanceId).toBe(b.InstanceId);
    await client.send(new DisassociateAddressCommand({ AssociationId: moved.AssociationId! }));
    expect((await describe1(b.InstanceId!)).PublicIpAddress).toMatch(/^127\.42\./);
    expect((await failure(client.send(new DisassociateAddressCommand({ AssociationId: moved.AssociationId! })))).name).toBe('InvalidAssociationID.NotFound');
    await client.send(new ReleaseAddressCommand({ AllocationId: alloc! }));
    expect((await client.send(new DescribeAddressesCommand({}))).Addresses).toEqual([]);
    expect((await failure(client.send(new ReleaseAddressCommand({ AllocationId: alloc! })))).name).toBe('InvalidAllocationID.NotFound');
    expect((await failure(client.send(new DescribeAddressesCommand({ PublicIps: ['203.0.113.9'] })))).name).toBe('InvalidAddress.NotFound');
  });

  it("refuses a sixth address, as AWS's default quota of five does, until one is released", async () => {
    const allocated = [];
    for (let i = 0; i < 5; i++) allocated.push((await client.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!);
    const sixth = await failure(client.send(new AllocateAddressCommand({ Domain: 'vpc' })));
    expect([sixth.name, sixth.message]).toEqual(['AddressLimitExceeded', 'The maximum number of addresses has been reached.']);
    await client.send(new ReleaseAddressCommand({ AllocationId: allocated.pop()! }));
    allocated.push((await client.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!);
    expect(new Set(allocated).size).toBe(5);
    for (const id of allocated) await client.send(new ReleaseAddressCommand({ AllocationId: id }));
  });

  it('a terminated instance lets its address go', async () => {
    const a = await launch('a');
    pass(2);
    const { AllocationId: alloc } = await client.send(new AllocateAddressCommand({}));
    await client.send(new AssociateAddressCommand({ AllocationId: alloc!, InstanceId: a.InstanceId! }));
    await client.send(new TerminateInstancesCommand({ InstanceIds: [a.InstanceId!] }));
    expect((await failure(client.send(new AssociateAddressCommand({ AllocationId: alloc!, InstanceId: a.InstanceId! })))).name).toBe('IncorrectInstanceState');
    pass(2);
    const out = await client.send(new DescribeAddressesCommand({ AllocationIds: [alloc!] }));
    expect(out.Addresses![0]!.InstanceId).toBeUndefined();
    await client.send(new ReleaseAddressCommand({ AllocationId: alloc! }));
  });
});

describe('security groups', () => {
  it('create, add and remove rules, refuse duplicates, delete', async () => {
    const { GroupId: web } = await client.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }));
    const dup = await failure(client.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'again' })));
    expect(dup.name).toBe('InvalidGroup.Duplicate');
    const defaultId = state.ec2.securityGroups.find((g) => g.name === 'default')!.id;
    const added = await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: web!,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8443, UserIdGroupPairs: [{ GroupId: defaultId }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        ],
      }),
    );
    expect(added.Return).toBe(true);
    expect(added.SecurityGroupRules).toHaveLength(3);
    expect(added.SecurityGroupRules![0]).toMatchObject({ GroupId: web, IsEgress: false, IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIpv4: '0.0.0.0/0' });
    const again = await failure(
      client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: web!,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      ),
    );
    expect(again.name).toBe('InvalidPermission.Duplicate');
    const described = (await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [web!] }))).SecurityGroups![0]!;
    expect(described).toMatchObject({ GroupName: 'web', Description: 'web servers' });
    expect(described.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [], IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [] },
      {
        IpProtocol: 'tcp',
        FromPort: 8000,
        ToPort: 8443,
        UserIdGroupPairs: [{ GroupId: defaultId, UserId: '123456789012' }],
        IpRanges: [],
        Ipv6Ranges: [{ CidrIpv6: '::/0' }],
        PrefixListIds: [],
      },
    ]);
    await client.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: web!,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const missing = await failure(
      client.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: web!,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      ),
    );
    expect(missing.name).toBe('InvalidPermission.NotFound');
    await client.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: web!,
        IpPermissions: [{ IpProtocol: 'udp', FromPort: 514, ToPort: 514, IpRanges: [{ CidrIp: '192.0.2.10/32' }] }],
      }),
    );
    await client.send(new RevokeSecurityGroupEgressCommand({ GroupId: web!, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const after = (await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['web'] }] }))).SecurityGroups![0]!;
    expect(after.IpPermissions!.map((p) => p.FromPort)).toEqual([8000]);
    expect(after.IpPermissionsEgress).toEqual([
      { IpProtocol: 'udp', FromPort: 514, ToPort: 514, UserIdGroupPairs: [], IpRanges: [{ CidrIp: '192.0.2.10/32' }], Ipv6Ranges: [], PrefixListIds: [] },
    ]);
    // One bad permission refuses the request: the good one before it is not added either.
    const bad = await failure(
      client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: web!,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.300/8' }] },
          ],
        }),
      ),
    );
    expect([bad.name, bad.message]).toEqual(['InvalidParameterValue', 'CIDR block 10.0.0.300/8 is malformed']);
    expect((await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [web!] }))).SecurityGroups![0]!.IpPermissions!.map((p) => p.FromPort)).toEqual([
      8000,
    ]);
    // The default group is referred to by web's rule, and web by an instance: neither can go yet.
    const cannot = await failure(client.send(new DeleteSecurityGroupCommand({ GroupId: defaultId })));
    expect(cannot.name).toBe('CannotDelete');
    const { InstanceId: id } = await launch('w', { SecurityGroupIds: [web!] });
    expect((await failure(client.send(new DeleteSecurityGroupCommand({ GroupId: web! })))).name).toBe('DependencyViolation');
    await client.send(new TerminateInstancesCommand({ InstanceIds: [id!] }));
    pass(2);
    await client.send(new DeleteSecurityGroupCommand({ GroupId: web! }));
    const gone = await failure(client.send(new DescribeSecurityGroupsCommand({ GroupIds: [web!] })));
    expect(gone.name).toBe('InvalidGroup.NotFound');
    expect((await failure(client.send(new DescribeSecurityGroupsCommand({ GroupNames: ['web'] })))).name).toBe('InvalidGroup.NotFound');
  });

  it('a group named in another group’s rule cannot be deleted; groups page', async () => {
    const { GroupId: a } = await client.send(new CreateSecurityGroupCommand({ GroupName: 'a', Description: 'a' }));
    const { GroupId: b } = await client.send(new CreateSecurityGroupCommand({ GroupName: 'b', Description: 'b' }));
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: b!,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: a! }] }],
      }),
    );
    expect((await failure(client.send(new DeleteSecurityGroupCommand({ GroupId: a! })))).name).toBe('DependencyViolation');
    for (const n of [1, 2, 3, 4]) await client.send(new CreateSecurityGroupCommand({ GroupName: `g${n}`, Description: 'x' }));
    const pages: number[] = [];
    for await (const page of paginateDescribeSecurityGroups({ client, pageSize: 5 }, {})) pages.push(page.SecurityGroups!.length);
    expect(pages).toEqual([5, 2]);
  });
});

describe('volumes and snapshots', () => {
  it('an attached volume cannot be deleted; a kept one is left available after termination', async () => {
    const { InstanceId: id } = await launch('data', {
      BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 50, VolumeType: 'gp3', DeleteOnTermination: false } }],
    });
    const vols = (await client.send(new DescribeVolumesCommand({}))).Volumes!;
    expect(vols.map((v) => [v.Size, v.Attachments![0]!.Device]).sort()).toEqual([
      [2, '/dev/sda1'],
      [50, '/dev/sdf'],
    ]);
    const data = vols.find((v) => v.Size === 50)!.VolumeId!;
    const err = await failure(client.send(new DeleteVolumeCommand({ VolumeId: data })));
    expect([err.name, err.message]).toEqual(['VolumeInUse', `Volume ${data} is currently attached to ${id}`]);
    pass(2);
    await client.send(new TerminateInstancesCommand({ InstanceIds: [id!] }));
    pass(2);
    const left = (await client.send(new DescribeVolumesCommand({}))).Volumes!;
    expect(left.map((v) => [v.VolumeId, v.State, v.Attachments])).toEqual([[data, 'available', []]]);
    await client.send(new DeleteVolumeCommand({ VolumeId: data }));
    expect((await failure(client.send(new DeleteVolumeCommand({ VolumeId: data })))).name).toBe('InvalidVolume.NotFound');
  });

  it("lists the public images' snapshots only when asked for all, and refuses to delete another account's", async () => {
    expect((await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots).toEqual([]);
    const fedora = (await client.send(new DescribeSnapshotsCommand({ OwnerIds: [FEDORA] }))).Snapshots!;
    expect(fedora.length).toBeGreaterThanOrEqual(3);
    expect(fedora[0]).toMatchObject({ State: 'completed', Progress: '100%', VolumeId: 'vol-ffffffff' });
    expect((await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: fedora[0]!.SnapshotId! })))).name).toBe('AuthFailure');
    expect((await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-0123456789abcdef0' })))).name).toBe('InvalidSnapshot.NotFound');
  });
});
