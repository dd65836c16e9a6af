/**
 * The SDK's standard retry strategy (which errors are retried, how many
 * attempts, the client-side retry quota, its jittered exponential back-off
 * and bases) with the back-off waited on the control plane's clock
 * (src/time/clock.ts) instead of a timer inside the SDK: on Lambda the same
 * wait, in the simulator a wait in sim time, like every other back-off of the
 * control plane (a timer of a loaded test machine fires late, and that
 * lateness was charged to the control plane as if AWS had taken it).
 */
import { MAXIMUM_RETRY_DELAY, Retry, StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import { sleep } from '../time/clock.js';

/** How long the SDK's standard strategy waits before retry `retryCount + 1` of an error of this type. */
export function standardBackoffMs(
  errorInfo: RetryErrorInfo,
  retryCount: number,
  random: () => number = Math.random,
  throttlingBaseMs: number = Retry.throttlingDelay(),
): number {
  const base = errorInfo.errorType === 'THROTTLING' ? throttlingBaseMs : Retry.delay();
  const backoff = Math.floor(random() * Math.min(base * 2 ** retryCount, MAXIMUM_RETRY_DELAY));
  // A Retry-After hint lengthens the wait, by at most 5 s (as the SDK bounds it).
  const hint = errorInfo.retryAfterHint instanceof Date ? errorInfo.retryAfterHint.getTime() - Date.now() : 0;
  return Math.max(backoff, Math.min(hint, backoff + 5_000));
}

export class ClockRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  /** Decides and accounts each retry; its own wait is zero (its back-off answers 0). */
  private readonly standard: StandardRetryStrategy;

  /** `throttlingBaseMs`: the base of the throttling back-off (default the SDK's); see {@link COMPLETION_THROTTLING_BASE_MS}. */
  constructor(
    maxAttempts: number,
    private readonly throttlingBaseMs: number = Retry.throttlingDelay(),
  ) {
    this.standard = new StandardRetryStrategy({ maxAttempts, backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined } });
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<StandardRetryToken> {
    return this.standard.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    // Without the hint: the standard strategy would wait for it on its own timer.
    const next = await this.standard.refreshRetryTokenForRetry(token, { ...errorInfo, retryAfterHint: undefined });
    await sleep(standardBackoffMs(errorInfo, token.getRetryCount(), Math.random, this.throttlingBaseMs));
    return next;
  }

  recordSuccess(token: StandardRetryToken): void {
    this.standard.recordSuccess(token);
  }
}

/**
 * The throttling back-off base of CompleteLifecycleAction alone (the SDK's is
 * 1 s; it was 500 ms before the SDK's 2026 retry update). The completion is
 * one idempotent call per instance, made once its drain is done, never
 * polled: its rate is bounded by the drains that finish, so a shorter first
 * wait adds next to no load on the account's Auto Scaling request bucket,
 * while every second of it keeps a drained instance (and its bill) waiting.
 * The back-off stays exponential with full jitter, and the SDK's retry
 * quota still stops retry storms: 250, 500, 1000, 2000, 4000 ms (≤ 7.75 s
 * over the 5 retries, then the state machine's wait-and-loop). With 20 % of
 * calls throttled at random, the 1 s base alone put the p99 of drain done →
 * completed over 2 s in about half of the 50-drain bursts (README "Speed").
 */
export const COMPLETION_THROTTLING_BASE_MS = 250;
