// Finding an instance by id or Name tag, written once for every task that takes
// --id/--name or an INSTANCE argument.
import type { Instance } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { NotFoundError, UsageError } from '../engine/errors.js';
import { instanceId } from '../engine/validate.js';
import { tagValue } from './ec2.js';

export interface InstanceSelector {
  id?: string;
  name?: string;
}

/** Live states: a terminated instance keeps its Name tag but is never the one meant. */
export const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

export async function findInstance(ctx: Pick<TaskContext, 'aws'>, sel: InstanceSelector): Promise<Instance> {
  const { client, sdk } = await ctx.aws.ec2();
  if (sel.id) {
    try {
      const out = await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [sel.id] }));
      const found = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
      if (found) return found;
    } catch (err) {
      if (!/InvalidInstanceID\.(NotFound|Malformed)/.test((err as Error).name)) throw err;
    }
    throw new NotFoundError(`no instance ${sel.id}`, { hint: 'origin-setup ec2:instance:list shows the instances' });
  }
  if (!sel.name) throw new UsageError('give the instance with --id ID or --name NAME');
  // A --name may use EC2's wildcards here: every instance it matches counts.
  const matches = await liveInstancesNamed(ctx, sel.name, { exact: false });
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const list = matches.map((i) => `${i.InstanceId} (${tagValue(i.Tags, 'Name')}, ${i.State?.Name})`).join(', ');
    throw new NotFoundError(`name '${sel.name}' matches ${matches.length} instances: ${list}`, { hint: 'use --id' });
  }
  const names = await liveInstanceNames(ctx);
  throw new NotFoundError(`no instance named '${sel.name}'`, {
    hint: names.length ? `instances: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}` : 'there are no live instances',
  });
}

/**
 * The instances in `states` (default: every live state) whose Name tag is `name`. EC2's
 * filter treats * and ? as wildcards; `exact` (the default) keeps only the exact name.
 */
export async function liveInstancesNamed(
  ctx: Pick<TaskContext, 'aws'>,
  name: string,
  o: { states?: readonly string[]; exact?: boolean } = {},
): Promise<Instance[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const found: Instance[] = [];
  for await (const page of sdk.paginateDescribeInstances(
    { client },
    {
      Filters: [
        { Name: 'tag:Name', Values: [name] },
        { Name: 'instance-state-name', Values: [...(o.states ?? LIVE_STATES)] },
      ],
    },
  )) {
    for (const r of page.Reservations ?? []) found.push(...(r.Instances ?? []));
  }
  return o.exact === false ? found : found.filter((i) => tagValue(i.Tags, 'Name') === name);
}

/** An INSTANCE argument may be an id or a Name tag. */
export async function resolveInstanceId(ctx: Pick<TaskContext, 'aws'>, idOrName: string): Promise<string> {
  if (!instanceId(idOrName)) return idOrName;
  return (await findInstance(ctx, { name: idOrName })).InstanceId!;
}

async function liveInstanceNames(ctx: Pick<TaskContext, 'aws'>): Promise<string[]> {
  const { client, sdk } = await ctx.aws.ec2();
  const names: string[] = [];
  for await (const page of sdk.paginateDescribeInstances({ client }, { Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }] })) {
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) names.push(tagValue(i.Tags, 'Name') ?? i.InstanceId!);
    }
  }
  return names.sort();
}
