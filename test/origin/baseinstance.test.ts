// origin:baseinstance against a scripted cloud (aws-sdk-client-mock for EC2 and Route53)
// and a real sshd. The instance's public DNS names map to that sshd through the test
// HOME's ~/.ssh/config: ec2-1.test before the elastic IP moves it, ec2-203-0-113-10.test
// after; ec2-dead.test goes to a closed port (SSH never answers).
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
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { Runner } from '../../src/engine/runner.js';
import { systemPaths } from '../../src/platform/system.js';
import { runCli, testEnv, writeAwsCred } from '../support/cli.js';
import { freePort, startSshd, type Sshd } from '../support/sshd.js';

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);

const ID = 'i-0123456789abcdef0';
const OLD = 'i-0aaaaaaaaaaaaaaa1';
const AMI = 'ami-0f19f19f19f19f19f';
const EIP = '203.0.113.10';
const FOREIGN = '198.51.100.7';
const BOOT_DNS = 'ec2-1.test';
const EIP_DNS = 'ec2-203-0-113-10.test';
const DEAD_DNS = 'ec2-dead.test';
const ZONE_ID = 'Z1EXAMPLE';
const FQDN = 'puppet.example.org';

interface FakeInstance {
  id: string;
  name: string;
  state: string;
  dns?: string;
  ip?: string;
  /** DescribeInstances-by-id answers left before a pending instance reaches `endState`. */
  pendingPolls: number;
  endState: string;
}

/** The account as the mocks see it; every request is also appended to `events`, in order. */
class Cloud {
  events: string[] = [];
  instances = new Map<string, FakeInstance>();
  addresses: Address[] = [];
  records: ResourceRecordSet[] = [];
  /** What GetChange answers, one per call; INSYNC once used up. */
  changeStatus: string[] = ['PENDING', 'PENDING', 'INSYNC'];
  pendingPolls = 2;
  endState = 'running';
  bootDns = BOOT_DNS;
  launchError?: Error;
  associateError?: Error;
  /** Settled when RunInstances has been answered, and when the A record's change was sent. */
  launched = signal();
  changeSent = signal();

  instance(i: FakeInstance): Instance {
    return {
      InstanceId: i.id,
      State: { Name: i.state as never, Code: 0 },
      Tags: [{ Key: 'Name', Value: i.name }],
      PublicDnsName: i.state === 'running' ? (i.dns ?? '') : '',
      ...(i.state === 'running' && i.ip ? { PublicIpAddress: i.ip } : {}),
      ...(i.state === 'terminated' ? { StateReason: { Code: 'Server.InternalError', Message: 'Server.InternalError: Internal error on launch' } } : {}),
    };
  }
}

/** A promise to await and the function that settles it: the moment a mock was called. */
function signal(): Promise<void> & { fire(): void } {
  let fire!: () => void;
  const p = new Promise<void>((r) => (fire = r));
  return Object.assign(p, { fire });
}

/** Waits for that moment; a flow that never gets there fails the test's assertions, not its timeout. */
const before = (s: Promise<void>) => Promise.race([s, new Promise<void>((r) => setTimeout(r, 10_000))]);

let cloud: Cloud;
const reservations = (list: Instance[]) => ({ Reservations: list.length ? [{ Instances: list }] : [] });

