// Concurrent ec2:instance:create runs of one Name against one scripted account: every run
// passes the check before any launches (RunInstances is held until all have asked), so
// only the look after the launch can keep the Name unique.
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv, writeAwsCred } from '../../support/cli.js';
import { describeInstances } from '../../support/fake-ec2.js';

const ec2 = mockClient(EC2Client);

interface Launch {
  id: string;
  launchTime: Date;
}

/** The account: instances by id, and the launches RunInstances hands out, in arrival order. */
class Account {
  instances = new Map<string, Instance>();
  terminated: string[][] = [];
  private waiting: (() => void)[] = [];

  constructor(
    private readonly launches: Launch[],
    /** RunInstances answers once this many have arrived: every run has passed its check by then. */
    private readonly together = launches.length,
  ) {}

  async run(input: RunInstancesCommandInput): Promise<object> {
    const launch = this.launches.shift()!;
    const name = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'Name')?.Value;
    const barrier = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.waiting.length >= this.together) for (const go of this.waiting.splice(0)) go();
    await barrier;
    const instance: Instance = {
      InstanceId: launch.id,
      State: { Name: 'pending', Code: 0 },
      LaunchTime: launch.launchTime,
      Tags: [{ Key: 'Name', Value: name }],
    };
    this.instances.set(launch.id, instance);
    return { Instances: [{ ...instance, Tags: undefined }] };
  }

  describe(input: DescribeInstancesCommandInput): object {
    return describeInstances(this.instances.values(), input);
  }

  terminate(ids: string[]): object {
    this.terminated.push(ids);
    for (const id of ids) this.instances.get(id)!.State = { Name: 'shutting-down', Code: 32 };
    return { TerminatingInstances: ids.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down', Code: 32 } })) };
  }

  live(): string[] {
    return [...this.instances.values()]
      .filter((i) => ['pending', 'running'].includes(i.State!.Name!))
      .map((i) => i.InstanceId!)
      .sort();
  }
}

function script(account: Account): void {
  ec2.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-b71078de', RootDeviceName: '/dev/xvda', RootDeviceType: 'ebs' }] });
  ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => account.describe(input));
  ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => account.run(input));
  ec2.on(TerminateInstancesCommand).callsFake(async (input: { InstanceIds: string[] }) => account.terminate(input.InstanceIds));
}

function env(): NodeJS.ProcessEnv {
  const e = testEnv();
  writeAwsCred(e, 'AWSKeyPairName = mykey\n');
  return e;
}

const create = () => runCli(['ec2:instance:create', '--name', 'dupname', '--image', 'ami-b71078de'], env());
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 1, 0, s));

beforeEach(() => ec2.reset());

describe('ec2:instance:create, two runs of one Name at once', () => {
  it('keeps the earlier launch; the later run terminates its own instance and fails naming the winner', async () => {
    // The first RunInstances to arrive gets the later LaunchTime: arrival order decides nothing.
    const account = new Account([
      { id: A, launchTime: at(5) },
      { id: B, launchTime: at(3) },
    ]);
    script(account);
    const [first, second] = await Promise.all([create(), create()]);
    const results = [first, second];
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(won[0]!.stdout).toBe(`${B}\n`);
    expect(lost[0]!.code).toBe(1);
    expect(lost[0]!.stdout).toBe('');
    expect(lost[0]!.stderr).toContain(
      `error: another run launched an instance named 'dupname' at the same time: ${B} was first at ${at(3).toISOString()}, so ${A} was terminated`,
    );
    expect(lost[0]!.stderr).toContain(`(${B} is 'dupname' now;`);
    // The loser removed its own instance, once, and never the winner's; nothing left to roll back.
    expect(account.terminated).toEqual([[A]]);
    expect(lost[0]!.stderr).not.toMatch(/rolling back/);
    expect(account.live()).toEqual([B]);
  });

  it('breaks a tie of LaunchTime (EC2 has one-second precision) by the instance id', async () => {
    const account = new Account([
      { id: B, launchTime: at(7) },
      { id: A, launchTime: at(7) },
    ]);
    script(account);
    const results = await Promise.all([create(), create()]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(results.find((r) => r.code === 0)!.stdout).toBe(`${A}\n`);
    expect(results.find((r) => r.code === 1)!.stderr).toContain(`${A} was first at ${at(7).toISOString()}, so ${B} was terminated`);
    expect(account.terminated).toEqual([[B]]);
    expect(account.live()).toEqual([A]);
  });

  it('ten runs at once leave one instance of the name, and nine runs fail naming it', async () => {
    const ids = Array.from({ length: 10 }, (_, n) => `i-0${String(n).padStart(16, '0')}`);
    // All in the same second but the seventh, a second earlier.
    const account = new Account(ids.map((id, n) => ({ id, launchTime: at(n === 6 ? 10 : 11) })));
    script(account);
    const results = await Promise.all(ids.map(() => create()));
    expect(results.filter((r) => r.code === 0).map((r) => r.stdout)).toEqual([`${ids[6]}\n`]);
    const losers = results.filter((r) => r.code !== 0);
    expect(losers).toHaveLength(9);
    for (const r of losers) expect(r.stderr).toContain(`${ids[6]} was first`);
    expect(account.live()).toEqual([ids[6]]);
    expect(account.terminated.flat().sort()).toEqual(ids.filter((_, n) => n !== 6).sort());
  });

  it('a run alone keeps its instance even before EC2 lists it', async () => {
    const account = new Account([{ id: A, launchTime: at(1) }]);
    script(account);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const r = await create();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${A}\n`);
    expect(account.terminated).toEqual([]);
  });
});
