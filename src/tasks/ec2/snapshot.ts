// ec2:snapshot:* — this account's EBS snapshots.
import { deleteSnapshot, listSnapshots } from '../../aws/ebs.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { snapshotId } from './options.js';

export const snapshotList = defineTask({
  name: 'ec2:snapshot:list',
  summary: 'list your snapshots: `id start-time state volume size`',
  args: [],
  options: {},
  example: 'origin-setup ec2:snapshot:list',
  run: (ctx) => listSnapshots(ctx),
  render: (ss) => ss.map((s) => `${s.id} ${s.started} ${s.state} ${s.volumeId} ${s.sizeGiB}GiB`).join('\n') || undefined,
});

export const snapshotDelete = defineTask({
  name: 'ec2:snapshot:delete',
  summary: 'delete one of your snapshots',
  args: [{ name: 'snapshot', description: 'snapshot id (snap-…)', validate: snapshotId }],
  options: {},
  example: 'origin-setup ec2:snapshot:delete snap-0123456789abcdef0',
  async run(ctx, { snapshot }) {
    await deleteSnapshot(ctx, snapshot);
    return { id: snapshot };
  },
  render: () => undefined,
});

export const snapshotTasks: SomeTask[] = [snapshotList, snapshotDelete];