function script(): void {
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[]; Filters?: { Name: string; Values: string[] }[] }) => {
    if (input.InstanceIds) {
      const found = input.InstanceIds.map((id) => cloud.instances.get(id)).filter((i): i is FakeInstance => i !== undefined);
      for (const i of found) {
        if (i.state === 'pending' && i.pendingPolls-- <= 0) i.state = i.endState;
        cloud.events.push(`DescribeInstances ${i.id} ${i.state}`);
      }
      return reservations(found.map((i) => cloud.instance(i)));
    }
    const name = input.Filters?.find((f) => f.Name === 'tag:Name')?.Values[0];
    const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
    const found = [...cloud.instances.values()].filter((i) => (!name || i.name === name) && (!states || states.includes(i.state)));
    return reservations(found.map((i) => cloud.instance(i)));
  });
  ec2.on(DescribeImagesCommand).resolves({
    Images: [{ ImageId: AMI, RootDeviceName: '/dev/sda1', RootDeviceType: 'ebs', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 8 } }] }],
  });
  ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => {
    cloud.events.push('RunInstances');
    if (input.DryRun) throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), { name: 'DryRunOperation' });
    // A launch takes longer than an allocation: the A record goes out before it fails.
    // (It fails once the change was sent: a 50 ms timer raced the allocation under load.)
    if (cloud.launchError) {
      await before(cloud.changeSent);
      throw cloud.launchError;
    }
    const name = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'Name')?.Value ?? '';
    cloud.instances.set(ID, {
      id: ID,
      name,
      state: 'pending',
      dns: cloud.bootDns,
      ip: '198.51.100.1',
      pendingPolls: cloud.pendingPolls,
      endState: cloud.endState,
    });
    cloud.launched.fire();
    return { Instances: [{ InstanceId: ID, State: { Name: 'pending', Code: 0 } }] };
  });
  ec2.on(AllocateAddressCommand).callsFake((input: { DryRun?: boolean }) => {
    cloud.events.push('AllocateAddress');
    if (input.DryRun) throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), { name: 'DryRunOperation' });
    cloud.addresses.push({ PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc' });
    return { PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc' };
  });
  ec2.on(DescribeAddressesCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
    const ip = input.Filters?.find((f) => f.Name === 'public-ip')?.Values[0];
    return { Addresses: cloud.addresses.filter((a) => !ip || a.PublicIp === ip) };
  });
  ec2.on(AssociateAddressCommand).callsFake((input: { AllocationId?: string; InstanceId: string }) => {
    cloud.events.push('AssociateAddress');
    if (cloud.associateError) throw cloud.associateError;
    const a = cloud.addresses.find((x) => x.AllocationId === input.AllocationId)!;
    Object.assign(a, { AssociationId: 'eipassoc-1', InstanceId: input.InstanceId });
    const i = cloud.instances.get(input.InstanceId)!;
    Object.assign(i, { ip: a.PublicIp, dns: `ec2-${a.PublicIp!.replace(/\./g, '-')}.test` });
    return { AssociationId: 'eipassoc-1' };
  });
  ec2.on(DisassociateAddressCommand).callsFake(() => {
    cloud.events.push('DisassociateAddress');
    return {};
  });
  ec2.on(ReleaseAddressCommand).callsFake(() => {
    cloud.events.push('ReleaseAddress');
    return {};
  });
  ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    cloud.events.push(`TerminateInstances ${input.InstanceIds.join(' ')}`);
    return { TerminatingInstances: input.InstanceIds.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down', Code: 32 } })) };
  });

  const zone = { Id: `/hostedzone/${ZONE_ID}`, Name: 'example.org.', CallerReference: 'z', ResourceRecordSetCount: 3, Config: { PrivateZone: false } };
  r53.on(ListHostedZonesCommand).resolves({ HostedZones: [zone], IsTruncated: false, MaxItems: 100, Marker: '' });
  r53.on(GetHostedZoneCommand).resolves({ HostedZone: zone, DelegationSet: { NameServers: ['ns-1.example.net'] } });
  r53.on(ListResourceRecordSetsCommand).callsFake((input: { StartRecordName?: string }) => ({
    ResourceRecordSets: cloud.records.filter((r) => !input.StartRecordName || r.Name === input.StartRecordName),
    IsTruncated: false,
    MaxItems: 100,
  }));
  r53.on(ChangeResourceRecordSetsCommand).callsFake((input: ChangeResourceRecordSetsCommandInput) => {
    const c = input.ChangeBatch!.Changes![0]!;
    cloud.events.push(`${c.Action} ${c.ResourceRecordSet!.Type} ${c.ResourceRecordSet!.Name}`);
    cloud.changeSent.fire();
    return { ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) } };
  });
  r53.on(GetChangeCommand).callsFake(() => {
    const status = cloud.changeStatus.shift() ?? 'INSYNC';
    cloud.events.push(`GetChange ${status}`);
    return { ChangeInfo: { Id: '/change/C1', Status: status, SubmittedAt: new Date(0) } };
  });
}

let sshd: Sshd;
let deadPort: number;
const saved = { ...systemPaths };
let cloudCfg: string;

