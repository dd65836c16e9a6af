/**
 * The control plane's one source of time. Everything that reasons about time
 * (give-up deadlines, heartbeat limits, durations in metrics) calls {@link now},
 * everything that waits (back-off, polls) calls {@link sleep}; the simulator
 * points both at its simulated clock with {@link setClockSource}, so a
 * back-off is charged in sim time like every other wait.
 */
type Now = () => number;
type Sleep = (ms: number) => Promise<void>;
/** A deadline: `signal` aborts with a TimeoutError after `ms` unless cancelled first. */
export type Deadline = { signal: AbortSignal; cancel(): void };
type Timeout = (ms: number) => Deadline;

const systemNow: Now = () => Date.now();
const systemSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The TimeoutError `AbortSignal.timeout` aborts with, so fetch rejects alike. */
export const timeoutError = (): DOMException => new DOMException('The operation was aborted due to timeout', 'TimeoutError');
const systemTimeout: Timeout = (ms) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutError()), ms);
  return { signal: controller.signal, cancel: () => clearTimeout(timer) };
};
let nowSource: Now = systemNow;
let sleepSource: Sleep = systemSleep;
let timeoutSource: Timeout = systemTimeout;

/** Current time, epoch milliseconds. */
export function now(): number {
  return nowSource();
}

/** Replace the clock (simulator, tests); without `sleepFn` / `timeoutFn`, waits and timeouts stay in real time. */
export function setClockSource(fn: Now, sleepFn: Sleep = systemSleep, timeoutFn: Timeout = systemTimeout): void {
  nowSource = fn;
  sleepSource = sleepFn;
  timeoutSource = timeoutFn;
}

/**
 * A request timeout on the clock: a wait like any other, so in the simulator
 * a blocking query's `wait + margin` runs out in sim time, as on AWS, not
 * after that much wall time of a loaded test machine.
 */
export function deadline(ms: number): Deadline {
  return timeoutSource(Math.max(0, ms));
}

/** Wait `ms` milliseconds on the clock (back-off between retries, polls). */
export function sleep(ms: number): Promise<void> {
  return sleepSource(Math.max(0, ms));
}
