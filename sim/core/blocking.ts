import type { SimClock } from './clock.js';
import type { Rng } from './rng.js';

/** How a product bounds a blocking query's `wait`. */
export interface BlockingLimits {
  /** Longest wait honoured; longer ones are cut to it. */
  maxWaitMs: number;
  /** Wait used when none (or 0) is given. */
  defaultWaitMs: number;
}

/**
 * Nomad: `structs.MaxBlockingRPCQueryTime` = 300 s and
 * `DefaultBlockingRPCQueryTime` = 300 s (nomad/structs/structs.go), applied in
 * `blockingRPC` (nomad/rpc.go): a longer wait is cut to 5 minutes.
 */
export const NOMAD_BLOCKING: BlockingLimits = { maxWaitMs: 5 * 60_000, defaultWaitMs: 5 * 60_000 };
/** Consul: `structs.MaxQueryTime` 600 s, `DefaultQueryTime` 300 s (agent/consul/rpc.go `blockingQuery`). */
export const CONSUL_BLOCKING: BlockingLimits = { maxWaitMs: 10 * 60_000, defaultWaitMs: 5 * 60_000 };
/** Both add up to wait/16 of random jitter (`structs.JitterFraction` = 16, `lib.RandomStagger`). */
const JITTER_FRACTION = 16;

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Go's `time.ParseDuration`: a sequence of decimal numbers each with a unit
 * ("300ms", "1m30s", "2h45m"); a bare number is refused except "0".
 * @returns milliseconds, or null when Go would return an error.
 */
export function parseGoDuration(raw: string): number | null {
  let s = raw;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return null;
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) return null;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** The blocking parameters of a request, or the 400 the product answers. */
export type BlockingParams = { ok: true; minIndex: number; waitMs: number } | { ok: false; status: 400; message: string };

/**
 * Parse `?index=` and `?wait=` as Nomad (`parseWait` in command/agent/http.go)
 * and Consul (`parseWait` in agent/http.go) do: a `wait` Go cannot parse
 * answers 400 "Invalid wait time", an `index` that is not an unsigned integer
 * 400 "Invalid index". The wait is then bounded like the servers'
 * `blockingRPC`: default when ≤ 0, cut to the maximum, plus up to 1/16 jitter.
 */
export function parseBlocking(query: URLSearchParams, limits: BlockingLimits, rng: Rng): BlockingParams {
  let waitMs = 0;
  const rawWait = query.get('wait');
  if (rawWait !== null && rawWait !== '') {
    const parsed = parseGoDuration(rawWait);
    if (parsed === null) return { ok: false, status: 400, message: 'Invalid wait time' };
    waitMs = parsed;
  }
  let minIndex = 0;
  const rawIndex = query.get('index');
  if (rawIndex !== null && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex) || !Number.isSafeInteger(Number(rawIndex))) return { ok: false, status: 400, message: 'Invalid index' };
    minIndex = Number(rawIndex);
  }
  let bounded = waitMs <= 0 ? limits.defaultWaitMs : Math.min(waitMs, limits.maxWaitMs);
  bounded += rng.next() * (bounded / JITTER_FRACTION);
  return { ok: true, minIndex, waitMs: bounded };
}

/**
 * A raft index with per-table modify indexes and blocking-query waiters, as
 * the products' state stores keep them (memdb's "index" table): every write
 * takes the next raft index and stamps the tables it touched; a blocking read
 * watches only its own tables, so a job registration does not wake a reader
 * of `/v1/nodes`. A waiting reader is parked, so the clock may run ahead.
 */
export class ChangeIndex<T extends string = string> {
  private raftIndex = 1;
  private readonly tableIndex = new Map<T, number>();
  private readonly waiters = new Map<T, Set<() => void>>();

  constructor(private readonly clock: SimClock) {}

  /** The latest raft index of any write. */
  get current(): number {
    return this.raftIndex;
  }

  /** Highest modify index of these tables (1 when never written, as the products never answer 0). */
  of(...tables: T[]): number {
    return Math.max(1, ...tables.map((t) => this.tableIndex.get(t) ?? 0));
  }

  /** A write: advance the raft index, stamp `tables`, wake their waiters; returns the new index. */
  bump(...tables: T[]): number {
    this.raftIndex++;
    for (const t of tables) this.tableIndex.set(t, this.raftIndex);
    for (const t of tables) for (const w of [...(this.waiters.get(t) ?? [])]) w();
    return this.raftIndex;
  }

  /**
   * Blocking-query wait: resolve once `resourceIndex()` (by default the
   * tables' index; for a single object, its ModifyIndex) is greater than
   * `minIndex`, or after `waitMs` of sim time. Only writes to `tables` wake it.
   * `signal`: the client went away; the wait ends at once.
   */
  waitBeyond(tables: T[], minIndex: number, waitMs: number, resourceIndex: () => number = () => this.of(...tables), signal?: AbortSignal): Promise<void> {
    if (minIndex <= 0 || resourceIndex() > minIndex || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const unpark = this.clock.park();
      const finish = (): void => {
        timer.cancel();
        for (const t of tables) this.waiters.get(t)?.delete(wake);
        signal?.removeEventListener('abort', finish);
        unpark();
        resolve();
      };
      signal?.addEventListener('abort', finish, { once: true });
      const wake = (): void => {
        if (resourceIndex() > minIndex) finish();
      };
      const timer = this.clock.schedule(waitMs, finish, 'blocking-query');
      for (const t of tables) {
        const set = this.waiters.get(t) ?? new Set();
        set.add(wake);
        this.waiters.set(t, set);
      }
    });
  }
}
