/** Exponential back-off with full jitter. */

export interface BackoffOptions {
  /** First delay, ms. */
  baseMs: number;
  /** Cap, ms. */
  maxMs: number;
  /** Random source in [0,1) (tests). */
  random?: () => number;
}

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt - 1));
  const r = (o.random ?? Math.random)();
  return Math.floor(ceiling / 2 + (ceiling / 2) * r);
}
