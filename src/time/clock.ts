/**
 * The control plane's one source of "now". Everything that reasons about time
 * (give-up deadlines, heartbeat limits, durations in metrics) calls {@link now};
 * the simulator points it at its simulated clock with {@link setClockSource}.
 */
type ClockSource = () => number;

const systemClock: ClockSource = () => Date.now();
let source: ClockSource = systemClock;

/** Current time, epoch milliseconds. */
export function now(): number {
  return source();
}

/** Replace the clock (simulator, tests). */
export function setClockSource(fn: ClockSource): void {
  source = fn;
}

/** Wait `ms` milliseconds of real time (back-off between retries). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
