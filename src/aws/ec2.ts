// Small helpers every ec2 task shares: sending with EC2's own DryRun, and tags.
import type { Tag } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { DryRunStop } from '../engine/errors.js';

/** The DryRun field for a mutating EC2 request: set only under --dry-run. */
export function dryRun(ctx: Pick<TaskContext, 'dryRun'>): { DryRun?: boolean } {
  return ctx.dryRun ? { DryRun: true } : {};
}

/**
 * Runs a mutating EC2 call. Under --dry-run EC2 answers DryRunOperation when the call
 * would have succeeded; that ends the run successfully, having changed nothing.
 * The context is not read: it names the --dry-run this answer belongs to, and keeps the
 * call sites the same as dryRun(ctx) beside them.
 */
export async function mutate<T>(ctx: Pick<TaskContext, 'dryRun'>, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if ((err as { name?: string }).name === 'DryRunOperation') {
      throw new DryRunStop(`${action}: EC2 says the request would succeed; nothing was changed`);
    }
    throw err;
  }
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
