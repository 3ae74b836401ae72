// Reading, setting and removing one tag of an EC2 resource (image, instance, …): the
// get/set/delete behaviour of the ec2:*:tag tasks, written once.
import type { Tag } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError } from '../engine/errors.js';
import { dryRun, mutate, tagValue } from './ec2.js';

export interface TaggedResource {
  id: string;
  /** For messages: `ami-0abc (web-base)`. */
  label: string;
  tags: readonly Tag[] | undefined;
}

export type TagOperation = { kind: 'get' } | { kind: 'set'; value: string } | { kind: 'remove' };

export interface TagResult {
  id: string;
  tag: string;
  /** The value read or written; absent after a removal. */
  value?: string;
  action: 'get' | 'set' | 'remove';
}

export async function applyTag(ctx: Pick<TaskContext, 'aws' | 'dryRun' | 'log'>, resource: TaggedResource, tag: string, op: TagOperation): Promise<TagResult> {
  if (op.kind === 'get') {
    const value = tagValue(resource.tags, tag);
    if (value === undefined) {
      const keys = (resource.tags ?? []).map((t) => t.Key).sort();
      throw new NotFoundError(`${resource.label} has no tag '${tag}'`, {
        hint: keys.length ? `its tags: ${keys.join(', ')}` : 'it has no tags',
      });
    }
    return { id: resource.id, tag, value, action: 'get' };
  }
  const { client, sdk } = await ctx.aws.ec2();
  if (op.kind === 'set') {
    await mutate(ctx, 'CreateTags', () =>
      client.send(new sdk.CreateTagsCommand({ Resources: [resource.id], Tags: [{ Key: tag, Value: op.value }], ...dryRun(ctx) })),
    );
    ctx.log.verbose(`${resource.label}: ${tag} = '${op.value}'`);
    return { id: resource.id, tag, value: op.value, action: 'set' };
  }
  await mutate(ctx, 'DeleteTags', () => client.send(new sdk.DeleteTagsCommand({ Resources: [resource.id], Tags: [{ Key: tag }], ...dryRun(ctx) })));
  ctx.log.verbose(`${resource.label}: removed tag ${tag}`);
  return { id: resource.id, tag, action: 'remove' };
}

/** Only a read prints a value: `V=$(origin-setup ec2:image:tag --id ami-… --tag owner)`. */
export function renderTagResult(result: TagResult): string | undefined {
  return result.action === 'get' ? result.value : undefined;
}
