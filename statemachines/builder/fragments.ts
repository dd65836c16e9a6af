/** The task patterns the state machines repeat, each with the one retry policy (policy.ts). */
import { lambda, task, wait, type Catcher, type Json, type Resource, type StateName, type States } from './asl.js';
import { WAIT_AND_LOOP_ERRORS, WAIT_BEFORE_RETRY_SECONDS, retryFor } from './policy.js';

export const waitBefore = (name: StateName): StateName => `WaitBefore${name}`;
export const catchAll = (next: StateName, resultPath: string): Catcher => ({ ErrorEquals: ['States.ALL'], ResultPath: resultPath, Next: next });

export interface LifecycleTaskProps {
  comment?: string;
  parameters?: Json;
  resultPath?: string;
  next: StateName;
  /** Where a final error goes (default: the workflow's). */
  onFailure?: StateName;
  /** Where a caught error is written (default `$.error`; a task that records a failure keeps `$.error` intact). */
  errorPath?: string;
}

/**
 * The task of a lifecycle workflow (drain, join, serverReplace) and its
 * `WaitBefore<Task>` state: ClusterUnreachable/AwsUnavailable, and transient
 * Lambda errors once their in-place retries are spent → wait, then the same
 * task again (it gives up by itself past `giveUpAt`); any other error → the
 * failure path. A throttled or crashed Lambda therefore never fails a drain.
 */
export function lifecycleTasks(workflow: { onFailure: StateName; waitComment: string; waitResultPath?: string }) {
  return (name: StateName, fn: string, p: LifecycleTaskProps): States => {
    const errorPath = p.errorPath ?? '$.error';
    const retryable: Catcher = {
      ErrorEquals: [...WAIT_AND_LOOP_ERRORS],
      ResultPath: p.errorPath ?? workflow.waitResultPath ?? errorPath,
      Next: waitBefore(name),
    };
    return {
      [name]: task(lambda(fn), {
        comment: p.comment,
        parameters: p.parameters,
        resultPath: p.resultPath,
        retry: retryFor.lifecycle(),
        catch: [retryable, catchAll(p.onFailure ?? workflow.onFailure, errorPath)],
        next: p.next,
      }),
      [waitBefore(name)]: wait({ seconds: WAIT_BEFORE_RETRY_SECONDS }, name, workflow.waitComment),
    };
  };
}

export interface StepTaskProps {
  comment?: string;
  parameters: Json;
  timeoutSeconds: number;
  outputPath?: string;
  /** null ends the execution. */
  next: StateName | null;
  /** Where any error goes once retries are spent; without it the execution fails with the error. */
  onError?: Catcher[];
}

/** A task of an upgrade workflow: unreachable retried in place, then `onError` (rollback, release the lock, fail). */
export const stepTask = (resource: Resource, p: StepTaskProps) =>
  task(resource, {
    comment: p.comment,
    parameters: p.parameters,
    outputPath: p.outputPath,
    timeoutSeconds: p.timeoutSeconds,
    retry: retryFor.step(),
    catch: p.onError,
    next: p.next,
  });
