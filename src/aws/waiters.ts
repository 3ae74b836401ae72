// Running an AWS SDK waiter the way every task wants it: delays scaled by the run's time
// scale, the deadline from --timeout, Ctrl-C honoured, and the SDK's JSON-in-a-message
// errors turned into one line that says what was awaited and where it stands now.
import type { TaskContext } from '../engine/context.js';
import { InterruptedError, OriginError, TimeoutError } from '../engine/errors.js';

export interface WaitConfig<C> {
  client: C;
  minDelay: number;
  maxDelay: number;
  maxWaitTime: number;
  abortSignal: AbortSignal;
}

export interface WaiterRun<C> {
  client: C;
  /** What is awaited, for messages: "i-0abc (web) to be running". */
  what: string;
  timeoutSeconds: number;
  /** Real-time delays between polls, before scaling; the SDK backs off between them. */
  minDelaySeconds: number;
  maxDelaySeconds: number;
  /**
   * Where the resource stands now, with the reason AWS gives for it, for the timeout
   * and failure messages: "it is terminated (Server.InternalError: …)".
   */
  describeNow: () => Promise<string>;
  /** Where a poll's answer says the resource stands (`pending`), for the live line. */
  phaseOf?: (output: unknown) => string | undefined;
}

export function waiterConfig<C>(
  ctx: Pick<TaskContext, 'settings' | 'signal'>,
  run: Pick<WaiterRun<C>, 'client' | 'timeoutSeconds' | 'minDelaySeconds' | 'maxDelaySeconds'>,
): WaitConfig<C> {
  const scale = ctx.settings.timeScale;
  // The SDK insists the first delay is shorter than the whole wait.
  const min = Math.min(run.minDelaySeconds, run.timeoutSeconds / 4);
  return {
    client: run.client,
    minDelay: min * scale,
    maxDelay: Math.max(min, run.maxDelaySeconds) * scale,
    maxWaitTime: run.timeoutSeconds * scale,
    abortSignal: ctx.signal,
  };
}

/**
 * Runs `waiter` (an `sdk.waitUntilX` bound to its input). The SDK reports a timeout
 * and an abort by error name, and a failure acceptor (e.g. "terminated" while waiting
 * for "running") as a plain Error whose message is the JSON of the result.
 */
export async function runWaiter<C>(
  ctx: Pick<TaskContext, 'live' | 'settings' | 'signal'>,
  run: WaiterRun<C>,
  waiter: (config: WaitConfig<C>) => Promise<unknown>,
): Promise<void> {
  const live = ctx.live(`waiting for ${run.what}`);
  try {
    await waiter(waiterConfig(ctx, { ...run, client: watched(run.client, run.phaseOf, (text) => live.phase(text)) }));
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'AbortError' || ctx.signal.aborted) throw new InterruptedError();
    if (name === 'TimeoutError') {
      throw new TimeoutError(`timed out after ${run.timeoutSeconds}s waiting for ${run.what}; ${await run.describeNow()}`, {
        hint: 'pass a longer --timeout, or check the resource in the console',
      });
    }
    if (waiterState(err) === 'FAILURE') {
      throw new OriginError(`gave up waiting for ${run.what}: ${await run.describeNow()}, from which it cannot get there`);
    }
    throw err;
  } finally {
    live.end();
  }
}

/**
 * The client as the waiter sees it: every answer the waiter polls for also tells the live
 * line where the resource stands (the SDK's waiters report nothing until they end).
 */
function watched<C>(client: C, phaseOf: ((output: unknown) => string | undefined) | undefined, phase: (text: string) => void): C {
  if (!phaseOf) return client;
  const send = (client as { send: (...a: unknown[]) => Promise<unknown> }).send.bind(client);
  return Object.create(client as object, {
    send: {
      value: async (...args: unknown[]) => {
        const out = await send(...args);
        const now = phaseOf(out);
        if (now) phase(now);
        return out;
      },
    },
  }) as C;
}

function waiterState(err: unknown): string | undefined {
  try {
    return (JSON.parse((err as Error).message) as { state?: string }).state;
  } catch {
    return undefined;
  }
}
