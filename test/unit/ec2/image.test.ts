import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const inputs = <C extends new (...args: never[]) => { input: unknown }>(command: C) =>
  ec2.commandCalls(command as never).map((c) => (c.args[0] as InstanceType<C>).input as InstanceType<C>['input']);

/**
 * Answers a paginated command with these pages in turn and returns the inputs as they
 * were at each call (the SDK's paginator reuses one input object, so the recorded
 * commands would all show the last NextToken).
 */
function pages(command: typeof DescribeImagesCommand, outputs: object[]): unknown[] {
  const seen: unknown[] = [];
  ec2.on(command).callsFake((input: unknown) => {
    seen.push(JSON.parse(JSON.stringify(input)));
    return outputs[Math.min(seen.length, outputs.length) - 1];
  });
  return seen;
}

const fedora17: Image = { ImageId: 'ami-2509664c', OwnerId: '125523088429', Architecture: 'x86_64', Name: 'Fedora-x86_64-17-1-sda', State: 'available' };
const fedora19: Image = {
  ImageId: 'ami-6f3b5006',
  OwnerId: '125523088429',
  Architecture: 'x86_64',
  Name: 'Fedora-x86_64-19-Beta-20130523-sda',
  State: 'available',
};
const fedora18: Image = { ImageId: 'ami-b71078de', OwnerId: '125523088429', Architecture: 'x86_64', Name: 'Fedora-x86_64-18-20130521-sda', State: 'available' };
const mine: Image = {
  ImageId: 'ami-0123456789abcdef0',
  OwnerId: '111122223333',
  Architecture: 'x86_64',
  Name: 'puppet-base',
  State: 'available',
  ImageType: 'machine',
  Description: 'puppet master base',
  RootDeviceName: '/dev/xvda',
  RootDeviceType: 'ebs',
  PlatformDetails: 'Linux/UNIX',
  CreationDate: '2024-06-01T10:00:00.000Z',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0aa', VolumeSize: 8, VolumeType: 'gp3' } }],
  Tags: [
    { Key: 'role', Value: 'puppetmaster' },
    { Key: 'Name', Value: 'pm' },
  ],
};

describe('ec2:image:list', () => {
  it('sends the owner and filters to EC2, follows pages, and prints id owner arch name sorted by id', async () => {
    const seen = pages(DescribeImagesCommand, [{ Images: [fedora18, fedora17], NextToken: 'page-2' }, { Images: [fedora19] }]);
    const r = await runCli(['ec2:image:list', '--owner', '125523088429', '--name', 'Fedora*', '--arch', 'x86_64']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'ami-2509664c 125523088429 x86_64 Fedora-x86_64-17-1-sda',
        'ami-6f3b5006 125523088429 x86_64 Fedora-x86_64-19-Beta-20130523-sda',
        'ami-b71078de 125523088429 x86_64 Fedora-x86_64-18-20130521-sda',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('task: ec2:image:list\n');
    const filters = {
      Owners: ['125523088429'],
      Filters: [
        { Name: 'state', Values: ['available'] },
        { Name: 'name', Values: ['Fedora*'] },
        { Name: 'architecture', Values: ['x86_64'] },
      ],
    };
    expect(seen).toEqual([filters, { ...filters, NextToken: 'page-2' }]);
  });

  it('defaults to your own available images and prints nothing when there are none', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    const r = await runCli(['ec2:image', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(DescribeImagesCommand)).toEqual([{ Owners: ['self'], Filters: [{ Name: 'state', Values: ['available'] }] }]);
  });

  it('prints the rows as JSON with --json', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [fedora17] });
    const r = await runCli(['ec2:image:list', '--json', '--quiet']);
    expect(JSON.parse(r.stdout)).toEqual([{ id: 'ami-2509664c', owner: '125523088429', arch: 'x86_64', name: 'Fedora-x86_64-17-1-sda' }]);
    expect(r.stderr).toBe('');
  });
});

