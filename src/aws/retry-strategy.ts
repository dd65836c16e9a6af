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
export function standardBackoffMs(errorInfo: RetryErrorInfo, retryCount: number, random: () => number = Math.random): number {
  const base = errorInfo.errorType === 'THROTTLING' ? Retry.throttlingDelay() : Retry.delay();
  const backoff = Math.floor(random() * Math.min(base * 2 ** retryCount, MAXIMUM_RETRY_DELAY));
  // A Retry-After hint lengthens the wait, by at most 5 s (as the SDK bounds it).
  const hint = errorInfo.retryAfterHint instanceof Date ? errorInfo.retryAfterHint.getTime() - Date.now() : 0;
  return Math.max(backoff, Math.min(hint, backoff + 5_000));
}

export class ClockRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  /** Decides and accounts each retry; its own wait is zero (its back-off answers 0). */
  private readonly standard: StandardRetryStrategy;

  constructor(maxAttempts: number) {
    this.standard = new StandardRetryStrategy({ maxAttempts, backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined } });
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<StandardRetryToken> {
    return this.standard.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    // Without the hint: the standard strategy would wait for it on its own timer.
    const next = await this.standard.refreshRetryTokenForRetry(token, { ...errorInfo, retryAfterHint: undefined });
    await sleep(standardBackoffMs(errorInfo, token.getRetryCount()));
    return next;
  }

  recordSuccess(token: StandardRetryToken): void {
    this.standard.recordSuccess(token);
  }
}
