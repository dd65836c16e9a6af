import { performance } from 'node:perf_hooks';

/** A scheduled callback on the simulated timeline. */
export interface SimTimer {
  /** Sim time (epoch ms) at which it fires. */
  readonly at: number;
  cancel(): void;
}

interface Scheduled {
  at: number;
  seq: number;
  label: string;
  fn: () => void;
  cancelled: boolean;
}

export interface SimClockOptions {
  /** Sim time at start, epoch ms. */
  start: number;
  /**
   * How fast sim time runs while the control plane is idle (every execution
   * parked in a blocking query or a Wait). `Infinity` (the default) jumps
   * straight to the next scheduled event; 3600 runs an hour per wall second.
   */
  timeScale?: number;
}

/**
 * The simulated clock.
 *
 * Sim time runs at wall speed while the control plane is doing work, so its
 * real overhead (code, HTTP round trips, SDK back-off) is charged as it would
 * be on AWS. With K holders busy at once it runs at 1/K: this one process
 * serialises work that K Lambdas would do in parallel on their own CPUs
 * (processor sharing), so each is charged its own share. While everything is waiting (blocking queries parked at the
 * simulated servers, Wait states, the cluster's own timers) it runs at
 * `timeScale`, by default jumping to the next event: hours of drains take
 * milliseconds of wall time.
 *
 * Work is announced with {@link hold}; a request parked in a blocking query
 * announces with {@link park} that its holder is only waiting. The clock is
 * idle when holds minus parks is zero.
 */
export class SimClock {
  private readonly queue: Scheduled[] = [];
  private seq = 0;
  private simAnchor: number;
  private wallAnchor: number;
  private holds = 0;
  private parks = 0;
  private idle = true;
  /** Busy holders sharing the CPU (at least 1). */
  private load = 1;
  private idleCheckPending = false;
  private wallTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly timeScale: number;
  private readonly watchers = new Set<() => void>();
  private readonly stallWatchers = new Set<(reason: string) => void>();

  constructor(options: SimClockOptions) {
    this.simAnchor = options.start;
    this.wallAnchor = performance.now();
    this.timeScale = options.timeScale ?? Number.POSITIVE_INFINITY;
    if (!(this.timeScale >= 1)) throw new Error(`timeScale must be >= 1, got ${options.timeScale}`);
  }

  /** Current sim time, epoch milliseconds. */
  now(): number {
    const rate = this.rate();
    if (!Number.isFinite(rate)) return this.simAnchor;
    const t = Math.floor(this.simAnchor + (performance.now() - this.wallAnchor) * rate);
    // Time never runs past an event that has not fired yet.
    const next = this.peek();
    return next && next.at < t ? Math.max(next.at, this.simAnchor) : t;
  }

  /** Current sim time as an ISO-8601 string. */
  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Run `fn` after `delayMs` of sim time. */
  schedule(delayMs: number, fn: () => void, label = 'timer'): SimTimer {
    return this.scheduleAt(this.now() + Math.max(0, delayMs), fn, label);
  }

  /** Run `fn` at sim time `at` (epoch ms); a time in the past runs at once. */
  scheduleAt(at: number, fn: () => void, label = 'timer'): SimTimer {
    if (this.stopped) return { at, cancel: () => undefined };
    const item: Scheduled = { at: Math.max(at, this.now()), seq: this.seq++, label, fn, cancelled: false };
    let i = this.queue.length;
    while (i > 0 && compare(this.queue[i - 1] as Scheduled, item) > 0) i--;
    this.queue.splice(i, 0, item);
    if (i === 0) this.armWallTimer();
    this.scheduleIdleCheck();
    return {
      at: item.at,
      cancel: () => {
        item.cancelled = true;
      },
    };
  }

