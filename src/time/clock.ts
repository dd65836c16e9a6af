/**
 * The control plane's one source of time. Everything that reasons about time
 * (give-up deadlines, heartbeat limits, durations in metrics) calls {@link now},
 * everything that waits (back-off, polls) calls {@link sleep}; the simulator
 * points both at its simulated clock with {@link setClockSource}, so a
 * back-off is charged in sim time like every other wait.
 */
type Now = () => number;
type Sleep = (ms: number) => Promise<void>;

const systemNow: Now = () => Date.now();
const systemSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let nowSource: Now = systemNow;
let sleepSource: Sleep = systemSleep;

/** Current time, epoch milliseconds. */
export function now(): number {
  return nowSource();
}

/** Replace the clock (simulator, tests); without `sleepFn`, waits stay in real time. */
export function setClockSource(fn: Now, sleepFn: Sleep = systemSleep): void {
  nowSource = fn;
  sleepSource = sleepFn;
}

/** Wait `ms` milliseconds on the clock (back-off between retries, polls). */
export function sleep(ms: number): Promise<void> {
  return sleepSource(Math.max(0, ms));
}
