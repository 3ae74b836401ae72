// Moving an instance between states and waiting for a state, written once for
// ec2:instance:create/start/stop/delete --wait and ec2:instance:wait.
import type { DescribeInstancesCommandOutput, Instance } from '@aws-sdk/client-ec2';
import type { TaskContext } from '../engine/context.js';
import { OriginError } from '../engine/errors.js';
import { poll } from '../engine/wait.js';
import { dryRun, mutate, tagValue } from './ec2.js';
import { runWaiter } from './waiters.js';

export const WAIT_STATES = ['pending', 'running', 'stopped', 'terminated'] as const;
export type WaitState = (typeof WAIT_STATES)[number];

/** `i-0abc (web)`, or the bare id when the instance has no Name tag. */
export function instanceLabel(instance: Instance): string {
  const name = tagValue(instance.Tags, 'Name');
  return name ? `${instance.InstanceId} (${name})` : instance.InstanceId!;
}

/** Why an instance is in its state, as AWS words it, when it says. */
export function stateReason(instance: Instance): string | undefined {
  return instance.StateReason?.Message || instance.StateTransitionReason || undefined;
}

async function describeOne(ctx: Pick<TaskContext, 'aws'>, instanceId: string): Promise<Instance | undefined> {
  const { client, sdk } = await ctx.aws.ec2();
  try {
    const out = await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
  } catch (err) {
    if ((err as Error).name === 'InvalidInstanceID.NotFound') return undefined;
    throw err;
  }
}

async function whereItStands(ctx: Pick<TaskContext, 'aws'>, instanceId: string): Promise<string> {
  const now = await describeOne(ctx, instanceId);
  if (!now) return 'EC2 does not know it (yet)';
  const reason = stateReason(now);
  return `it is ${now.State?.Name ?? 'in no state'}${reason ? ` (${reason})` : ''}`;
}

/**
 * Waits until the instance is in `state`, using the SDK's waiter where there is one.
 * Those waiters give up as soon as the instance reaches a state from which the wanted
 * one cannot come (terminated while waiting for running, for instance); the error says
 * which state that was and why AWS put it there. Returns the state reached.
 */
export async function waitForInstanceState(
  ctx: Pick<TaskContext, 'aws' | 'live' | 'log' | 'settings' | 'signal'>,
  instanceId: string,
  label: string,
  state: WaitState,
  timeoutSeconds: number,
): Promise<WaitState> {
  const { client, sdk } = await ctx.aws.ec2();
  const input = { InstanceIds: [instanceId] };
  const what = `${label} to be ${state}`;
  const describeNow = () => whereItStands(ctx, instanceId);
  const phaseOf = (out: unknown) => {
    const now = (out as DescribeInstancesCommandOutput).Reservations?.[0]?.Instances?.[0]?.State?.Name;
    return now ? `${now} → ${state}` : undefined;
  };
  const run = { client, what, timeoutSeconds, minDelaySeconds: 5, maxDelaySeconds: 30, describeNow, phaseOf };
  ctx.log.verbose(`waiting up to ${timeoutSeconds}s for ${what}`);
  const started = Date.now();
  switch (state) {
    case 'running':
      await runWaiter(ctx, run, (config) => sdk.waitUntilInstanceRunning(config, input));
      break;
    case 'stopped':
      await runWaiter(ctx, run, (config) => sdk.waitUntilInstanceStopped(config, input));
      break;
    case 'terminated':
      await runWaiter(ctx, run, (config) => sdk.waitUntilInstanceTerminated(config, input));
      break;
    case 'pending':
      await waitForPending(ctx, instanceId, what, timeoutSeconds);
      break;
  }
  ctx.log.verbose(`${label} is ${state} after ${((Date.now() - started) / 1000 / ctx.settings.timeScale).toFixed(0)}s`);
  return state;
}

/** EC2 has no waiter for pending; only a stopped (or new) instance can get there. */
async function waitForPending(
  ctx: Pick<TaskContext, 'aws' | 'live' | 'settings' | 'signal'>,
  instanceId: string,
  what: string,
  timeoutSeconds: number,
): Promise<void> {
  const live = ctx.live(`waiting for ${what}`);
  await poll(
    {
      live,
      what,
      timeoutSeconds,
      delaySeconds: 2,
      maxDelaySeconds: 15,
      scale: ctx.settings.timeScale,
      signal: ctx.signal,
      hint: 'pass a longer --timeout, or start the instance',
    },
    async () => {
      const now = await describeOne(ctx, instanceId);
      const name = now?.State?.Name;
      if (name) live.phase(`${name} → pending`);
      if (name === 'pending') return name;
      if (now && (name === 'shutting-down' || name === 'terminated')) {
        const reason = stateReason(now);
        throw new OriginError(`gave up waiting for ${what}: it is ${name}${reason ? ` (${reason})` : ''}, from which it cannot get there`);
      }
      return undefined;
    },
  );
}

export async function startInstance(ctx: Pick<TaskContext, 'aws' | 'dryRun'>, instanceId: string): Promise<string | undefined> {
  const { client, sdk } = await ctx.aws.ec2();
  const out = await mutate(ctx, 'StartInstances', () => client.send(new sdk.StartInstancesCommand({ InstanceIds: [instanceId], ...dryRun(ctx) })));
  return out.StartingInstances?.[0]?.CurrentState?.Name;
}

export async function stopInstance(ctx: Pick<TaskContext, 'aws' | 'dryRun'>, instanceId: string): Promise<string | undefined> {
  const { client, sdk } = await ctx.aws.ec2();
  const out = await mutate(ctx, 'StopInstances', () => client.send(new sdk.StopInstancesCommand({ InstanceIds: [instanceId], ...dryRun(ctx) })));
  return out.StoppingInstances?.[0]?.CurrentState?.Name;
}

export async function terminateInstance(ctx: Pick<TaskContext, 'aws' | 'dryRun'>, instanceId: string): Promise<string | undefined> {
  const { client, sdk } = await ctx.aws.ec2();
  const out = await mutate(ctx, 'TerminateInstances', () => client.send(new sdk.TerminateInstancesCommand({ InstanceIds: [instanceId], ...dryRun(ctx) })));
  return out.TerminatingInstances?.[0]?.CurrentState?.Name;
}