  /** Resolve after `ms` of sim time; with `parked`, the caller counts as waiting meanwhile. */
  sleep(ms: number, options: { parked?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    return new Promise((resolve) => {
      const unpark = options.parked ? this.park() : undefined;
      const { signal } = options;
      const abort = (): void => {
        timer.cancel();
        done();
      };
      // One signal (an execution's end) serves many sleeps: each takes its listener off when it ends.
      const done = (): void => {
        signal?.removeEventListener('abort', abort);
        unpark?.();
        resolve();
      };
      const timer = this.schedule(ms, done, 'sleep');
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** Announce work in progress; call the returned function (once) when it ends. */
  hold(): () => void {
    this.holds++;
    this.onLoadChange();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.onLoadChange();
    };
  }

  /** Run `work` as work in progress: the clock is held until it settles (a test's request, as a Lambda's would be). */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    const release = this.hold();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Announce that one holder is only waiting (a parked blocking query). */
  park(): () => void {
    this.parks++;
    this.onLoadChange();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.parks--;
      this.onLoadChange();
    };
  }

  /** Whether the control plane is currently doing work (sim time runs at 1x). */
  get busy(): boolean {
    return this.holds - this.parks > 0;
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.queue.filter((q) => !q.cancelled).length;
  }

  /**
   * Resolve once `predicate` holds, checked after every fired event and
   * whenever the clock goes idle. Rejects when sim time passes `timeoutMs`
   * from now, or when the simulation stalls (idle with nothing scheduled).
   */
  until(predicate: () => boolean, timeoutMs: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const deadline = this.schedule(timeoutMs, () => finish(new Error(`sim time limit of ${timeoutMs} ms reached`)), 'until');
      const check = (): void => {
        if (predicate()) finish();
      };
      const stalled = (reason: string): void => {
        if (predicate()) finish();
        else finish(new Error(`simulation stalled: ${reason}`));
      };
      const finish = (error?: Error): void => {
        deadline.cancel();
        this.watchers.delete(check);
        this.stallWatchers.delete(stalled);
        if (error) reject(error);
        else resolve();
      };
      this.watchers.add(check);
      this.stallWatchers.add(stalled);
    });
  }

  /** Stop firing timers; pending ones are dropped. */
  stop(): void {
    this.stopped = true;
    if (this.wallTimer) clearTimeout(this.wallTimer);
    this.wallTimer = undefined;
    this.queue.length = 0;
  }

  private rate(): number {
    return this.idle ? this.timeScale : 1 / this.load;
  }

  private onLoadChange(): void {
    const load = Math.max(0, this.holds - this.parks);
    const nowIdle = load === 0;
    if (nowIdle === this.idle && load === this.load) return;
    const t = this.now();
    this.load = Math.max(1, load);
    this.idle = nowIdle;
    this.simAnchor = t;
    this.wallAnchor = performance.now();
    this.armWallTimer();
    if (nowIdle) this.scheduleIdleCheck();
  }

  private armWallTimer(): void {
    if (this.wallTimer) clearTimeout(this.wallTimer);
    this.wallTimer = undefined;
    const next = this.peek();
    if (!next || this.stopped) return;
    const rate = this.rate();
    if (!Number.isFinite(rate)) return; // idle in jump mode: the idle check fires it
    const wallDelay = Math.max(0, (next.at - this.now()) / rate);
    this.wallTimer = setTimeout(() => {
      this.wallTimer = undefined;
      this.fireDue(this.now());
      this.armWallTimer();
    }, Math.ceil(wallDelay));
  }

  /**
   * Idle in jump mode: after the current I/O and microtasks have run (two
   * turns of the event loop), move sim time to the next event and fire it.
   */
  private scheduleIdleCheck(): void {
    if (this.idleCheckPending || this.stopped) return;
    this.idleCheckPending = true;
    setImmediate(() =>
      setImmediate(() => {
        this.idleCheckPending = false;
        if (this.stopped || !this.idle) return;
        for (const w of [...this.watchers]) w();
        const next = this.peek();
        if (!next) {
          for (const w of [...this.stallWatchers]) w('idle with nothing scheduled');
          return;
        }
        if (Number.isFinite(this.timeScale)) return; // the wall timer paces it
        if (next.at > this.simAnchor) {
          this.simAnchor = next.at;
          this.wallAnchor = performance.now();
        }
        this.fireDue(this.simAnchor);
        this.scheduleIdleCheck();
      }),
    );
  }

  private peek(): Scheduled | undefined {
    while (this.queue.length > 0 && (this.queue[0] as Scheduled).cancelled) this.queue.shift();
    return this.queue[0];
  }

  private fireDue(now: number): void {
    for (let next = this.peek(); next && next.at <= now; next = this.peek()) {
      this.queue.shift();
      try {
        next.fn();
      } catch (error) {
        console.error(`[sim] timer ${next.label} threw`, error);
      }
      for (const w of [...this.watchers]) w();
    }
  }
}

function compare(a: Scheduled, b: Scheduled): number {
  return a.at - b.at || a.seq - b.seq;
}
