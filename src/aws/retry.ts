// How every AWS call of a run is retried: the SDK's adaptive mode (its retry quota, error
// classification and client-side rate limiter, which slows the client down while AWS
// throttles it), with two things of ours around it:
//
// - a budget per call instead of a fixed number of attempts: a throttled call keeps
//   retrying, with the SDK's jittered exponential backoff, until 60 s of backoff are spent
//   (five throttles in a row used to fail the run). Other retryable failures (5xx,
//   timeouts, a refused connection) still give up after 5 attempts, so a wrong endpoint
//   fails in a second, not a minute;
// - the delays scale with the run's time scale (ORIGIN_SETUP_TIME_SCALE), so tests and
//   benchmarks ride out the same throttling in milliseconds.
//
// A retry resends the request as it was built, so RunInstances keeps its ClientToken and
// EC2 starts one instance however often the launch is retried.
//
// The SDK's retry module is loaded on the first request, never at startup (`list`, `help`).
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';

/** Backoff a throttled call may spend before it fails, in seconds (before scaling). */
export const THROTTLE_BUDGET_SECONDS = 60;
/** Attempts for any other retryable failure (what the clients allowed before). */
export const OTHER_MAX_ATTEMPTS = 5;
/** A hard cap on attempts of one call; the budget normally ends a call long before. */
export const MAX_ATTEMPTS = 50;

export interface RetryOptions {
  /** The run's time scale: 1 in real use. */
  scale: number;
  /** One progress line when calls start retrying (given only when stderr is a terminal). */
  notify?: (line: string) => void;
  /** For tests: the jitter in [0, 1) of each delay. */
  random?: () => number;
  /** For tests: sleeps a backoff, given in ms before scaling. */
  sleep?: (ms: number) => Promise<void>;
}

type SdkRetry = typeof import('@smithy/core/retry');

interface CallState {
  /** Backoff spent on this call so far, in unscaled ms. */
  spentMs: number;
  retried: boolean;
}

/** Builds the adaptive strategy on first use (the SDK's retry module is imported then). */
export class BudgetedRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private inner?: Promise<{ strategy: RetryStrategyV2; sdk: SdkRetry }>;
  private readonly calls = new WeakMap<RetryToken, CallState>();
  /** Calls between their first retry and their end: one line announces the first of them. */
  private retrying = 0;

  constructor(private readonly options: RetryOptions) {}

  private load(): Promise<{ strategy: RetryStrategyV2; sdk: SdkRetry }> {
    this.inner ??= import('@smithy/core/retry').then((sdk) => {
      const scale = this.options.scale;
      const strategy = new sdk.AdaptiveRetryStrategy(MAX_ATTEMPTS, {
        maxAttempts: MAX_ATTEMPTS,
        // The backoff is slept below, where the budget is kept; the SDK's own sleep is 0.
        backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => {} },
        // Its floor rate is 0.5 requests a second; scaled, a throttled test waits ms, not s.
        rateLimiter: new sdk.DefaultRateLimiter({ minFillRate: 0.5 / scale }),
      });
      return { strategy, sdk };
    });
    return this.inner;
  }

  async acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    const token = await (await this.load()).strategy.acquireInitialRetryToken(scope);
    this.calls.set(token, { spentMs: 0, retried: false });
    return token;
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const { strategy, sdk } = await this.load();
    const call = this.calls.get(token) ?? { spentMs: 0, retried: false };
    const throttled = errorInfo.errorType === 'THROTTLING';
    const budgetMs = THROTTLE_BUDGET_SECONDS * 1000;
    const attempts = token.getRetryCount() + 1;
    let next: RetryToken;
    try {
      if (throttled ? call.spentMs >= budgetMs : attempts >= OTHER_MAX_ATTEMPTS) throw new Error('No retry token available');
      // The SDK decides whether the error is retryable at all, charges its quota and waits
      // for its rate limiter.
      next = await strategy.refreshRetryTokenForRetry(token, errorInfo);
    } catch (err) {
      this.end(call);
      throw err;
    }
    // The SDK's backoff: full jitter over base × 2^n, capped; throttling starts from a longer base.
    const base = throttled ? sdk.Retry.throttlingDelay() : sdk.Retry.delay();
    let delayMs = Math.floor((this.options.random ?? Math.random)() * Math.min(base * 2 ** token.getRetryCount(), sdk.MAXIMUM_RETRY_DELAY));
    if (throttled) delayMs = Math.min(delayMs, budgetMs - call.spentMs);
    call.spentMs += delayMs;
    if (!call.retried) {
      call.retried = true;
      if (this.retrying++ === 0) this.announce(errorInfo, throttled);
    }
    this.calls.set(next, call);
    await (this.options.sleep ?? ((d: number) => new Promise((resolve) => setTimeout(resolve, d * this.options.scale))))(delayMs);
    return next;
  }

  recordSuccess(token: StandardRetryToken): void {
    const call = this.calls.get(token);
    if (call) this.end(call);
    // Loaded: no token exists before the strategy was.
    void this.inner?.then(({ strategy }) => strategy.recordSuccess(token));
  }

  private end(call: CallState): void {
    if (call.retried) {
      call.retried = false;
      this.retrying = Math.max(0, this.retrying - 1);
    }
  }

  private announce(errorInfo: RetryErrorInfo, throttled: boolean): void {
    const name = (errorInfo.error as { name?: string } | undefined)?.name ?? 'an error';
    this.options.notify?.(
      throttled
        ? `AWS is throttling requests (${name}): retrying for up to ${THROTTLE_BUDGET_SECONDS}s`
        : `AWS answered ${name}: retrying (${OTHER_MAX_ATTEMPTS} attempts at most)`,
    );
  }
}
