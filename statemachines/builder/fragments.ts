/** The task patterns the state machines repeat, each with the one retry policy (policy.ts). */
import { awsSdk, lambda, task, wait, type Catcher, type Json, type Resource, type StateName, type States } from './asl.js';
import { FINAL_ERRORS, WAIT_AND_LOOP_ERRORS, WAIT_AND_LOOP_ERRORS_HOLDING_WORK, WAIT_BEFORE_RETRY_SECONDS, retryFor } from './policy.js';

export const waitBefore = (name: StateName): StateName => `WaitBefore${name}`;
export const heartbeatBefore = (name: StateName): StateName => `HeartbeatBefore${name}`;
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
  /**
   * The instance still holds work while this task runs (a client not yet
   * drained, a server still a raft peer): our own crash waits and loops too
   * ({@link WAIT_AND_LOOP_ERRORS_HOLDING_WORK}) instead of taking the failure path.
   */
  holdsWork?: boolean;
}

/**
 * The task of a lifecycle workflow (drain, join, serverReplace) and its
 * `WaitBefore<Task>` state: ClusterUnreachable/AwsUnavailable, and transient
 * Lambda errors once their in-place retries are spent → wait, then the same
 * task again (it gives up by itself past `giveUpAt`); any other error → the
 * failure path, except our own crash in a task that `holdsWork`, which waits
 * and loops too. A throttled or crashed Lambda therefore never fails a drain.
 */
export function lifecycleTasks(workflow: {
  onFailure: StateName;
  waitComment: string;
  waitResultPath?: string;
  /** JSONPath of the workflow's lifecycle action ({@link LifecycleActionSchema}): the wait heartbeats it. */
  lifecycleActionPath?: string;
}) {
  return (name: StateName, fn: string, p: LifecycleTaskProps): States => {
    const errorPath = p.errorPath ?? '$.error';
    const action = workflow.lifecycleActionPath;
    const failurePath = catchAll(p.onFailure ?? workflow.onFailure, errorPath);
    const retryable: Catcher = {
      ErrorEquals: [...(p.holdsWork ? WAIT_AND_LOOP_ERRORS_HOLDING_WORK : WAIT_AND_LOOP_ERRORS)],
      ResultPath: p.errorPath ?? workflow.waitResultPath ?? errorPath,
      Next: action === undefined ? waitBefore(name) : heartbeatBefore(name),
    };
    // States.TaskFailed would also catch the final typed errors: they go to the failure path first.
    const final: Catcher[] = p.holdsWork ? [{ ...failurePath, ErrorEquals: [...FINAL_ERRORS] }] : [];
    return {
      [name]: task(lambda(fn), {
        comment: p.comment,
        parameters: p.parameters,
        resultPath: p.resultPath,
        retry: retryFor.lifecycle(),
        catch: [...final, retryable, failurePath],
        next: p.next,
      }),
      ...(action === undefined ? {} : { [heartbeatBefore(name)]: actionHeartbeat(action, waitBefore(name)) }),
      [waitBefore(name)]: wait({ seconds: WAIT_BEFORE_RETRY_SECONDS }, name, workflow.waitComment),
    };
  };
}

/**
 * RecordLifecycleActionHeartbeat from the state machine itself (an AWS SDK
 * integration, no Lambda): while Lambda throttles or fails every invocation,
 * nothing else can keep the action from expiring and the instance from going
 * with its work. Any error is dropped: the next run of the task finds out
 * whether the action is still there ("No active Lifecycle Action" →
 * LifecycleActionLost, an alert).
 */
const actionHeartbeat = (action: string, next: StateName) =>
  task(awsSdk('autoscaling', 'recordLifecycleActionHeartbeat'), {
    comment:
      'Keep the lifecycle action alive while the task cannot run (Lambda throttled or failing, the cluster or AWS unreachable); called by Step Functions, so it works while Lambda does not.',
    parameters: {
      'AutoScalingGroupName.$': `${action}.asgName`,
      'LifecycleHookName.$': `${action}.hookName`,
      'LifecycleActionToken.$': `${action}.token`,
      'InstanceId.$': `${action}.instanceId`,
    },
    resultPath: null,
    catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next }],
    next,
  });

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

/**
 * Put the `alert` milestone of a drain or join that is about to fail
 * (lifecycleAlert), then go on to the Fail state whatever happens: the
 * execution fails as it would have, and the failed-execution rule still
 * tells the alerts topic (src/workflows/alerts/lifecycle-alert.ts).
 */
export const lifecycleAlert = (workflow: 'drain' | 'join', alert: 'error' | 'workLost' | 'snapshot' | 'snapshotCrash', next: StateName) =>
  task(lambda('lifecycleAlert'), {
    comment: 'Put the alert milestone (instance, group, allocations, reason) on the bus; best effort: any error goes on to the Fail state.',
    parameters: { workflow, alert, 'executionArn.$': '$$.Execution.Id', 'state.$': '$' },
    resultPath: null,
    retry: retryFor.bestEffort(),
    catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next }],
    next,
  });
