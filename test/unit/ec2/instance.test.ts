import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  AssociateAddressCommand,
  CreateTagsCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
  type InstanceStateName,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli.js';
import { runCli, testEnv, writeAwsCred } from '../../support/cli.js';
import { startFakeEc2, type FakeEc2 } from '../../support/fake-ec2.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const inputs = <C extends new (...args: never[]) => { input: unknown }>(command: C) =>
  ec2.commandCalls(command as never).map((c) => (c.args[0] as InstanceType<C>).input as InstanceType<C>['input']);

const ID = 'i-0123456789abcdef0';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function inst(state: InstanceStateName, extra: Partial<Instance> = {}): Instance {
  return { InstanceId: ID, State: { Name: state }, Tags: [{ Key: 'Name', Value: 'puppet' }], ...extra };
}

const puppet = inst('running', {
  InstanceType: 't3.small',
  ImageId: 'ami-b71078de',
  KeyName: 'mykey',
  PublicDnsName: 'ec2-203-0-113-7.compute-1.amazonaws.com',
  PublicIpAddress: '203.0.113.7',
  PrivateIpAddress: '10.0.0.5',
  PrivateDnsName: 'ip-10-0-0-5.ec2.internal',
  Placement: { AvailabilityZone: 'us-east-1a' },
  SecurityGroups: [
    { GroupName: 'default', GroupId: 'sg-1' },
    { GroupName: 'broker', GroupId: 'sg-2' },
  ],
  BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeId: 'vol-0aa' } }],
  MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2, State: 'applied' },
  StateTransitionReason: '',
});

const reservation = (...instances: Instance[]) => ({ Reservations: instances.length ? [{ Instances: instances }] : [] });

/**
 * Answers DescribeInstances with `answer(input, n)` (n counts from 1) and returns the
 * inputs as sent: the SDK paginator reuses one input object, so recorded commands would
 * all show the last NextToken.
 */
function describeInstances(answer: (input: DescribeInstancesCommandInput, n: number) => object): DescribeInstancesCommandInput[] {
  const seen: DescribeInstancesCommandInput[] = [];
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    seen.push(JSON.parse(JSON.stringify(input)));
    return answer(input, seen.length);
  });
  return seen;
}

/** By id: the states given in turn, the last one repeated. By Name filter: `byName`. */
function instanceStates(states: Instance[], byName: Instance[] = []): DescribeInstancesCommandInput[] {
  let n = 0;
  return describeInstances((input) => {
    if (input.InstanceIds) return reservation(states[Math.min(n++, states.length - 1)]!);
    return reservation(...byName);
  });
}

const byIdCalls = (seen: DescribeInstancesCommandInput[]) => seen.filter((i) => i.InstanceIds).length;

const LIVE = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
const nameFilter = (name: string) => ({
  Filters: [
    { Name: 'tag:Name', Values: [name] },
    { Name: 'instance-state-name', Values: LIVE },
  ],
});

const image = {
  ImageId: 'ami-b71078de',
  RootDeviceName: '/dev/xvda',
  RootDeviceType: 'ebs' as const,
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 8 } }],
};

function credEnv(text = 'AWSKeyPairName = mykey\nAWSEC2Type = t3.small\n'): NodeJS.ProcessEnv {
  const env = testEnv();
  writeAwsCred(env, text);
  return env;
}

