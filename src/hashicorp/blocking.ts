/** Blocking-query parameters shared by the Nomad and Consul clients. */
import type { RequestOptions } from '../http/client.js';
import { toGoSeconds } from '../time/duration.js';

/** A blocking read: return when the result changes past `index`, or after `waitMs`. */
export interface Block {
  index: number;
  waitMs: number;
}

/** A read result with the index to block on next. */
export interface Indexed<T> {
  value: T;
  index: number;
}

/** Extra time a blocking read may take beyond its `wait` (servers add up to wait/16 jitter: ≤ 18.75 s for 5 minutes). */
export const BLOCKING_MARGIN_MS = 30_000;
/**
 * The longest blocking wait each product honours: Nomad cuts any wait to
 * 5 minutes (`MaxBlockingRPCQueryTime`), Consul to 10 (`MaxQueryTime`); both
 * then add up to 1/16 of jitter.
 */
export const MAX_WAIT_MS = { nomad: 5 * 60_000, consul: 10 * 60_000 } as const;
/**
 * The workflows' longest blocking wait: Nomad's and Consul's default of 5
 * minutes, so a watcher wakes (and heartbeats) at least that often.
 */
export const WORKFLOW_WAIT_MS = 5 * 60_000;

/** Request timeout of a blocking read: the wait, the server's jitter (wait/16) and network slack, at least {@link BLOCKING_MARGIN_MS} beyond the wait. */
export function blockingTimeoutMs(waitMs: number): number {
  return waitMs + Math.max(BLOCKING_MARGIN_MS, waitMs / 16 + 10_000);
}

/** Query parameters and request timeout of a blocking read; none without `block`. */
export function blockingQuery(
  block: Block | undefined,
  product: keyof typeof MAX_WAIT_MS,
): { query: Record<string, string | number>; extra: Partial<RequestOptions> } {
  if (!block || block.index <= 0) return { query: {}, extra: {} };
  const waitMs = Math.min(block.waitMs, MAX_WAIT_MS[product]);
  return { query: { index: block.index, wait: toGoSeconds(waitMs) }, extra: { timeoutMs: blockingTimeoutMs(waitMs) } };
}