describe('ec2:image:info', () => {
  it('looks an image up by id and prints its details', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    const r = await runCli(['ec2:image:info', '--id', 'ami-0123456789abcdef0']);
    expect(r.code).toBe(0);
    expect(inputs(DescribeImagesCommand)).toEqual([{ ImageIds: ['ami-0123456789abcdef0'] }]);
    expect(r.stdout).toBe(
      [
        'Image: ami-0123456789abcdef0 (puppet-base)',
        '  Description: puppet master base',
        '  State: available',
        '  Type: machine',
        '  Owner: 111122223333',
        '  Architecture: x86_64',
        '  Platform: Linux/UNIX',
        '  Root device: /dev/xvda (ebs)',
        '  Created: 2024-06-01T10:00:00.000Z',
        '  Device: /dev/xvda snap-0aa 8 GiB gp3',
        '  Tag: Name=pm',
        '  Tag: role=puppetmaster',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('task: ec2:image:info\n');
  });

  it('looks an image up by name among your own images (the original ignored --name)', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    const r = await runCli(['ec2:image:info', '--name', 'puppet-base', '--json']);
    expect(r.code).toBe(0);
    expect(inputs(DescribeImagesCommand)).toEqual([{ Owners: ['self'], Filters: [{ Name: 'name', Values: ['puppet-base'] }] }]);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'ami-0123456789abcdef0', name: 'puppet-base', rootDevice: '/dev/xvda', tags: { role: 'puppetmaster' } });
  });

  it('lists your images when the name matches none', async () => {
    ec2
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [] })
      .resolvesOnce({ Images: [mine, { ...fedora17, Name: 'base-b' }] });
    const r = await runCli(['ec2:image:info', '--name', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: you own no image named 'nope' (your images: base-b, puppet-base)");
    expect(inputs(DescribeImagesCommand)[1]).toEqual({ Owners: ['self'] });
  });

  it('lists the ids when the name matches several', async () => {
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        { ...mine, ImageId: 'ami-0b' },
        { ...mine, ImageId: 'ami-0a' },
      ],
    });
    const r = await runCli(['ec2:image:info', '--name', 'puppet-*']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: name 'puppet-*' matches 2 images: ami-0a (puppet-base), ami-0b (puppet-base) (use --id)");
  });

  it('says which image id does not exist', async () => {
    ec2.on(DescribeImagesCommand).rejects(Object.assign(new Error('The image id does not exist'), { name: 'InvalidAMIID.NotFound' }));
    const r = await runCli(['ec2:image:info', '--id', 'ami-0123456789abcdef0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no image ami-0123456789abcdef0');
  });

  it('rejects a malformed image id and a missing selector with exit 2, before calling AWS', async () => {
    const bad = await runCli(['ec2:image:info', '--id', 'i-0123abcd']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--id: not an image id');
    const none = await runCli(['ec2:image:info']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error: give the image with --id ID or --name NAME');
    expect(none.stderr).toContain('usage: origin-setup ec2:image:info [options]');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('ec2:image:find', () => {
  it('lists your images carrying a tag, across pages', async () => {
    const seen = pages(DescribeImagesCommand, [{ Images: [mine], NextToken: 't2' }, { Images: [{ ...fedora17, Tags: [{ Key: 'role', Value: 'node' }] }] }]);
    const r = await runCli(['ec2:image:find', 'role']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ami-0123456789abcdef0 puppet-base role='puppetmaster'\nami-2509664c Fedora-x86_64-17-1-sda role='node'\n");
    expect(r.stderr).toBe('task: ec2:image:find role\n');
    expect(seen).toEqual([
      { Owners: ['self'], Filters: [{ Name: 'tag-key', Values: ['role'] }] },
      { Owners: ['self'], Filters: [{ Name: 'tag-key', Values: ['role'] }], NextToken: 't2' },
    ]);
  });

  it('filters on the value with --tagvalue', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    const r = await runCli(['ec2:image:find', 'role', '--tagvalue', 'puppetmaster']);
    expect(r.stdout).toBe("ami-0123456789abcdef0 puppet-base role='puppetmaster'\n");
    expect(inputs(DescribeImagesCommand)).toEqual([{ Owners: ['self'], Filters: [{ Name: 'tag:role', Values: ['puppetmaster'] }] }]);
  });
});

const puppetInstance = {
  InstanceId: 'i-0123456789abcdef0',
  State: { Name: 'running' as const, Code: 16 },
  Tags: [{ Key: 'Name', Value: 'puppet' }],
};

describe('ec2:image:create', () => {
  it('creates an image of the named instance and prints only its id', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [puppetInstance] }] });
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0fff0000fff0000ff' });
    const r = await runCli(['ec2:image:create', 'puppet', 'puppet-base-2024', '--description', 'base']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ami-0fff0000fff0000ff\n');
    expect(r.stderr).toBe('task: ec2:image:create puppet puppet-base-2024\n');
    expect(inputs(CreateImageCommand)).toEqual([{ InstanceId: 'i-0123456789abcdef0', Name: 'puppet-base-2024', Description: 'base' }]);
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
  });

  it('with --wait polls until available', async () => {
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0fff0000fff0000ff' });
    ec2
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [{ ImageId: 'ami-0fff0000fff0000ff', State: 'pending' }] })
      .resolvesOnce({ Images: [{ ImageId: 'ami-0fff0000fff0000ff', State: 'pending' }] })
      .resolves({ Images: [{ ImageId: 'ami-0fff0000fff0000ff', State: 'available' }] });
    const r = await runCli(['ec2:image:create', 'i-0123456789abcdef0', 'base', '--wait', '--json', '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'ami-0fff0000fff0000ff', name: 'base', instanceId: 'i-0123456789abcdef0', state: 'available' });
    expect(inputs(DescribeImagesCommand)).toEqual(Array(3).fill({ ImageIds: ['ami-0fff0000fff0000ff'] }));
    // An id needs no lookup.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('deregisters the image with its snapshots when the wait fails', async () => {
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0fff0000fff0000ff' });
    ec2.on(DescribeImagesCommand).resolves({
      Images: [{ ImageId: 'ami-0fff0000fff0000ff', State: 'failed', StateReason: { Code: 'Server.InternalError', Message: 'Internal error' } }],
    });
    ec2.on(DeregisterImageCommand).resolves({});
    const r = await runCli(['ec2:image:create', 'i-0123456789abcdef0', 'base', '--wait']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: gave up waiting for ami-0fff0000fff0000ff (base) to be available: it is failed (Internal error)');
    expect(r.stderr).toContain('- removed image ami-0fff0000fff0000ff (base)');
    expect(inputs(DeregisterImageCommand)).toEqual([{ ImageId: 'ami-0fff0000fff0000ff', DeleteAssociatedSnapshots: true }]);
  });

  it('times out with a clear message and exit 1', async () => {
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0fff0000fff0000ff' });
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0fff0000fff0000ff', State: 'pending' }] });
    ec2.on(DeregisterImageCommand).resolves({});
    // 60 s is 3 s here (scale 0.05): at the usual 0.001 a first poll slower than 45 ms (a
    // loaded machine) left the waiter no time for a second one.
    const r = await runCli(['ec2:image:create', 'i-0123456789abcdef0', 'base', '--wait', '--timeout', '60'], testEnv({ ORIGIN_SETUP_TIME_SCALE: '0.05' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: timed out after 60s waiting for ami-0fff0000fff0000ff (base) to be available; it is pending');
    expect(ec2.commandCalls(DescribeImagesCommand).length).toBeGreaterThan(1);
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(1);
  });

  it('sends DryRun under --dry-run and creates nothing', async () => {
    ec2.on(CreateImageCommand).rejects(Object.assign(new Error('Request would have succeeded'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:image:create', 'i-0123456789abcdef0', 'base', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(CreateImageCommand)).toEqual([{ InstanceId: 'i-0123456789abcdef0', Name: 'base', DryRun: true }]);
    expect(r.stderr).toContain('dry run: CreateImage: EC2 says the request would succeed');
  });

  it('rejects an image name EC2 would refuse, with exit 2', async () => {
    const r = await runCli(['ec2:image:create', 'i-0123456789abcdef0', 'a;b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("NAME 'a;b'");
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('ec2:image:delete', () => {
  it('deregisters an image found by name', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    ec2.on(DeregisterImageCommand).resolves({});
    const r = await runCli(['ec2:image:delete', '--name', 'puppet-base']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('task: ec2:image:delete\n  - deregistered image ami-0123456789abcdef0 (puppet-base)\n');
    expect(inputs(DeregisterImageCommand)).toEqual([{ ImageId: 'ami-0123456789abcdef0' }]);
  });

  it('deletes the snapshots too with --snapshots, and sends DryRun under --dry-run', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    ec2.on(DeregisterImageCommand).rejects(Object.assign(new Error('would succeed'), { name: 'DryRunOperation' }));
    const r = await runCli(['ec2:image:delete', '--id', 'ami-0123456789abcdef0', '--snapshots', '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(DeregisterImageCommand)).toEqual([{ ImageId: 'ami-0123456789abcdef0', DeleteAssociatedSnapshots: true, DryRun: true }]);
  });
});

describe('ec2:image:tag', () => {
  it('prints the value of a tag', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    const r = await runCli(['ec2:image:tag', '--id', 'ami-0123456789abcdef0', '--tag', 'role']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('puppetmaster\n');
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });

  it('fails naming the tags it has when the tag is absent', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    const r = await runCli(['ec2:image:tag', '--id', 'ami-0123456789abcdef0', '--tag', 'owner']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: ami-0123456789abcdef0 (puppet-base) has no tag 'owner' (its tags: Name, role)");
  });

  it('sets a tag with --value', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    ec2.on(CreateTagsCommand).resolves({});
    const r = await runCli(['ec2:image:tag', '--name', 'puppet-base', '--tag', 'role', '--value', 'node']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(inputs(CreateTagsCommand)).toEqual([{ Resources: ['ami-0123456789abcdef0'], Tags: [{ Key: 'role', Value: 'node' }] }]);
  });

  it('removes a tag with --delete', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [mine] });
    ec2.on(DeleteTagsCommand).resolves({});
    const r = await runCli(['ec2:image:tag', '--name', 'puppet-base', '--tag', 'role', '--delete']);
    expect(r.code).toBe(0);
    expect(inputs(DeleteTagsCommand)).toEqual([{ Resources: ['ami-0123456789abcdef0'], Tags: [{ Key: 'role' }] }]);
  });

  it('requires --tag and refuses --value with --delete (exit 2)', async () => {
    const noTag = await runCli(['ec2:image:tag', '--name', 'x']);
    expect(noTag.code).toBe(2);
    expect(noTag.stderr).toContain('--tag');
    const both = await runCli(['ec2:image:tag', '--name', 'x', '--tag', 'a', '--value', 'b', '--delete']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('error: give --value or --delete, not both');
    expect(ec2.calls()).toHaveLength(0);
  });
});