describe('ec2:instance:create', () => {
  it('launches with the Name tagged at launch, a ClientToken, the awscred defaults, and prints only the id', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    const seen = instanceStates([], []);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID, State: { Name: 'pending' } }] });
    const r = await runCli(['ec2:instance', 'create', '--name', 'puppet', '--image', 'ami-b71078de', '--securitygroup', 'default', 'broker'], credEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ID}\n`);
    expect(r.stderr).toBe('task: ec2:instance:create --name puppet --image ami-b71078de\n');
    expect(inputs(DescribeImagesCommand)).toEqual([{ ImageIds: ['ami-b71078de'] }]);
    // The Name before the launch, and again after it (a concurrent run may have launched one too).
    expect(seen).toEqual([
      nameFilter('puppet'),
      {
        Filters: [
          { Name: 'tag:Name', Values: ['puppet'] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      },
    ]);
    const [run] = inputs(RunInstancesCommand);
    expect(run).toEqual({
      ImageId: 'ami-b71078de',
      InstanceType: 't3.small',
      KeyName: 'mykey',
      MinCount: 1,
      MaxCount: 1,
      SecurityGroups: ['default', 'broker'],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'puppet' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'puppet' }] },
      ],
      ClientToken: expect.stringMatching(UUID),
      // IMDSv2 by default.
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    });
    // Tagged at launch: no CreateTags afterwards, and nothing rolled back.
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it("sizes the image's own root device, sends user data base64, splits group ids from names, and defaults the type", async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    instanceStates([]);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID }] });
    const env = testEnv();
    writeFileSync(join(env.HOME!, 'boot.sh'), '#!/bin/sh\necho hi\n');
    const r = await runCli(
      [
        'ec2:instance:create',
        '--name',
        'web',
        '--image',
        'ami-b71078de',
        '--key',
        'k1',
        '--disksize',
        '20',
        '--userdata',
        'boot.sh',
        '--securitygroup',
        'sg-0abc',
        'web',
      ],
      env,
    );
    expect(r.code).toBe(0);
    expect(inputs(RunInstancesCommand)[0]).toMatchObject({
      InstanceType: 't3.micro',
      KeyName: 'k1',
      SecurityGroups: ['web'],
      SecurityGroupIds: ['sg-0abc'],
      // A resized root volume is gp3, whatever the image's was.
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3' } }],
      UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    });
  });

  it('--imds v1 allows token-less metadata requests; --encrypted encrypts the root volume, resized or not', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    instanceStates([]);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID }] });
    const env = credEnv();
    expect((await runCli(['ec2:instance:create', '--name', 'a', '--image', 'ami-b71078de', '--imds', 'v1', '--encrypted'], env)).code).toBe(0);
    expect((await runCli(['ec2:instance:create', '--name', 'b', '--image', 'ami-b71078de', '--encrypted', '--disksize', '30'], env)).code).toBe(0);
    const [a, b] = inputs(RunInstancesCommand);
    expect(a).toMatchObject({
      MetadataOptions: { HttpTokens: 'optional', HttpEndpoint: 'enabled' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true } }],
    });
    expect(b).toMatchObject({
      MetadataOptions: { HttpTokens: 'required' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp3', Encrypted: true } }],
    });
    const bad = await runCli(['ec2:instance:create', '--name', 'c', '--image', 'ami-b71078de', '--imds', 'v3'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: option '--imds <v2|v1>' argument 'v3' is invalid. Allowed choices are v2, v1.");
  });

  it('sends a fresh ClientToken on every invocation', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    instanceStates([]);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID }] });
    const env = credEnv();
    await runCli(['ec2:instance:create', '--name', 'a', '--image', 'ami-b71078de'], env);
    await runCli(['ec2:instance:create', '--name', 'b', '--image', 'ami-b71078de'], env);
    const tokens = inputs(RunInstancesCommand).map((i) => i.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('refuses a Name a live instance already has, naming it, and launches nothing', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    instanceStates([], [inst('stopped')]);
    const r = await runCli(['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de'], credEnv());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: an instance named 'puppet' already exists: ${ID} (stopped)`);
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('with --wait polls until running and still prints only the id', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    const seen = instanceStates([inst('pending'), inst('pending'), inst('running')]);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID }] });
    const r = await runCli(['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--wait'], credEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ID}\n`);
    expect(byIdCalls(seen)).toBe(3);
    expect(seen.filter((i) => i.InstanceIds)).toEqual(Array(3).fill({ InstanceIds: [ID] }));
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('fails when the instance dies while waiting, says why, and the rollback terminates it', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    const dead = inst('terminated', { StateReason: { Code: 'Server.InternalError', Message: 'Server.InternalError: Internal error on launch' } });
    instanceStates([inst('pending'), dead]);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID }] });
    ec2.on(TerminateInstancesCommand).resolves({});
    const r = await runCli(['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--wait'], credEnv());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `error: gave up waiting for ${ID} (puppet) to be running: it is terminated (Server.InternalError: Internal error on launch), from which it cannot get there`,
    );
    expect(r.stderr).toContain(`- rolling back what this run created: instance ${ID} (puppet)`);
    expect(r.stderr).toContain(`- removed instance ${ID} (puppet)`);
    expect(inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
  });

  it('times out with a TimeoutError, exit 1, and terminates what it launched', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    instanceStates([inst('pending')]);
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: ID }] });
    ec2.on(TerminateInstancesCommand).resolves({});
    const r = await runCli(['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--wait', '--timeout', '30'], credEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: timed out after 30s waiting for ${ID} (puppet) to be running; it is pending`);
    expect(inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
  });

  it('sends DryRun under --dry-run, exits 0 and leaves nothing to roll back', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image] });
    instanceStates([]);
    ec2.on(RunInstancesCommand).rejects(Object.assign(new Error('Request would have succeeded'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--dry-run'], credEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(RunInstancesCommand)[0]).toMatchObject({ DryRun: true, ClientToken: expect.stringMatching(UUID) });
    expect(r.stderr).toBe(
      'task: ec2:instance:create --name puppet --image ami-b71078de\ndry run: RunInstances: EC2 says the request would succeed; nothing was changed\n',
    );
  });

  it('fails clearly for an unknown image, a too-small disk, a missing key pair and bad values', async () => {
    ec2
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [] })
      .resolves({ Images: [image] });
    const unknown = await runCli(['ec2:instance:create', '--name', 'p', '--image', 'ami-0000aaaa'], credEnv());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: no image ami-0000aaaa in this region');

    const small = await runCli(['ec2:instance:create', '--name', 'p', '--image', 'ami-b71078de', '--disksize', '2'], credEnv());
    expect(small.code).toBe(2);
    expect(small.stderr).toContain('error: --disksize 2: image ami-b71078de needs at least 8 GiB for /dev/xvda');

    const nokey = await runCli(['ec2:instance:create', '--name', 'p', '--image', 'ami-b71078de']);
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toContain('error: no key pair: pass --key NAME or set AWSKeyPairName in the awscred file');

    const bad = await runCli(['ec2:instance:create', '--name', 'p*', '--image', 'ami-b71078de']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--name: must not contain * or ?');
    const badImage = await runCli(['ec2:instance:create', '--name', 'p', '--image', 'fedora']);
    expect(badImage.code).toBe(2);
    expect(badImage.stderr).toContain('--image: not an image id');
    const missing = await runCli(['ec2:instance:create', '--image', 'ami-b71078de']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name');
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});

describe('ec2:instance:list', () => {
  it('follows pages and prints id name state, sorted by name', async () => {
    const seen = describeInstances((_input, n) =>
      n === 1
        ? { ...reservation(inst('running', { InstanceId: 'i-0b', Tags: [{ Key: 'Name', Value: 'puppet' }] })), NextToken: 'p2' }
        : reservation(inst('terminated', { InstanceId: 'i-0a', Tags: [{ Key: 'Name', Value: 'broker' }] }), inst('stopped', { InstanceId: 'i-0c', Tags: [] })),
    );
    const r = await runCli(['ec2:instance:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('i-0c - stopped\ni-0a broker terminated\ni-0b puppet running\n');
    expect(r.stderr).toBe('task: ec2:instance:list\n');
    expect(seen).toEqual([{}, { NextToken: 'p2' }]);
  });

  it('sends the --name filter to EC2', async () => {
    const seen = describeInstances(() => reservation(puppet));
    const r = await runCli(['ec2:instance:list', '--name', 'pup*']);
    expect(r.stdout).toBe(`${ID} puppet running\n`);
    expect(seen).toEqual([{ Filters: [{ Name: 'tag:Name', Values: ['pup*'] }] }]);
  });
});

describe('ec2:instance:info', () => {
  it('prints the details of an instance found by name', async () => {
    const seen = describeInstances(() => reservation(puppet));
    const r = await runCli(['ec2:instance:info', '--name', 'puppet']);
    expect(r.code).toBe(0);
    expect(seen).toEqual([nameFilter('puppet')]);
    expect(r.stdout).toBe(
      [
        `EC2 Instance: ${ID} (puppet)`,
        '  State: running',
        '  Type: t3.small',
        '  Image: ami-b71078de',
        '  Key Pair: mykey',
        '  DNS Name: ec2-203-0-113-7.compute-1.amazonaws.com',
        '  IP Address: 203.0.113.7',
        '  Private IP: 10.0.0.5',
        '  Private Hostname: ip-10-0-0-5.ec2.internal',
        '  Zone: us-east-1a',
        '  Metadata: IMDSv2 only (tokens required), hop limit 2',
        '  Security Groups: default, broker',
        '  Block Devices:',
        '    /dev/sda1 vol-0aa',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('task: ec2:instance:info\n');
  });

  it('gives the object with --json', async () => {
    describeInstances(() => reservation(puppet));
    const r = await runCli(['ec2:instance:info', '--id', ID, '--json']);
    expect(JSON.parse(r.stdout)).toEqual({
      id: ID,
      name: 'puppet',
      state: 'running',
      type: 't3.small',
      image: 'ami-b71078de',
      keyName: 'mykey',
      dnsName: 'ec2-203-0-113-7.compute-1.amazonaws.com',
      publicIp: '203.0.113.7',
      privateIp: '10.0.0.5',
      privateDnsName: 'ip-10-0-0-5.ec2.internal',
      availabilityZone: 'us-east-1a',
      securityGroups: ['default', 'broker'],
      devices: [{ device: '/dev/sda1', volumeId: 'vol-0aa' }],
      metadata: { httpTokens: 'required', httpEndpoint: 'enabled', hopLimit: 2 },
      tags: { Name: 'puppet' },
    });
  });

  it('lists the live instances when the name matches none', async () => {
    const seen = describeInstances((input) =>
      input.Filters?.some((f) => f.Name === 'tag:Name')
        ? reservation()
        : reservation(
            inst('running', { InstanceId: 'i-0b', Tags: [{ Key: 'Name', Value: 'web' }] }),
            inst('stopped', { InstanceId: 'i-0a', Tags: [{ Key: 'Name', Value: 'db' }] }),
          ),
    );
    const r = await runCli(['ec2:instance:info', '--name', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: no instance named 'nope' (instances: db, web)");
    expect(seen[1]).toEqual({ Filters: [{ Name: 'instance-state-name', Values: LIVE }] });
  });

  it('lists the ids when the name matches several', async () => {
    describeInstances(() => reservation(inst('running', { InstanceId: 'i-0a' }), inst('stopped', { InstanceId: 'i-0b' })));
    const r = await runCli(['ec2:instance:info', '--name', 'puppet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: name 'puppet' matches 2 instances: i-0a (puppet, running), i-0b (puppet, stopped) (use --id)");
  });

  it('rejects a malformed instance id with exit 2 before calling AWS', async () => {
    const r = await runCli(['ec2:instance:info', '--id', 'i-xyz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --id: not an instance id');
    expect(r.stderr).toContain('usage: origin-setup ec2:instance:info [options]');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('one-attribute tasks', () => {
  it.each([
    ['ec2:instance:status', 'running'],
    ['ec2:instance:hostname', 'ec2-203-0-113-7.compute-1.amazonaws.com'],
    ['ec2:instance:private_hostname', 'ip-10-0-0-5.ec2.internal'],
    ['ec2:instance:private_ipaddress', '10.0.0.5'],
    ['ec2:instance:ipaddress', '203.0.113.7'],
  ])('%s prints %s', async (task, value) => {
    describeInstances(() => reservation(puppet));
    const r = await runCli([task, '--id', ID]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${value}\n`);
    expect(r.stderr).toBe(`task: ${task}\n`);
  });

  it('ipaddress --internal prints the private address', async () => {
    describeInstances(() => reservation(puppet));
    const r = await runCli(['ec2:instance:ipaddress', '--id', ID, '--internal']);
    expect(r.stdout).toBe('10.0.0.5\n');
  });

  it('hostname fails with exit 1 while the instance has no public name yet', async () => {
    describeInstances(() => reservation(inst('pending', { PublicDnsName: '' })));
    const r = await runCli(['ec2:instance:hostname', '--name', 'puppet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: ${ID} (puppet) has no public DNS name (it is pending) (origin-setup ec2:instance:wait --state running waits for it)`);
  });
});

describe('ec2:instance:ipaddress IPADDR', () => {
  it('associates the elastic IP by its allocation id and prints the address', async () => {
    describeInstances(() => reservation(puppet));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ PublicIp: '198.51.100.4', AllocationId: 'eipalloc-42', Domain: 'vpc' }] });
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-1' });
    const r = await runCli(['ec2:instance:ipaddress', '198.51.100.4', '--name', 'puppet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('198.51.100.4\n');
    expect(r.stderr).toBe('task: ec2:instance:ipaddress 198.51.100.4\n');
    expect(inputs(DescribeAddressesCommand)[0]).toEqual({ Filters: [{ Name: 'public-ip', Values: ['198.51.100.4'] }] });
    expect(inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-42', InstanceId: ID }]);
  });

  it('fails for an address the account does not hold, and refuses a malformed one with exit 2', async () => {
    describeInstances(() => reservation(puppet));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    const r = await runCli(['ec2:instance:ipaddress', '198.51.100.9', '--id', ID]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: 198.51.100.9 is not one of this account's elastic IPs");
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
    const bad = await runCli(['ec2:instance:ipaddress', '300.1.1.1', '--id', ID]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("IPADDR '300.1.1.1': not an IPv4 address");
  });
});

describe('ec2:instance:rename', () => {
  it('sets the Name tag', async () => {
    instanceStates([puppet], []);
    ec2.on(CreateTagsCommand).resolves({});
    const r = await runCli(['ec2:instance:rename', '--id', ID, '--newname', 'puppet-old']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`task: ec2:instance:rename --newname puppet-old\n  - renamed ${ID} from puppet to puppet-old\n`);
    expect(inputs(CreateTagsCommand)).toEqual([{ Resources: [ID], Tags: [{ Key: 'Name', Value: 'puppet-old' }] }]);
  });

  it('refuses a name another live instance has', async () => {
    instanceStates([puppet], [inst('running', { InstanceId: 'i-0fedcba987654321f', Tags: [{ Key: 'Name', Value: 'web' }] })]);
    const r = await runCli(['ec2:instance:rename', '--id', ID, '--newname', 'web']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: an instance named 'web' already exists: i-0fedcba987654321f (running)");
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });
});

describe('ec2:instance:start and stop', () => {
  it('start sends StartInstances and prints the new state', async () => {
    instanceStates([inst('stopped')]);
    ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ InstanceId: ID, CurrentState: { Name: 'pending' } }] });
    const r = await runCli(['ec2:instance:start', '--id', ID]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('pending\n');
    expect(inputs(StartInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
  });

  it('start --wait polls until running (the original could never succeed)', async () => {
    const seen = instanceStates([inst('stopped'), inst('pending'), inst('pending'), inst('running')]);
    ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ InstanceId: ID, CurrentState: { Name: 'pending' } }] });
    const r = await runCli(['ec2:instance:start', '--id', ID, '--wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('running\n');
    expect(byIdCalls(seen)).toBe(4);
  });

  it('stop --wait polls until stopped', async () => {
    const seen = instanceStates([inst('stopping'), inst('stopped')], [puppet]);
    ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: ID, CurrentState: { Name: 'stopping' } }] });
    const r = await runCli(['ec2:instance:stop', '--name', 'puppet', '--wait', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('stopped\n');
    expect(inputs(StopInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
    expect(byIdCalls(seen)).toBe(2);
    expect(r.stderr).toContain(`  - waiting up to 300s for ${ID} (puppet) to be stopped`);
  });

  it('stop sends DryRun under --dry-run', async () => {
    instanceStates([puppet]);
    ec2.on(StopInstancesCommand).rejects(Object.assign(new Error('would succeed'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:instance:stop', '--id', ID, '--dry-run', '--wait']);
    expect(r.code).toBe(0);
    expect(inputs(StopInstancesCommand)).toEqual([{ InstanceIds: [ID], DryRun: true }]);
  });
});

describe('ec2:instance:delete', () => {
  it('refuses to ask without a terminal unless --force (exit 2), terminating nothing', async () => {
    instanceStates([], [puppet]);
    const r = await runCli(['ec2:instance:delete', '--name', 'puppet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: Delete instance ${ID} (puppet): not asking without a terminal (pass --force to go ahead)`);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('terminates with --force and waits with --wait', async () => {
    const seen = instanceStates([puppet, inst('shutting-down'), inst('terminated')]);
    ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [{ InstanceId: ID, CurrentState: { Name: 'shutting-down' } }] });
    const r = await runCli(['ec2:instance:delete', '--id', ID, '--force', '--wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('terminated\n');
    expect(inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
    expect(byIdCalls(seen)).toBe(3);
  });

  it('asks on a terminal and does nothing on "n"', async () => {
    instanceStates([puppet]);
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    let out = '';
    // Answer each prompt as it appears: first something that is not an answer, then "n".
    const answers = ['maybe', 'n'];
    stderr.on('data', (d) => {
      err += d;
      if (String(d).includes('(y/n)')) stdin.write(`${answers.shift()}\n`);
    });
    stdout.on('data', (d) => (out += d));
    const env = testEnv();
    const code = await main(['ec2:instance:delete', '--id', ID], { stdout, stderr, stdin, env, cwd: env.HOME! });
    expect(code).toBe(0);
    expect(err.split(`Delete instance ${ID} (puppet) (y/n)`)).toHaveLength(3);
    expect(err).toContain(`- not deleting ${ID} (puppet)`);
    expect(out).toBe('running\n');
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('sends DryRun under --dry-run without asking', async () => {
    instanceStates([puppet]);
    ec2.on(TerminateInstancesCommand).rejects(Object.assign(new Error('would succeed'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:instance:delete', '--id', ID, '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID], DryRun: true }]);
  });
});

describe('ec2:instance:tag', () => {
  it('prints a tag, sets one with --value and empties one with --clear', async () => {
    instanceStates([
      inst('running', {
        Tags: [
          { Key: 'Name', Value: 'puppet' },
          { Key: 'role', Value: 'master' },
        ],
      }),
    ]);
    ec2.on(CreateTagsCommand).resolves({});
    const get = await runCli(['ec2:instance:tag', '--id', ID, '--tag', 'role']);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('master\n');
    const set = await runCli(['ec2:instance:tag', '--id', ID, '--tag', 'role', '--value', 'node']);
    expect(set.stdout).toBe('');
    const clear = await runCli(['ec2:instance:tag', '--id', ID, '--tag', 'role', '--clear']);
    expect(clear.code).toBe(0);
    expect(inputs(CreateTagsCommand)).toEqual([
      { Resources: [ID], Tags: [{ Key: 'role', Value: 'node' }] },
      { Resources: [ID], Tags: [{ Key: 'role', Value: '' }] },
    ]);
    const none = await runCli(['ec2:instance:tag', '--id', ID, '--tag', 'owner']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`error: ${ID} (puppet) has no tag 'owner' (its tags: Name, role)`);
  });

  it('requires --tag (exit 2)', async () => {
    const r = await runCli(['ec2:instance:tag', '--id', ID]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--tag');
  });
});

describe('ec2:instance:wait', () => {
  it('polls until running and prints the state', async () => {
    const seen = instanceStates([inst('pending'), inst('pending'), inst('pending'), inst('running')]);
    const r = await runCli(['ec2:instance:wait', '--id', ID, '--state', 'running']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('running\n');
    expect(r.stderr).toBe('task: ec2:instance:wait --state running\n');
    // One lookup, then the waiter's polls: pending, pending, running.
    expect(byIdCalls(seen)).toBe(4);
  });

  it('fails fast when the instance is terminated while waiting for running, with the state reason', async () => {
    const seen = instanceStates([
      inst('pending'),
      inst('terminated', { StateReason: { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' } }),
    ]);
    const r = await runCli(['ec2:instance:wait', '--id', ID, '--state', 'running', '--timeout', '3000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `error: gave up waiting for ${ID} (puppet) to be running: it is terminated (Client.UserInitiatedShutdown: User initiated shutdown), from which it cannot get there`,
    );
    // Lookup, the poll that saw terminated, and one look for the reason: no waiting out the timeout.
    expect(byIdCalls(seen)).toBe(3);
  });

  it('fails fast when waiting for stopped and the instance is terminated', async () => {
    instanceStates([inst('stopping'), inst('terminated')]);
    const r = await runCli(['ec2:instance:wait', '--id', ID, '--state', 'stopped']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`to be stopped: it is terminated`);
  });

  it('times out with a clear TimeoutError and exit 1', async () => {
    const seen = instanceStates([inst('pending')], [inst('pending')]);
    // 40 s is 2 s here (scale 0.05): at the usual 0.001 a first poll slower than 35 ms (a
    // loaded machine) left the waiter no time for a second one.
    const r = await runCli(['ec2:instance:wait', '--name', 'puppet', '--state', 'running', '--timeout', '40'], testEnv({ ORIGIN_SETUP_TIME_SCALE: '0.05' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `task: ec2:instance:wait --state running\nerror: timed out after 40s waiting for ${ID} (puppet) to be running; it is pending (pass a longer --timeout, or check the resource in the console)\n`,
    );
    expect(byIdCalls(seen)).toBeGreaterThan(2);
  });

  it('waits for pending by polling (EC2 has no waiter for it) and fails fast on terminated', async () => {
    const seen = instanceStates([inst('stopped'), inst('stopped'), inst('pending')]);
    const ok = await runCli(['ec2:instance:wait', '--id', ID, '--state', 'pending']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('pending\n');
    expect(byIdCalls(seen)).toBe(3);

    ec2.reset();
    instanceStates([inst('stopped'), inst('terminated')]);
    const dead = await runCli(['ec2:instance:wait', '--id', ID, '--state', 'pending']);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain(`error: gave up waiting for ${ID} (puppet) to be pending: it is terminated`);
  });

  it('rejects an unknown state and a missing one with exit 2', async () => {
    const bad = await runCli(['ec2:instance:wait', '--id', ID, '--state', 'asleep']);
    expect(bad.code).toBe(2);
    const none = await runCli(['ec2:instance:wait', '--id', ID]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--state');
    expect(ec2.calls()).toHaveLength(0);
  });
});

// Over real HTTP to a loopback EC2 stand-in: aws-sdk-client-mock replaces send(), so the
// SDK's retry middleware only runs here.
describe('ec2:instance:create retried by the SDK', () => {
  let fake: FakeEc2;
  let runs = 0;
  // After the file-wide beforeEach, which installs a fresh mock.
  beforeEach(() => ec2.restore());
  beforeAll(async () => {
    const xmlns = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
    fake = await startFakeEc2({
      DescribeImages: () => ({
        body: `<DescribeImagesResponse ${xmlns}><requestId>r</requestId><imagesSet><item><imageId>ami-b71078de</imageId><rootDeviceName>/dev/xvda</rootDeviceName><rootDeviceType>ebs</rootDeviceType></item></imagesSet></DescribeImagesResponse>`,
      }),
      DescribeInstances: () => ({ body: `<DescribeInstancesResponse ${xmlns}><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>` }),
      RunInstances: () =>
        ++runs === 1
          ? {
              status: 503,
              body: '<Response><Errors><Error><Code>Unavailable</Code><Message>try again</Message></Error></Errors><RequestID>r</RequestID></Response>',
            }
          : {
              body: `<RunInstancesResponse ${xmlns}><requestId>r</requestId><reservationId>r-1</reservationId><instancesSet><item><instanceId>${ID}</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet></RunInstancesResponse>`,
            },
    });
  });
  afterAll(() => fake.close());

  it('sends the same ClientToken on the retry, so EC2 starts one instance', async () => {
    // In-process, the SDK reads credentials from the awscred file, not from the test env.
    const env = credEnv('AWSAccessKeyId = AKIDTESTTESTTEST\nAWSSecretKey = test-secret-key-do-not-print\nAWSKeyPairName = k\n');
    const r = await runCli(['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--endpoint-url', fake.url], env);
    expect(r.stderr).toBe('task: ec2:instance:create --name puppet --image ami-b71078de\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ID}\n`);
    const launches = fake.requests.filter((p) => p.Action === 'RunInstances');
    expect(launches).toHaveLength(2);
    expect(launches[0]!.ClientToken).toMatch(UUID);
    expect(launches[1]!.ClientToken).toBe(launches[0]!.ClientToken);
    expect(launches[0]!['TagSpecification.1.ResourceType']).toBe('instance');
  });
});

// Sustained throttling, over real HTTP (the SDK's retry middleware does not run under
// aws-sdk-client-mock). Delays scale with ORIGIN_SETUP_TIME_SCALE (0.001 here): the 60 s
// budget of a throttled call is 60 ms of backoff.
describe('ec2:instance:create under throttling', () => {
  const xmlns = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
  const throttled = {
    status: 503,
    body: '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>',
  };
  const launched = {
    body: `<RunInstancesResponse ${xmlns}><requestId>r</requestId><reservationId>r-1</reservationId><instancesSet><item><instanceId>${ID}</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet></RunInstancesResponse>`,
  };
  let fake: FakeEc2;
  /** How many of the next requests of each action answer RequestLimitExceeded. */
  const throttle: Record<string, number> = {};
  const answer = (action: string, ok: { body: string }) => () => ((throttle[action] ?? 0) > 0 ? (throttle[action]!--, throttled) : ok);
  beforeEach(() => {
    ec2.restore();
    fake.requests.length = 0;
    for (const k of Object.keys(throttle)) delete throttle[k];
  });
  beforeAll(async () => {
    fake = await startFakeEc2({
      DescribeImages: answer('DescribeImages', {
        body: `<DescribeImagesResponse ${xmlns}><requestId>r</requestId><imagesSet><item><imageId>ami-b71078de</imageId><rootDeviceName>/dev/xvda</rootDeviceName><rootDeviceType>ebs</rootDeviceType></item></imagesSet></DescribeImagesResponse>`,
      }),
      DescribeInstances: answer('DescribeInstances', {
        body: `<DescribeInstancesResponse ${xmlns}><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>`,
      }),
      RunInstances: answer('RunInstances', launched),
    });
  });
  afterAll(() => fake.close());

  const env = () => credEnv('AWSAccessKeyId = AKIDTESTTESTTEST\nAWSSecretKey = test-secret-key-do-not-print\nAWSKeyPairName = k\n');
  const argv = ['ec2:instance:create', '--name', 'puppet', '--image', 'ami-b71078de', '--endpoint-url'];
  const actions = () => fake.requests.map((p) => p.Action);

  it('rides out six RequestLimitExceeded in a row on RunInstances and on DescribeInstances, with one ClientToken', async () => {
    throttle.DescribeInstances = 6;
    throttle.RunInstances = 6;
    const r = await runCli([...argv, fake.url], env());
    expect(r.stderr).toBe('task: ec2:instance:create --name puppet --image ami-b71078de\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ID}\n`);
    const launches = fake.requests.filter((p) => p.Action === 'RunInstances');
    expect(launches).toHaveLength(7);
    expect(new Set(launches.map((p) => p.ClientToken)).size).toBe(1);
    expect(launches[0]!.ClientToken).toMatch(UUID);
    // The check before the launch (7 tries), then the look after it.
    expect(actions().filter((a) => a === 'DescribeInstances')).toHaveLength(8);
  });

  it('fails once a throttled call has spent its budget, saying AWS throttled it', async () => {
    throttle.RunInstances = 1000;
    const started = Date.now();
    const r = await runCli([...argv, fake.url], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: AWS throttled the request and it still failed after \d+ attempts \(wait a minute and run it again\)/);
    const attempts = Number(/after (\d+) attempts/.exec(r.stderr)![1]);
    // 60 s of jittered backoff from 1 s doubling to 20 s: never fewer than 8 attempts.
    expect(attempts).toBeGreaterThanOrEqual(8);
    expect(attempts).toBeLessThan(50);
    expect(actions().filter((a) => a === 'RunInstances')).toHaveLength(attempts);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('other failures still give up after 5 attempts', async () => {
    const stop = await startFakeEc2({
      DescribeImages: () => ({
        status: 500,
        body: '<Response><Errors><Error><Code>InternalError</Code><Message>boom</Message></Error></Errors><RequestID>r</RequestID></Response>',
      }),
    });
    try {
      const r = await runCli([...argv, stop.url], env());
      expect(r.code).toBe(1);
      expect(stop.requests).toHaveLength(5);
    } finally {
      await stop.close();
    }
  });

  it('prints one progress line while retrying, on a terminal only', async () => {
    throttle.RunInstances = 3;
    throttle.DescribeInstances = 2;
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let err = '';
    stderr.on('data', (d) => (err += d));
    const e = env();
    const code = await main([...argv, fake.url], { stdout, stderr, env: e, cwd: e.HOME! });
    expect(code).toBe(0);
    expect(err.split('\n').filter((l) => l.includes('retrying'))).toEqual([
      '- AWS is throttling requests (RequestLimitExceeded): retrying for up to 60s',
      '- AWS is throttling requests (RequestLimitExceeded): retrying for up to 60s',
    ]);
  });
});