beforeAll(async () => {
  sshd = await startSshd({ hosts: [BOOT_DNS, EIP_DNS, 'ec2-1-2-3-4.test'], distribution: 'fedora19' });
  deadPort = await freePort();
  // The stand-in sudo never becomes root: the files the host-name tasks edit live where
  // the test login may write them.
  const etc = join(sshd.dir, 'etc');
  mkdirSync(etc, { recursive: true });
  chmodSync(etc, 0o777);
  Object.assign(systemPaths, { hostname: join(etc, 'hostname'), hosts: join(etc, 'hosts'), cloudCfg: join(etc, 'cloud.cfg') });
  cloudCfg = systemPaths.cloudCfg;
});
afterAll(async () => {
  Object.assign(systemPaths, saved);
  await sshd?.stop();
});

beforeEach(() => {
  ec2.reset();
  r53.reset();
  cloud = new Cloud();
  script();
  sshd.resetStandIns();
  writeFileSync(cloudCfg, 'users:\n - default\n');
  chmodSync(cloudCfg, 0o666);
});

/**
 * origin:baseinstance ARGS, with --timeout 60000 unless ARGS set one. The default 600 s is
 * 0.6 s at the tests' time scale, and a run makes several real SSH logins: on a loaded
 * machine they did not always fit, so the outcome was the scheduler's. 60000 s is a
 * minute, which only a hung run reaches; the waits still poll every few milliseconds.
 */
function baseinstance(args: string[], e: NodeJS.ProcessEnv) {
  return runCli(['origin:baseinstance', ...args, ...(args.includes('--timeout') ? [] : ['--timeout', '60000'])], e);
}

/** A HOME whose ssh config reaches the test sshd by the instance's names, and an awscred file. */
function env(cred = `AWSKeyPairName=test-key\n\n[fedora19]\nBaseOSImage=${AMI}\nRemoteUser=fedora\n`): NodeJS.ProcessEnv {
  const e = sshd.env(testEnv(), { configExtra: `Host ${DEAD_DNS}\n  HostName 127.0.0.1\n  Port ${deadPort}\n  User nobody\n` });
  writeAwsCred(e, cred);
  return e;
}

const taskLines = (stderr: string) => stderr.split('\n').filter((l) => /^\s*task: /.test(l));
const ec2Inputs = <T>(cmd: T) => ec2.commandCalls(cmd as never).map((c) => c.args[0].input as Record<string, unknown>);
const changes = () =>
  r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => {
    const ch = c.args[0].input.ChangeBatch!.Changes![0]!;
    return `${ch.Action} ${ch.ResourceRecordSet!.Name} ${ch.ResourceRecordSet!.TTL} ${ch.ResourceRecordSet!.ResourceRecords!.map((r) => r.Value).join(' ')}`;
  });
const recordA = (name: string, value: string): ResourceRecordSet => ({ Name: name, Type: 'A', TTL: 300, ResourceRecords: [{ Value: value }] });

