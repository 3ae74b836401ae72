// Waiting with a deadline, written once. Delays are multiplied by the run's time scale
// (1 in real use) and every sleep ends early when the run is interrupted. Flows that run
// several branches at once share one Deadline and settle the branches with settleAll.
import { InterruptedError, TimeoutError } from './errors.js';
import type { LiveStatus } from './live.js';

export function sleep(seconds: number, scale: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, seconds * scale * 1000),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PollOptions {
  /** What is awaited, for the timeout message: "change C123 to be INSYNC". */
  what: string;
  timeoutSeconds: number;
  /** First delay between attempts; grows by `factor` up to `maxDelaySeconds`. */
  delaySeconds: number;
  maxDelaySeconds?: number;
  factor?: number;
  scale: number;
  signal?: AbortSignal;
  /** A hint for the timeout error. */
  hint?: string;
  /** The wait's live line at a terminal (ctx.live); poll ends it. */
  live?: LiveStatus;
}

/**
 * Calls `attempt` until it returns a value other than undefined, sleeping between
 * attempts with backoff, and throws TimeoutError when the deadline passes. The deadline
 * covers the attempts too: `secondsLeft` (unscaled, like timeoutSeconds) is what an
 * attempt that can block (a connect) may spend at most.
 */
export async function poll<T>(options: PollOptions, attempt: (n: number, secondsLeft: () => number) => Promise<T | undefined>): Promise<T> {
  try {
    return await pollUntil(options, attempt);
  } finally {
    options.live?.end();
  }
}

async function pollUntil<T>(options: PollOptions, attempt: (n: number, secondsLeft: () => number) => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * options.scale * 1000;
  const secondsLeft = () => Math.max(0, (deadline - Date.now()) / 1000 / options.scale);
  let delay = options.delaySeconds;
  for (let n = 1; ; n++) {
    if (options.signal?.aborted) throw new InterruptedError();
    const value = await attempt(n, secondsLeft);
    if (value !== undefined) return value;
    const remaining = (deadline - Date.now()) / 1000 / options.scale;
    if (remaining <= 0) {
      throw new TimeoutError(`timed out after ${options.timeoutSeconds}s waiting for ${options.what}`, {
        hint: options.hint,
      });
    }
    await sleep(Math.min(delay, remaining), options.scale, options.signal);
    delay = Math.min(delay * (options.factor ?? 1.5), options.maxDelaySeconds ?? delay * (options.factor ?? 1.5));
  }
}

/** An overall timeout shared by several waits in a row (origin:baseinstance's --timeout). */
export class Deadline {
  private readonly end: number;
  constructor(
    private readonly seconds: number,
    private readonly scale: number,
  ) {
    this.end = Date.now() + seconds * scale * 1000;
  }
  /** Whole seconds left (at least 1), for a sub-task's --timeout; throws once it has passed. */
  remaining(what: string): number {
    const left = (this.end - Date.now()) / 1000 / this.scale;
    if (left <= 0) {
      throw new TimeoutError(`timed out after ${this.seconds}s before ${what}`, { hint: 'pass a longer --timeout' });
    }
    return Math.max(1, Math.ceil(left));
  }
}

/**
 * Waits for every promise, even after one fails, so that nothing a run started is
 * still creating resources when the engine rolls back; `onFailure` cancels the waits
 * that can be cancelled. Throws the first real failure (not the cancellations it caused).
 */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }, onFailure: () => void = () => {}): Promise<T> {
  let first: unknown;
  let failed = false;
  const watched = promises.map((p) =>
    p.catch((err: unknown) => {
      if (!failed) {
        failed = true;
        first = err;
        onFailure();
      } else if (first instanceof InterruptedError && !(err instanceof InterruptedError)) {
        first = err;
      }
      throw err;
    }),
  );
  await Promise.allSettled(watched);
  if (failed) throw first;
  // Every one has fulfilled by now: this gives their values in order, at once.
  return Promise.all(promises);
}

/**
 * A copy of a context whose signal also ends on `cancel()`: for the waits of one branch
 * of a flow, so they stop when a sibling branch fails (settleAll's onFailure).
 */
export function cancellable<C extends { readonly signal: AbortSignal }>(ctx: C): { ctx: C; cancel: () => void } {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  if (ctx.signal.aborted) cancel();
  else ctx.signal.addEventListener('abort', cancel, { once: true });
  return { ctx: { ...ctx, signal: controller.signal }, cancel };
}
