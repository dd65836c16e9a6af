/**
 * The retry policy of every state machine, in one table. Every task is
 * idempotent, so a failure our code did not decide (a Lambda service error or
 * throttle, a crash, a timeout) is always retried. Typed errors (src/errors)
 * are never retried by a retrier: the retryable ones wait and run the task
 * again, the final ones take the workflow's failure path.
 */
import * as errors from '../../src/errors/index.js';
import type { Retrier } from './asl.js';

type ErrorClass = new (...args: never[]) => errors.ControlPlaneError;
const isErrorClass = (v: unknown): v is ErrorClass => typeof v === 'function' && v.prototype instanceof errors.ControlPlaneError;
/** The Step Functions error name of a typed error (an instance field: any arguments give it). */
const instanceOf = (C: ErrorClass): errors.ControlPlaneError => Reflect.construct(C, ['', '', '']) as errors.ControlPlaneError;
export const errorName = (C: ErrorClass): string => instanceOf(C).name;

const TYPED = (Object.values(errors) as unknown[])
  .filter(isErrorClass)
  .map(instanceOf)
  .sort((a, b) => a.name.localeCompare(b.name));
/** ClusterUnreachable, AwsUnavailable: waiting helps. */
export const RETRYABLE_ERRORS = TYPED.filter((e) => e.retryable).map((e) => e.name);
/** Every other typed error: final for the execution. */
export const FINAL_ERRORS = TYPED.filter((e) => !e.retryable).map((e) => e.name);
/** Lambda service errors, throttles and timeouts (what AWS recommends retrying for every Lambda task). */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
];
/** Any other task failure: an error that is not a typed one is a crash of our code. */
const CRASH = 'States.TaskFailed';

interface Row {
  errors: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds: number;
}

/** THE table: what is retried in place, how often and how long apart (full jitter). */
export const RETRY_POLICY = {
  /** Lambda errors and crashes of any task (a lifecycle task then waits and loops on the Lambda errors: WAIT_AND_LOOP_ERRORS). */
  transient: { errors: [...LAMBDA_TRANSIENT_ERRORS, CRASH], intervalSeconds: 1, maxAttempts: 3, backoffRate: 2, maxDelaySeconds: 10 },
  /** The invocation of a callback task (waitForTaskToken), never the operator's answer. */
  callback: { errors: LAMBDA_TRANSIENT_ERRORS, intervalSeconds: 1, maxAttempts: 3, backoffRate: 2, maxDelaySeconds: 10 },
  /** Cluster or AWS unreachable in an upgrade step: retried in place (about 5 minutes), then the upgrade rolls back. */
  unreachableInStep: { errors: RETRYABLE_ERRORS, intervalSeconds: 10, maxAttempts: 5, backoffRate: 2, maxDelaySeconds: 160 },
  /** Best-effort work after the lifecycle action completed: a short retry, then it is skipped. */
  bestEffort: { errors: [...LAMBDA_TRANSIENT_ERRORS, ...RETRYABLE_ERRORS], intervalSeconds: 2, maxAttempts: 2, backoffRate: 2, maxDelaySeconds: 4 },
} as const satisfies Record<string, Row>;

/**
 * What sends a lifecycle task (drain, join, server removal) into its
 * wait-and-loop once in-place retries are spent: the control plane's own
 * trouble is never a reason to let an instance go with work on it. The task
 * gives up by itself (GiveUp, final) once `giveUpAfter` passed without progress.
 */
export const WAIT_AND_LOOP_ERRORS = [...RETRYABLE_ERRORS, ...LAMBDA_TRANSIENT_ERRORS];

/**
 * A lifecycle task that runs while the instance still holds work (allocations,
 * a raft peer) also waits and loops on our own crash once its in-place retries
 * are spent: the failure path would complete the action and let the instance
 * go with that work because of our bug. CRASH matches any task failure, so
 * the final typed errors are caught before it ({@link FINAL_ERRORS}). A
 * client drain task checks `giveUpAt` first thing, so a crash in its step
 * still ends in GiveUp past `giveUpAfter`; a server-removal task waits as it
 * does through an outage, up to the hook's global limit. The TaskCrashed
 * alarm tells the operator at the first crash.
 */
export const WAIT_AND_LOOP_ERRORS_HOLDING_WORK = [...WAIT_AND_LOOP_ERRORS, CRASH];

/** Cluster or AWS unreachable in a lifecycle task: Wait this long, then run the task again (the task gives up by itself past its limit). */
export const WAIT_BEFORE_RETRY_SECONDS = 30;

const retrier = (row: Row): Retrier => ({
  ErrorEquals: [...row.errors],
  IntervalSeconds: row.intervalSeconds,
  MaxAttempts: row.maxAttempts,
  BackoffRate: row.backoffRate,
  MaxDelaySeconds: row.maxDelaySeconds,
  JitterStrategy: 'FULL',
});
/** Listed first so that States.TaskFailed does not retry them: their Catch decides. */
const notRetried = (names: string[]): Retrier => ({ ErrorEquals: [...names], MaxAttempts: 0 });

/** The Retry list of each kind of task. */
export const retryFor = {
  /** Drain, join and serverReplace tasks: typed errors go to their Catch (wait loop or failure path). */
  lifecycle: (): Retrier[] => [notRetried([...RETRYABLE_ERRORS, ...FINAL_ERRORS]), retrier(RETRY_POLICY.transient)],
  /** Upgrade steps: unreachable retried in place, final errors to their Catch. */
  step: (): Retrier[] => [retrier(RETRY_POLICY.unreachableInStep), notRetried(FINAL_ERRORS), retrier(RETRY_POLICY.transient)],
  callback: (): Retrier[] => [retrier(RETRY_POLICY.callback)],
  bestEffort: (): Retrier[] => [retrier(RETRY_POLICY.bestEffort)],
};
