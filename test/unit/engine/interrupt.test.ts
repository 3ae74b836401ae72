// Ctrl-C in the middle of a composed run (origin:baseinstance), in-process, against a
// scripted cloud: the interruption arrives while a read-only request is under way, and
// nothing is created after it. (What the built binary does after Ctrl-C, exit timing
// included, is in test/e2e/cli.test.ts.)
import {
  AllocateAddressCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Runner } from '../../../src/engine/runner.js';
import { runCli, testEnv, writeAwsCred } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);
afterAll(() => {
  ec2.restore();
  r53.restore();
});

const AMI = 'ami-0f19f19f19f19f19f';
const zone = { Id: '/hostedzone/Z1EXAMPLE', Name: 'infra.example.com.', CallerReference: 'z', ResourceRecordSetCount: 2, Config: { PrivateZone: false } };

beforeEach(() => {
  ec2.reset();
  r53.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: AMI, RootDeviceName: '/dev/sda1', RootDeviceType: 'ebs' }] });
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0', State: { Name: 'pending', Code: 0 } }] });
  ec2.on(AllocateAddressCommand).resolves({ PublicIp: '203.0.113.10', AllocationId: 'eipalloc-1', Domain: 'vpc' });
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: [zone], IsTruncated: false, MaxItems: 100, Marker: '' });
  r53.on(GetHostedZoneCommand).resolves({ HostedZone: zone, DelegationSet: { NameServers: ['ns-1.example.net'] } });
  r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 100 });
  r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) } });
});

/** Runs the CLI in-process with the awscred the launch needs; `onRunner` hands over the runner. */
function run(argv: string[], onRunner: (r: Runner) => void) {
  const env = testEnv();
  writeAwsCred(env, `AWSKeyPairName=test-key\n\n[fedora19]\nBaseOSImage=${AMI}\nRemoteUser=fedora\n`);
  return runCli(argv, env, undefined, { onRunner });
}

const calls = () => [...ec2.calls(), ...r53.calls()].map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('Ctrl-C during origin:baseinstance', () => {
  it('while the read-only checks are under way (0.5 s in): nothing is created', async () => {
    let runner: Runner | undefined;
    // The first request of the run answers after half a second; Ctrl-C arrives meanwhile.
    ec2.on(DescribeInstancesCommand).callsFake(async () => {
      runner!.abort.abort();
      await new Promise((r) => setTimeout(r, 500));
      return { Reservations: [] };
    });
    const r = await run(['origin:baseinstance', 'web1', '--hostname', 'web1.infra.example.com', '--elasticip'], (x) => (runner = x));
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('error: interrupted');
    expect(r.stdout).toBe('');
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(0);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(calls().filter((c) => !/^(Describe|Get|List)/.test(c))).toEqual([]);
    // No sub-task that creates was even started (echoed).
    expect(r.stderr).not.toMatch(/task: (ec2:instance:create|ec2:ip:create|route53:record:create)/);
  });

  it('inside a sub-task that already started (ec2:instance:create checking its image): RunInstances is not sent', async () => {
    let runner: Runner | undefined;
    ec2.on(DescribeImagesCommand).callsFake(async () => {
      runner!.abort.abort();
      await new Promise((r) => setTimeout(r, 100));
      return { Images: [{ ImageId: AMI, RootDeviceName: '/dev/sda1', RootDeviceType: 'ebs' }] };
    });
    const r = await run(['origin:baseinstance', 'web1'], (x) => (runner = x));
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('task: ec2:instance:create');
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(calls().filter((c) => !/^(Describe|Get|List)/.test(c))).toEqual([]);
  });
});
