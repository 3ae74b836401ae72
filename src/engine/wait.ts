// Waiting with a deadline, written once. Delays are multiplied by the run's time scale
// (1 in real use) and every sleep ends early when the run is interrupted.
import { InterruptedError, TimeoutError } from './errors.js';
import type { LiveStatus } from './live.js';

export function sleep(seconds: number, scale: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, seconds * scale * 1000));
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
