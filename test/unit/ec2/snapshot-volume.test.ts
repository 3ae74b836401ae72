import {
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type DescribeSnapshotsCommandInput,
  type DescribeVolumesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const inputs = (cmd: unknown) => ec2.commandCalls(cmd as never).map((c) => c.args[0].input);
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
const dryRunOk = () => awsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');

const SNAP_A = 'snap-0aaaaaaaaaaaaaaaa';
const SNAP_B = 'snap-0bbbbbbbbbbbbbbbb';
const SNAP_C = 'snap-0cccccccccccccccc';
const VOL_A = 'vol-0aaaaaaaaaaaaaaaa';
const VOL_B = 'vol-0bbbbbbbbbbbbbbbb';
const VOL_C = 'vol-0cccccccccccccccc';

describe('ec2:snapshot:list', () => {
  it('lists only own snapshots across pages, oldest first, as `id start-time state volume size`', async () => {
    const sent: DescribeSnapshotsCommandInput[] = [];
    ec2.on(DescribeSnapshotsCommand).callsFake((input: DescribeSnapshotsCommandInput) => {
      sent.push(structuredClone(input));
      return input.NextToken === 'page-2'
        ? { Snapshots: [{ SnapshotId: SNAP_C, StartTime: new Date('2013-05-28T09:00:00.250Z'), State: 'pending', VolumeId: VOL_B, VolumeSize: 20 }] }
        : {
            Snapshots: [
              { SnapshotId: SNAP_B, StartTime: new Date('2013-05-30T11:37:08Z'), State: 'completed', VolumeId: VOL_A, VolumeSize: 8 },
              { SnapshotId: SNAP_A, StartTime: new Date('2013-05-30T11:37:08Z'), State: 'error', VolumeId: VOL_A, VolumeSize: 8 },
            ],
            NextToken: 'page-2',
          };
    });
    const r = await runCli(['ec2:snapshot:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `${SNAP_C} 2013-05-28T09:00:00Z pending ${VOL_B} 20GiB`,
        `${SNAP_A} 2013-05-30T11:37:08Z error ${VOL_A} 8GiB`,
        `${SNAP_B} 2013-05-30T11:37:08Z completed ${VOL_A} 8GiB`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('task: ec2:snapshot:list\n');
    expect(sent).toEqual([{ OwnerIds: ['self'] }, { OwnerIds: ['self'], NextToken: 'page-2' }]);
  });

  it('prints nothing when there are none, and JSON with --json', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    let r = await runCli(['ec2:snapshot:list']);
    expect(r.stdout).toBe('');
    r = await runCli(['ec2:snapshot:list', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe('ec2:snapshot:delete', () => {
  it('deletes the snapshot and prints nothing', async () => {
    ec2.on(DeleteSnapshotCommand).resolves({});
    const r = await runCli(['ec2:snapshot:delete', SNAP_A]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`task: ec2:snapshot:delete ${SNAP_A}\n`);
    expect(inputs(DeleteSnapshotCommand)).toEqual([{ SnapshotId: SNAP_A }]);
  });

  it('exits 1 with a hint when the snapshot does not exist', async () => {
    ec2.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshot.NotFound', `The snapshot '${SNAP_A}' does not exist.`));
    const r = await runCli(['ec2:snapshot:delete', SNAP_A]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no snapshot ${SNAP_A} in this account (origin-setup ec2:snapshot:list shows your snapshots)`);
  });

  it('explains a snapshot still used by an image', async () => {
    ec2.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshot.InUse', `The snapshot ${SNAP_A} is currently in use by ami-0123456789abcdef0`));
    const r = await runCli(['ec2:snapshot:delete', SNAP_A]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: snapshot ${SNAP_A} is in use: The snapshot ${SNAP_A} is currently in use by ami-0123456789abcdef0 (deregister the image made from it first)`,
    );
  });

  it.each(['vol-0aaaaaaaaaaaaaaaa', 'snap-xyz', 'snap-1234'])('rejects %j with exit 2 and the usage line', async (bad) => {
    const r = await runCli(['ec2:snapshot:delete', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: SNAPSHOT '${bad}': not a snapshot id (snap-0123abcd…)`);
    expect(r.stderr).toContain('usage: origin-setup ec2:snapshot:delete SNAPSHOT');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    ec2.on(DeleteSnapshotCommand).rejects(dryRunOk());
    const r = await runCli(['ec2:snapshot:delete', SNAP_A, '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(DeleteSnapshotCommand)).toEqual([{ SnapshotId: SNAP_A, DryRun: true }]);
    expect(r.stderr).toContain('dry run: DeleteSnapshot: EC2 says the request would succeed');
  });
});

describe('ec2:volume:list', () => {
  it('lists volumes across pages, oldest first, as `id created state size attached-to`', async () => {
    const sent: DescribeVolumesCommandInput[] = [];
    ec2.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => {
      sent.push(structuredClone(input));
      return input.NextToken === 'page-2'
        ? { Volumes: [{ VolumeId: VOL_C, CreateTime: new Date('2013-05-30T12:00:00Z'), State: 'available', Size: 20, Attachments: [] }] }
        : {
            Volumes: [
              {
                VolumeId: VOL_B,
                CreateTime: new Date('2013-05-30T11:37:08Z'),
                State: 'in-use',
                Size: 8,
                Attachments: [{ InstanceId: 'i-0123456789abcdef0', Device: '/dev/sda1', State: 'attached' }],
              },
              {
                VolumeId: VOL_A,
                CreateTime: new Date('2013-05-29T08:00:00Z'),
                State: 'in-use',
                Size: 4,
                MultiAttachEnabled: true,
                Attachments: [{ InstanceId: 'i-0aaaaaaaaaaaaaaaa' }, { InstanceId: 'i-0bbbbbbbbbbbbbbbb' }],
              },
            ],
            NextToken: 'page-2',
          };
    });
    const r = await runCli(['ec2:volume:list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `${VOL_A} 2013-05-29T08:00:00Z in-use 4GiB i-0aaaaaaaaaaaaaaaa,i-0bbbbbbbbbbbbbbbb`,
        `${VOL_B} 2013-05-30T11:37:08Z in-use 8GiB i-0123456789abcdef0`,
        `${VOL_C} 2013-05-30T12:00:00Z available 20GiB -`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('task: ec2:volume:list\n');
    expect(sent).toEqual([{}, { NextToken: 'page-2' }]);
  });
});

describe('ec2:volume:delete', () => {
  it('deletes the volume and prints nothing', async () => {
    ec2.on(DeleteVolumeCommand).resolves({});
    const r = await runCli(['ec2:volume:delete', VOL_C]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`task: ec2:volume:delete ${VOL_C}\n`);
    expect(inputs(DeleteVolumeCommand)).toEqual([{ VolumeId: VOL_C }]);
  });

  it('exits 1 with a hint when the volume does not exist', async () => {
    ec2.on(DeleteVolumeCommand).rejects(awsError('InvalidVolume.NotFound', `The volume '${VOL_C}' does not exist.`));
    const r = await runCli(['ec2:volume:delete', VOL_C]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no volume ${VOL_C} (origin-setup ec2:volume:list shows the volumes)`);
  });

  it('explains an attached volume', async () => {
    ec2.on(DeleteVolumeCommand).rejects(awsError('VolumeInUse', `Volume ${VOL_B} is currently attached to i-0123456789abcdef0`));
    const r = await runCli(['ec2:volume:delete', VOL_B]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: volume ${VOL_B} is in use: Volume ${VOL_B} is currently attached to i-0123456789abcdef0 (detach it, or terminate its instance, first)`,
    );
  });

  it('rejects a malformed id with exit 2 and the usage line', async () => {
    const r = await runCli(['ec2:volume:delete', 'vol-; rm -rf /']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: VOLUME 'vol-; rm -rf /': not a volume id (vol-0123abcd…)");
    expect(r.stderr).toContain('usage: origin-setup ec2:volume:delete VOLUME');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('sends DryRun under --dry-run', async () => {
    ec2.on(DeleteVolumeCommand).rejects(dryRunOk());
    const r = await runCli(['ec2:volume:delete', VOL_C, '--dry-run']);
    expect(r.code).toBe(0);
    expect(inputs(DeleteVolumeCommand)).toEqual([{ VolumeId: VOL_C, DryRun: true }]);
    expect(r.stderr).toContain('dry run: DeleteVolume: EC2 says the request would succeed');
  });
});
