// The retry budget on its own: the SDK's adaptive strategy decides what is retryable; ours
// keeps a throttled call going for 60 s of backoff and others for 5 attempts. The time
// scale is tiny here, so the sleeps take no time; the budget is counted before scaling.
import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { BudgetedRetryStrategy, OTHER_MAX_ATTEMPTS, THROTTLE_BUDGET_SECONDS } from '../../../src/aws/retry.js';

const throttle: RetryErrorInfo = {
  errorType: 'THROTTLING',
  error: Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $metadata: {} }) as never,
};
const transient: RetryErrorInfo = { errorType: 'TRANSIENT', error: Object.assign(new Error('boom'), { name: 'InternalError', $metadata: {} }) as never };
const client: RetryErrorInfo = { errorType: 'CLIENT_ERROR', error: Object.assign(new Error('no'), { name: 'InvalidParameterValue', $metadata: {} }) as never };

/** Retries until the strategy refuses; returns how many it allowed. */
async function retries(strategy: BudgetedRetryStrategy, error: RetryErrorInfo): Promise<number> {
  let token = (await strategy.acquireInitialRetryToken('')) as StandardRetryToken;
  let n = 0;
  for (;;) {
    try {
      token = (await strategy.refreshRetryTokenForRetry(token, error)) as StandardRetryToken;
      n++;
    } catch {
      return n;
    }
  }
}

describe('BudgetedRetryStrategy', () => {
  it('retries a throttled call until 60 s of backoff are spent: 7 retries at the longest jitter', async () => {
    const delays: number[] = [];
    const strategy = new BudgetedRetryStrategy({ scale: 1e-6, random: () => 0.999999, sleep: async (ms) => void delays.push(ms) });
    expect(await retries(strategy, throttle)).toBe(7);
    // 1, 2, 4, 8, 16, 20 s (the SDK's cap), then what is left of the 60 s.
    expect(delays.map((d) => Math.round(d / 1000))).toEqual([1, 2, 4, 8, 16, 20, 9]);
    expect(Math.round(delays.reduce((a, b) => a + b, 0) / 1000)).toBe(THROTTLE_BUDGET_SECONDS);
  });

  it('survives at least six throttles in a row whatever the jitter', async () => {
    for (const r of [0.999999, 0.5, 0.1]) {
      expect(await retries(new BudgetedRetryStrategy({ scale: 1e-6, random: () => r }), throttle)).toBeGreaterThanOrEqual(6);
    }
  });

  it('gives other retryable failures 5 attempts, and none to a client error', async () => {
    expect(await retries(new BudgetedRetryStrategy({ scale: 1e-6 }), transient)).toBe(OTHER_MAX_ATTEMPTS - 1);
    expect(await retries(new BudgetedRetryStrategy({ scale: 1e-6 }), client)).toBe(0);
  });

  it('announces retrying once while calls retry, and again after they have succeeded', async () => {
    const lines: string[] = [];
    const strategy = new BudgetedRetryStrategy({ scale: 1e-6, notify: (l) => lines.push(l) });
    const a = await strategy.acquireInitialRetryToken('');
    const b = await strategy.acquireInitialRetryToken('');
    const a1 = await strategy.refreshRetryTokenForRetry(a as StandardRetryToken, throttle);
    const b1 = await strategy.refreshRetryTokenForRetry(b as StandardRetryToken, throttle);
    await strategy.refreshRetryTokenForRetry(a1 as StandardRetryToken, throttle);
    expect(lines).toEqual(['AWS is throttling requests (RequestLimitExceeded): retrying for up to 60s']);
    strategy.recordSuccess(b1 as StandardRetryToken);
    strategy.recordSuccess(a1 as StandardRetryToken);
    const c = await strategy.acquireInitialRetryToken('');
    await strategy.refreshRetryTokenForRetry(c as StandardRetryToken, throttle);
    expect(lines).toHaveLength(2);
  });
});
