// --enrol refuses bad input with exit 2 before anything is launched, and before the
// master is even asked: the master here does not resolve, so reaching it would fail
// with exit 1 instead.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv, writeAwsCred } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
const AMI = 'ami-0123456789abcdef0';
const MASTER = 'puppet.example.invalid';
let imageName = 'debian-12-amd64-20240717-1811';

beforeEach(() => {
  ec2.reset();
  imageName = 'debian-12-amd64-20240717-1811';
  ec2.on(DescribeImagesCommand).callsFake(() => ({ Images: [{ ImageId: AMI, Name: imageName, RootDeviceName: '/dev/xvda', RootDeviceType: 'ebs' }] }));
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
});

function env(cred = 'AWSKeyPairName=k\n'): NodeJS.ProcessEnv {
  const e = testEnv();
  writeAwsCred(e, cred);
  return e;
}

const create = (extra: string[], e = env()) => runCli(['ec2:instance:create', '--name', 'web', '--image', AMI, '--enrol', MASTER, ...extra], e);
const launches = () => ec2.commandCalls(RunInstancesCommand).length;

describe('--enrol: bad input, exit 2, nothing launched', () => {
  it('Puppet Core, asked for or configured: its key would sit in the user data', async () => {
    const r = await create(['--enrol-source', 'puppetcore']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: --enrol-source puppetcore: Puppet Core cannot be installed at boot: its repositories want a Forge API key, which would have to travel in the user data, readable by anything on the instance',
    );
    expect(r.stderr).toContain('--enrol-source openvox');
    const e = env('AWSKeyPairName=k\nPuppetSource=puppetcore\n');
    const configured = await runCli(['origin:baseinstance', 'web', '--image', AMI, '--enrol', MASTER], e);
    expect(configured.code).toBe(2);
    expect(configured.stderr).toMatch(/error: PuppetSource=puppetcore \(.*\.awscred\): Puppet Core cannot be installed at boot/);
    expect(launches()).toBe(0);
  });

  it('an image whose distribution cannot be told, pointing at --enrol-os', async () => {
    imageName = 'golden-image-2024-07';
    const r = await create([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: --enrol: cannot tell which distribution image ${AMI} runs (name 'golden-image-2024-07')`);
    expect(r.stderr).toContain('--enrol-os debian:12');
    expect(launches()).toBe(0);
  });

  it('--enrol-os that is not ID:VERSION of a known distribution, and --enrol-* without --enrol', async () => {
    const os = await create(['--enrol-os', 'suse:15']);
    expect(os.code).toBe(2);
    expect(os.stderr).toContain('unknown distribution suse');
    const stray = await runCli(['ec2:instance:create', '--name', 'web', '--image', AMI, '--enrol-wait'], env());
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('error: --enrol-wait without --enrol MASTER');
    expect(launches()).toBe(0);
  });

  it('--userdata that cloud-init would ignore beside the enrolment script', async () => {
    const e = env();
    writeFileSync(join(e.HOME!, 'notes.txt'), 'remember the milk\n');
    const r = await create(['--userdata', 'notes.txt'], e);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --userdata notes.txt: cloud-init would ignore it beside --enrol');
    expect(launches()).toBe(0);
  });

  it('a master that cannot be reached is a runtime failure (exit 1), still before any launch', async () => {
    const r = await create([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(MASTER);
    expect(launches()).toBe(0);
  });
});