describe('origin:baseinstance NAME --hostname FQDN --elasticip', () => {
  it('launches, allocates and submits the A record together, then waits once for boot, SSH, INSYNC and the new address', async () => {
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`id=${ID}\ndns=${EIP_DNS}\nip=${EIP}\nfqdn=${FQDN}\n`);

    expect(taskLines(r.stderr)).toEqual([
      'task: origin:baseinstance puppet',
      `  task: route53:zone:contains ${FQDN}`,
      `  task: route53:record:get ${ZONE_ID} puppet`,
      `  task: ec2:instance:create --name puppet --image ${AMI}`,
      '  task: ec2:ip:create',
      `  task: route53:record:create ${ZONE_ID} puppet A ${EIP}`,
      `  task: remote:available ${BOOT_DNS}`,
      `  task: ec2:ip:associate ${EIP} ${ID}`,
      `  task: remote:available ${EIP_DNS}`,
      `  task: remote:hostname ${EIP_DNS} ${FQDN}`,
      `  task: remote:preserve_hostname ${EIP_DNS}`,
    ]);

    // The launch does not wait for DNS: RunInstances goes out before the change is INSYNC,
    // and the change is polled while the instance is still pending.
    const ev = cloud.events;
    const at = (e: string) => ev.indexOf(e);
    expect(at('RunInstances')).toBeGreaterThanOrEqual(0);
    expect(at('RunInstances')).toBeLessThan(at('GetChange INSYNC'));
    expect(at('CREATE A puppet.example.org.')).toBeLessThan(at(`DescribeInstances ${ID} running`));
    expect(at('GetChange PENDING')).toBeLessThan(at(`DescribeInstances ${ID} running`));
    expect(at('AllocateAddress')).toBeLessThan(at('CREATE A puppet.example.org.'));
    expect(at('AssociateAddress')).toBeGreaterThan(at(`DescribeInstances ${ID} running`));
    expect(ev.filter((e) => e.startsWith('GetChange'))).toEqual(['GetChange PENDING', 'GetChange PENDING', 'GetChange INSYNC']);

    const run = ec2Inputs(RunInstancesCommand)[0]!;
    expect({ ...run, ClientToken: 'x' }).toEqual({
      ImageId: AMI,
      InstanceType: 't3.micro',
      KeyName: 'test-key',
      MinCount: 1,
      MaxCount: 1,
      SecurityGroups: ['default'],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'puppet' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'puppet' }] },
      ],
      ClientToken: 'x',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    });
    expect(ec2Inputs(AllocateAddressCommand)).toEqual([{ Domain: 'vpc' }]);
    expect(ec2Inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1', InstanceId: ID }]);
    expect(changes()).toEqual([`CREATE ${FQDN}. 300 ${EIP}`]);
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([]);
    expect(ec2Inputs(ReleaseAddressCommand)).toEqual([]);

    // The host's own name is set and kept against cloud-init, on the host itself.
    const hostnamectl = sshd.calls().filter((c) => c.name === 'hostnamectl');
    expect(hostnamectl.map((c) => c.args)).toContainEqual(['set-hostname', FQDN]);
    expect(readFileSync(cloudCfg, 'utf8')).toBe('users:\n - default\npreserve_hostname: true\n');
  });

  it('goes on when the image has no cloud-init (nothing resets the name there)', async () => {
    rmSync(cloudCfg);
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`- ${EIP_DNS}: ${cloudCfg} does not exist: cloud-init is not installed there, so nothing resets the host name`);
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([]);
  });

  it('logs in as the RemoteUser of the [--baseos] section, not the top-level one', async () => {
    // ssh_config names no user here, so the awscred file decides; only the section's user can log in.
    const e = sshd.env(testEnv(), { user: null, configExtra: `Host ${DEAD_DNS}\n  HostName 127.0.0.1\n  Port ${deadPort}\n` });
    writeAwsCred(e, `AWSKeyPairName=test-key\nRemoteUser=nobody\n\n[fedora19]\nBaseOSImage=${AMI}\nRemoteUser=${sshd.user}\n`);
    const logins = sshd.logins();
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--baseos', 'fedora19'], e);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(sshd.logins()).toBeGreaterThan(logins);
    expect(sshd.sshdLog()).not.toContain('Invalid user nobody');
  });

  it('prints the result as one object with --json', async () => {
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--json', '--quiet'], env());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: ID, dns: EIP_DNS, ip: EIP, fqdn: FQDN });
    expect(r.stderr).toBe('');
  });

  it('passes --keypair, --type, --securitygroup, --disksize through to the launch (--keypair really is used)', async () => {
    const r = await baseinstance(
      ['broker', '--keypair', 'mine', '--type', 't3.small', '--securitygroup', 'default', 'broker', '--disksize', '20', '--image', AMI],
      env(),
    );
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const run = ec2Inputs(RunInstancesCommand)[0]!;
    expect(run).toMatchObject({
      KeyName: 'mine',
      InstanceType: 't3.small',
      SecurityGroups: ['default', 'broker'],
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 20 } }],
    });
    // No address and no hostname: no EIP, no DNS, one SSH wait at the boot name.
    expect(r.stdout).toBe(`id=${ID}\ndns=${BOOT_DNS}\nip=198.51.100.1\n`);
    expect(ec2Inputs(AllocateAddressCommand)).toEqual([]);
    expect(r53.commandCalls(ListHostedZonesCommand)).toHaveLength(0);
    expect(taskLines(r.stderr)).toEqual([
      'task: origin:baseinstance broker',
      `  task: ec2:instance:create --name broker --image ${AMI}`,
      `  task: remote:available ${BOOT_DNS}`,
    ]);
  });
});

