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

/** Extra time a blocking read may take beyond its `wait` (servers add up to wait/16 jitter). */
export const BLOCKING_MARGIN_MS = 30_000;
/** The longest blocking wait Nomad and Consul accept. */
export const MAX_WAIT_MS = 10 * 60_000;
/**
 * The workflows' longest blocking wait: Nomad's and Consul's default of 5
 * minutes, so a watcher wakes (and heartbeats) at least that often.
 */
export const WORKFLOW_WAIT_MS = 5 * 60_000;

/** Query parameters and request timeout of a blocking read; none without `block`. */
export function blockingQuery(block: Block | undefined): { query: Record<string, string | number>; extra: Partial<RequestOptions> } {
  if (!block || block.index <= 0) return { query: {}, extra: {} };
  const waitMs = Math.min(block.waitMs, MAX_WAIT_MS);
  return { query: { index: block.index, wait: toGoSeconds(waitMs) }, extra: { timeoutMs: waitMs + BLOCKING_MARGIN_MS } };
}
