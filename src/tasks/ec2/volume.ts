// ec2:volume:* — EBS volumes.
import { deleteVolume, listVolumes } from '../../aws/ebs.js';
import { defineTask, type SomeTask } from '../../engine/task.js';
import { volumeId } from './options.js';

export const volumeList = defineTask({
  name: 'ec2:volume:list',
  summary: 'list the volumes: `id created state size attached-to` (- when detached)',
  args: [],
  options: {},
  example: 'origin-setup ec2:volume:list',
  run: (ctx) => listVolumes(ctx),
  render: (vs) => vs.map((v) => `${v.id} ${v.created} ${v.state} ${v.sizeGiB}GiB ${v.attachedTo.join(',') || '-'}`).join('\n') || undefined,
});

export const volumeDelete = defineTask({
  name: 'ec2:volume:delete',
  summary: 'delete a volume that is not attached',
  args: [{ name: 'volume', description: 'volume id (vol-…)', validate: volumeId }],
  options: {},
  example: 'origin-setup ec2:volume:delete vol-0123456789abcdef0',
  async run(ctx, { volume }) {
    await deleteVolume(ctx, volume);
    return { id: volume };
  },
  render: () => undefined,
});

export const volumeTasks: SomeTask[] = [volumeList, volumeDelete];
