import type { SimClock } from './clock.js';

const MAX_WAIT_MS = 10 * 60_000;
const DEFAULT_WAIT_MS = 5 * 60_000;

/**
 * Parse a HashiCorp `wait` duration ("30s", "5m", "100ms", "1h"), capped at
 * 10 minutes; default 5 minutes, as Nomad and Consul do.
 */
export function parseWait(raw: string | null): number {
  if (!raw) return DEFAULT_WAIT_MS;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) return DEFAULT_WAIT_MS;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return Math.min(ms, MAX_WAIT_MS);
}

/**
 * A raft-like modify index with blocking-query waiters. Writers call
 * {@link bump}; readers wait with {@link waitBeyond} until the index moves
 * past theirs or the wait elapses in sim time. A waiting reader is parked, so
 * the clock may run ahead meanwhile.
 */
export class ChangeIndex {
  private index = 1;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly clock: SimClock) {}

  get current(): number {
    return this.index;
  }

  /** Advance the index and wake every waiter; returns the new index. */
  bump(): number {
    this.index++;
    for (const w of [...this.waiters]) w();
    return this.index;
  }

  /**
   * Blocking-query wait: resolve once `resourceIndex()` (by default the global
   * index; for a single object, its ModifyIndex) is greater than `minIndex`,
   * or after `waitMs` of sim time. Resolves at once when `minIndex` is 0 or
   * already behind. The waiting request is parked meanwhile.
   */
  waitBeyond(minIndex: number, waitMs: number, resourceIndex: () => number = () => this.index): Promise<void> {
    if (minIndex <= 0 || resourceIndex() > minIndex) return Promise.resolve();
    return new Promise((resolve) => {
      const unpark = this.clock.park();
      const finish = (): void => {
        timer.cancel();
        this.waiters.delete(wake);
        unpark();
        resolve();
      };
      const wake = (): void => {
        if (resourceIndex() > minIndex) finish();
      };
      const timer = this.clock.schedule(waitMs, finish, 'blocking-query');
      this.waiters.add(wake);
    });
  }
}
