import { afterEach, describe, expect, it } from 'vitest';
import { COMPLETION_THROTTLING_BASE_MS, ClockRetryStrategy, standardBackoffMs } from '../../src/aws/retry-strategy.js';
import { setClockSource } from '../../src/time/clock.js';

const throttled = { errorType: 'THROTTLING' as const };
const transient = { errorType: 'TRANSIENT' as const };

function recordSleeps(): number[] {
  const slept: number[] = [];
  setClockSource(Date.now, async (ms) => {
    slept.push(ms);
  });
  return slept;
}

afterEach(() => setClockSource(Date.now));

describe('the SDK standard retry strategy waiting on the clock source', () => {
  it('waits the standard jittered back-off (throttling base 1 s, doubling) through sleep(), not a timer of its own', async () => {
    const slept = recordSleeps();
    const strategy = new ClockRetryStrategy(6);
    let token = await strategy.acquireInitialRetryToken('');
    for (let i = 0; i < 3; i++) token = await strategy.refreshRetryTokenForRetry(token, throttled);
    expect(token.getRetryCount()).toBe(3);
    expect(slept).toHaveLength(3);
    slept.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(1_000 * 2 ** i);
    });
    expect(token.getRetryDelay()).toBe(0);
  });

  it('CompleteLifecycleAction: the same strategy with a throttling base of 250 ms (still doubling, jittered, bounded)', async () => {
    const slept = recordSleeps();
    const strategy = new ClockRetryStrategy(6, COMPLETION_THROTTLING_BASE_MS);
    let token = await strategy.acquireInitialRetryToken('');
    for (let i = 0; i < 5; i++) token = await strategy.refreshRetryTokenForRetry(token, throttled);
    await expect(strategy.refreshRetryTokenForRetry(token, throttled)).rejects.toThrow(/No retry token/);
    expect(slept).toHaveLength(5);
    slept.forEach((ms, i) => {
      expect(ms).toBeLessThan(250 * 2 ** i);
    });
    expect(standardBackoffMs(throttled, 2, () => 0.5, COMPLETION_THROTTLING_BASE_MS)).toBe(500);
    expect(standardBackoffMs(transient, 1, () => 0.5, COMPLETION_THROTTLING_BASE_MS)).toBe(50);
  });

  it('keeps the standard decisions: a client error is not retried, attempts are bounded, no wait for a refused retry', async () => {
    const slept = recordSleeps();
    const strategy = new ClockRetryStrategy(3);
    const first = await strategy.acquireInitialRetryToken('');
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' })).rejects.toThrow(/No retry token/);
    let token = await strategy.refreshRetryTokenForRetry(first, transient);
    token = await strategy.refreshRetryTokenForRetry(token, transient);
    await expect(strategy.refreshRetryTokenForRetry(token, transient)).rejects.toThrow(/No retry token/);
    expect(slept).toHaveLength(2);
  });

  it('the back-off: random share of base × 2^retries, capped at 20 s; a Retry-After hint lengthens it by at most 5 s', () => {
    expect(standardBackoffMs(throttled, 0, () => 0.5)).toBe(500);
    expect(standardBackoffMs(throttled, 2, () => 0.5)).toBe(2_000);
    expect(standardBackoffMs(transient, 1, () => 0.5)).toBe(50);
    expect(standardBackoffMs(throttled, 10, () => 0.999)).toBe(19_980);
    const hint = new Date(Date.now() + 60_000);
    expect(standardBackoffMs({ ...throttled, retryAfterHint: hint }, 0, () => 0.5)).toBe(5_500);
  });
});