describe('origin:baseinstance: what is already there', () => {
  it('reuses an A record that points at one of our elastic IPs: no allocation, no DNS change', async () => {
    cloud.addresses.push({ PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc' });
    cloud.records.push(recordA(`${FQDN}.`, EIP));
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`id=${ID}\ndns=${EIP_DNS}\nip=${EIP}\nfqdn=${FQDN}\n`);
    expect(ec2Inputs(AllocateAddressCommand)).toEqual([]);
    expect(changes()).toEqual([]);
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(0);
    expect(taskLines(r.stderr).slice(0, 5)).toEqual([
      'task: origin:baseinstance puppet',
      `  task: route53:zone:contains ${FQDN}`,
      `  task: route53:record:get ${ZONE_ID} puppet`,
      `  task: ec2:ip:info ${EIP}`,
      `  task: ec2:instance:create --name puppet --image ${AMI}`,
    ]);
    expect(ec2Inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1', InstanceId: ID }]);
  });

  it('with --ipaddress and a matching record, looks the address up once and uses it', async () => {
    cloud.addresses.push({ PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc' });
    cloud.records.push(recordA(`${FQDN}.`, EIP));
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--ipaddress', EIP], env());
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ip=${EIP}\n`);
    expect(taskLines(r.stderr).filter((l) => l.includes('ec2:ip:info'))).toEqual([`  task: ec2:ip:info ${EIP}`]);
    expect(ec2Inputs(AllocateAddressCommand)).toEqual([]);
  });

  it('refuses a record that points at an address other than --ipaddress, naming both, before creating anything', async () => {
    cloud.addresses.push({ PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc' });
    cloud.records.push(recordA(`${FQDN}.`, FOREIGN));
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--ipaddress', EIP], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: A record ${FQDN}. points at ${FOREIGN}, not at --ipaddress ${EIP}`);
    expect(cloud.events).toEqual([]);
    expect(r.stderr).not.toMatch(/rolling back/);
  });

  it('refuses a record that points at an address that is not ours', async () => {
    cloud.records.push(recordA(`${FQDN}.`, FOREIGN));
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: A record ${FQDN}. points at ${FOREIGN}, which is not an elastic IP of this account`);
    expect(ec2Inputs(RunInstancesCommand)).toEqual([]);
    expect(ec2Inputs(AllocateAddressCommand)).toEqual([]);
  });

  it('stops with an error naming a pending or running instance of the same name', async () => {
    cloud.instances.set(OLD, { id: OLD, name: 'puppet', state: 'running', dns: 'ec2-1-2-3-4.test', pendingPolls: 0, endState: 'running' });
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: instance ${OLD} (puppet) is already running (pass --reuse to continue from it, or choose another NAME)`);
    expect(cloud.events).toEqual([]);
  });

  it('continues from that instance with --reuse, and a later failure leaves it alone', async () => {
    cloud.instances.set(OLD, { id: OLD, name: 'puppet', state: 'running', dns: 'ec2-1-2-3-4.test', ip: '1.2.3.4', pendingPolls: 0, endState: 'running' });
    cloud.associateError = Object.assign(new Error('The request could not be fulfilled'), { name: 'InternalError' });
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--reuse'], env());
    expect(r.code).toBe(1);
    expect(ec2Inputs(RunInstancesCommand)).toEqual([]);
    expect(taskLines(r.stderr)).toContain('  task: remote:available ec2-1-2-3-4.test');
    expect(ec2Inputs(AssociateAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1', InstanceId: OLD }]);
    // What this run made goes; the reused instance stays.
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([]);
    expect(ec2Inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1' }]);
    expect(changes()).toEqual([`CREATE ${FQDN}. 300 ${EIP}`, `DELETE ${FQDN}. 300 ${EIP}`]);
  });

  it('with --reuse and an elastic IP already on that instance, changes nothing in AWS', async () => {
    cloud.instances.set(OLD, { id: OLD, name: 'puppet', state: 'running', dns: EIP_DNS, ip: EIP, pendingPolls: 0, endState: 'running' });
    cloud.addresses.push({ PublicIp: EIP, AllocationId: 'eipalloc-1', Domain: 'vpc', AssociationId: 'eipassoc-0', InstanceId: OLD });
    cloud.records.push(recordA(`${FQDN}.`, EIP));
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--reuse'], env());
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`id=${OLD}\ndns=${EIP_DNS}\nip=${EIP}\nfqdn=${FQDN}\n`);
    expect(cloud.events.filter((e) => !e.startsWith('DescribeInstances'))).toEqual([]);
    // Already reachable at its address: one SSH wait.
    expect(taskLines(r.stderr).filter((l) => l.includes('remote:available'))).toEqual([`  task: remote:available ${EIP_DNS}`]);
  });
});

describe('origin:baseinstance --dry-run', () => {
  it("checks the launch and the allocation with EC2's DryRun, sends no DNS change and exits 0", async () => {
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--dry-run'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/dry run: (RunInstances|AllocateAddress): EC2 says the request would succeed; nothing was changed/);
    expect(ec2Inputs(RunInstancesCommand).map((i) => i.DryRun)).toEqual([true]);
    expect(ec2Inputs(AllocateAddressCommand)).toEqual([{ Domain: 'vpc', DryRun: true }]);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(r.stderr).not.toMatch(/rolling back/);
  });
});

describe('origin:baseinstance: configuration', () => {
  it('names the awscred file and the missing [baseos] section, without touching AWS', async () => {
    const e = env('AWSKeyPairName=test-key\n[rhel6.4]\nBaseOSImage=ami-12345678\n');
    const r = await baseinstance(['puppet', '--baseos', 'fedora-20'], e);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: ${e.HOME}/.awscred has no [fedora20] section (from --baseos fedora-20) (sections with a BaseOSImage: rhel6.4; or pass --image AMI)`,
    );
    expect(ec2.calls()).toHaveLength(0);
  });

  it('asks for a key pair before anything runs', async () => {
    const r = await baseinstance(['puppet', '--image', AMI], env(`[fedora19]\nBaseOSImage=${AMI}\n`));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: no key pair: pass --keypair NAME or set AWSKeyPairName in the awscred file');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('rejects a Name with wildcards and a malformed --ipaddress with exit 2', async () => {
    expect((await baseinstance(['pup*'], env())).code).toBe(2);
    const r = await baseinstance(['puppet', '--ipaddress', '203.0.113.300'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ipaddress: not an IPv4 address');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('origin:baseinstance: rollback of exactly what this run created', () => {
  const rollbackEvents = () => cloud.events.filter((e) => /^(TerminateInstances|ReleaseAddress|DisassociateAddress|DELETE)/.test(e));

  it('launch fails: the elastic IP and the A record made alongside are removed, nothing is waited for', async () => {
    cloud.launchError = Object.assign(new Error('We currently do not have sufficient t3.micro capacity'), { name: 'InsufficientInstanceCapacity' });
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*sufficient t3\.micro capacity/);
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([]);
    expect(ec2Inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1' }]);
    expect(changes()).toEqual([`CREATE ${FQDN}. 300 ${EIP}`, `DELETE ${FQDN}. 300 ${EIP}`]);
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(0);
    expect(r.stderr).toContain(`- rolling back what this run created: elastic IP ${EIP}, A record ${FQDN}.`);
    expect(r.stderr).toContain(`- removed A record ${FQDN}., elastic IP ${EIP}`);
    expect(taskLines(r.stderr).some((l) => l.includes('remote:available'))).toBe(false);
  });

  it('allocation fails after the launch: the instance is terminated, no A record is sent', async () => {
    ec2.on(AllocateAddressCommand).callsFake(async () => {
      cloud.events.push('AllocateAddress');
      // Fails once the launch has been answered (a 50 ms timer raced it under load).
      await before(cloud.launched);
      throw Object.assign(new Error('The maximum number of addresses has been reached.'), { name: 'AddressLimitExceeded' });
    });
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/maximum number of addresses/);
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
    expect(ec2Inputs(ReleaseAddressCommand)).toEqual([]);
    expect(changes()).toEqual([]);
  });

  it('instance goes to terminated: fails fast with the reason, removes record, address and instance', async () => {
    cloud.endState = 'terminated';
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`error: gave up waiting for ${ID} \\(puppet\\) to be running: it is terminated \\(Server.InternalError: Internal error on launch\\)`),
    );
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
    expect(ec2Inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1' }]);
    expect(ec2Inputs(DisassociateAddressCommand)).toEqual([]);
    expect(changes()).toEqual([`CREATE ${FQDN}. 300 ${EIP}`, `DELETE ${FQDN}. 300 ${EIP}`]);
    expect(ec2Inputs(AssociateAddressCommand)).toEqual([]);
  });

  it('SSH never answers within --timeout: times out, then removes all three', async () => {
    cloud.bootDns = DEAD_DNS;
    // Running and INSYNC at the first look, so only the SSH wait can use up the 2000 s
    // (2 s here; 120 ms was short enough for the boot or DNS wait to time out first).
    cloud.pendingPolls = 0;
    cloud.changeStatus = ['INSYNC'];
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--timeout', '2000'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: .*${DEAD_DNS}`));
    expect(ec2Inputs(AssociateAddressCommand)).toEqual([]);
    expect(rollbackEvents().sort()).toEqual([`DELETE A ${FQDN}.`, 'ReleaseAddress', `TerminateInstances ${ID}`].sort());
  });

  it('associate fails: instance, address and record are removed, nothing disassociated', async () => {
    cloud.associateError = Object.assign(new Error('Resource.AlreadyAssociated'), { name: 'Resource.AlreadyAssociated' });
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(ec2Inputs(TerminateInstancesCommand)).toEqual([{ InstanceIds: [ID] }]);
    expect(ec2Inputs(ReleaseAddressCommand)).toEqual([{ AllocationId: 'eipalloc-1' }]);
    expect(ec2Inputs(DisassociateAddressCommand)).toEqual([]);
    expect(changes()).toEqual([`CREATE ${FQDN}. 300 ${EIP}`, `DELETE ${FQDN}. 300 ${EIP}`]);
  });

  it('a failure after the association undoes it before the address is released', async () => {
    sshd.standIn('hostnamectl', { exit: 1, stderr: 'Could not set static hostname: Access denied' });
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Access denied/);
    const undo = rollbackEvents();
    expect(undo).toContain('DisassociateAddress');
    expect(undo.indexOf('DisassociateAddress')).toBeLessThan(undo.indexOf('ReleaseAddress'));
    expect(undo.sort()).toEqual([`DELETE A ${FQDN}.`, 'DisassociateAddress', 'ReleaseAddress', `TerminateInstances ${ID}`].sort());
    expect(r.stderr).toContain(`elastic IP association ${EIP} → ${ID}`);
  });

  it('--keep-on-failure leaves them in place and lists them', async () => {
    cloud.endState = 'terminated';
    const r = await baseinstance(['puppet', '--hostname', FQDN, '--elasticip', '--keep-on-failure'], env());
    expect(r.code).toBe(1);
    expect(rollbackEvents()).toEqual([]);
    const kept = /--keep-on-failure: left in place: (.*)/.exec(r.stderr)?.[1]?.split(', ').sort();
    expect(kept).toEqual([`A record ${FQDN}.`, `elastic IP ${EIP}`, `instance ${ID} (puppet)`].sort());
  });

  it('Ctrl-C while waiting rolls back and exits 130', async () => {
    let runner: Runner | undefined;
    r53.on(GetChangeCommand).callsFake(() => {
      cloud.events.push('GetChange PENDING');
      runner?.abort.abort();
      return { ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) } };
    });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => (err += d));
    const e = env();
    const code = await main(['origin:baseinstance', 'puppet', '--hostname', FQDN, '--elasticip'], {
      stdout,
      stderr,
      env: e,
      cwd: e.HOME!,
      onRunner: (r) => (runner = r),
    });
    expect(code).toBe(130);
    expect(err).toMatch(/error: interrupted/);
    expect(rollbackEvents().sort()).toEqual([`DELETE A ${FQDN}.`, 'ReleaseAddress', `TerminateInstances ${ID}`].sort());
  });
});
