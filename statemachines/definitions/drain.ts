/** Scale-in drain of a client node and quorum-safe removal of a server (see README "Scale-in", "Servers"). */
import { DrainPlanSchema } from '../../src/workflows/drain/state.js';
import { SERVER_NEXT_BY_TASK } from '../../src/workflows/servers/removal-state.js';
import { branches, choice, fail, isTrue, lambda, machine, pass, succeed, task, wait, type Json } from '../builder/asl.js';
import { catchAll, lifecycleAlert, lifecycleTasks } from '../builder/fragments.js';
import { retryFor } from '../builder/policy.js';

/** State names as the console shows them. */
export const DRAIN = {
  prepare: 'Prepare',
  nodeKind: 'NodeKind?',
  serverSnapshot: 'ServerSnapshot',
  snapshotsDone: 'SnapshotsDone?',
  quorumGuard: 'QuorumGuard',
  quorumSafe: 'QuorumSafe?',
  waitForQuorum: 'WaitForQuorum',
  serverLeave: 'ServerLeave',
  serverVerify: 'ServerVerify',
  serverRemoved: 'ServerRemoved?',
  waitForHealthy: 'WaitForHealthy',
  serverGaveUp: 'ServerGaveUp',
  completeServer: 'CompleteServer',
  snapshotCheck: 'SnapshotFailed?',
  snapshotFailed: 'SnapshotFailed',
  snapshotCrashed: 'SnapshotCrashed',
  startDrain: 'StartDrain',
  watchDrain: 'WatchDrain',
  drainDone: 'DrainDone?',
  leaveCluster: 'LeaveCluster',
  completeAfterLeave: 'CompleteAfterLeave',
  complete: 'Complete',
  leaveAfterCompletion: 'LeaveAfterCompletion',
  cleanup: 'Cleanup',
  workLostCheck: 'WorkLost?',
  workLost: 'WorkLost',
  completeNothingJoined: 'CompleteNothingJoined',
  drained: 'Drained',
  recordFailure: 'RecordFailure',
  drainFailed: 'DrainFailed',
  alertSnapshotFailed: 'AlertSnapshotFailed',
  alertSnapshotCrashed: 'AlertSnapshotCrashed',
  alertWorkLost: 'AlertWorkLost',
  alertDrainFailed: 'AlertDrainFailed',
} as const;
const S = DRAIN;

const drainTask = lifecycleTasks({
  onFailure: S.recordFailure,
  lifecycleActionPath: '$.action',
  waitComment: "The cluster or AWS was unreachable after the task's own retries: wait, then run the same task again (it gives up past giveUpAt).",
});
/** The Parameters of CompleteLifecycle. */
const completion = (outcome: 'server-removed' | 'drained' | 'nothing-joined' | 'failed', extra: { [field: string]: Json }): Json => ({
  'action.$': '$.action',
  result: 'CONTINUE',
  workflow: 'drain',
  outcome,
  ...extra,
});

/** The Parameters of a drained client's completion (with or without the leave before it). */
const drainedCompletion = completion('drained', {
  timings: { 'hookFiredAt.$': '$.drain.hookFiredAt', 'startedAt.$': '$.drain.startedAt', 'doneAt.$': '$.drain.doneAt' },
});

export const drain = machine(
  'Scale-in of a Nomad/Consul node (drain, complete the ASG terminate lifecycle action, leave Consul), and quorum-safe removal of a Nomad/Consul/Vault server (guard, leave, verify, complete).',
  180000,
  {
    ...drainTask(S.prepare, 'drainPrepare', {
      holdsWork: true,
      comment: 'Find the Nomad node and Consul member of the instance, read the hook and pool settings, decide the plan.',
      next: S.nodeKind,
    }),
    [S.nodeKind]: choice(
      branches('$.plan', DrainPlanSchema.options, { 'nothing-joined': S.completeNothingJoined, server: S.serverSnapshot, client: S.startDrain }),
      S.startDrain,
      'Nothing of the instance joined: complete at once; a server: the quorum-safe removal; a client: drain.',
    ),
    // Server branch.
    ...drainTask(S.serverSnapshot, 'drainServerSnapshot', {
      comment:
        'A verified raft snapshot of the next system (Consul, Nomad, Vault) streamed to S3, or a recent verified one reused; heartbeats the action. The removal goes ahead whatever happens: a failure is recorded and alerted after the removal.',
      next: S.snapshotsDone,
      onFailure: S.quorumGuard,
      errorPath: '$.snapshotError',
    }),
    [S.snapshotsDone]: choice(
      [isTrue('$.snapshots.done', S.quorumGuard)],
      S.serverSnapshot,
      'Every system tried: on to the quorum guard; else the next system.',
    ),
    ...drainTask(S.quorumGuard, 'drainServerGuard', {
      holdsWork: true,
      comment:
        'Quorum guard: raft configuration and autopilot health of Nomad, Consul and Vault; heartbeats the action. Proceeds only if every system the server serves keeps a leader and failure tolerance >= 0 without it (and without the terminating servers ahead of it).',
      next: S.quorumSafe,
    }),
    [S.quorumSafe]: choice(
      branches('$.server.next', SERVER_NEXT_BY_TASK.guard, { proceed: S.serverLeave, wait: S.waitForQuorum, 'give-up': S.serverGaveUp }),
      S.serverGaveUp,
    ),
    [S.waitForQuorum]: wait(
      { secondsPath: '$.server.pollAfterSeconds' },
      S.quorumGuard,
      'Removing the server now would break quorum: wait for a replacement to become a healthy voter (up to SERVER_QUORUM_WAIT), then ask the guard again.',
    ),
    ...drainTask(S.serverLeave, 'drainServerLeave', {
      holdsWork: true,
      comment:
        'Transfer Nomad leadership away if the server leads; then on the node through SSM: rc-service nomad stop (leave_on_terminate), rc-service vault stop (clean stop, no step-down), consul leave.',
      next: S.serverVerify,
    }),
    ...drainTask(S.serverVerify, 'drainServerVerify', {
      holdsWork: true,
      comment: "Every system dropped the server's peer (else it is removed through the API: only THIS instance's peer) and is healthy again.",
      next: S.serverRemoved,
    }),
    [S.serverRemoved]: choice(
      branches('$.server.next', SERVER_NEXT_BY_TASK.verify, { done: S.completeServer, wait: S.waitForHealthy, 'give-up': S.serverGaveUp }),
      S.serverGaveUp,
    ),
    [S.waitForHealthy]: wait(
      { secondsPath: '$.server.pollAfterSeconds' },
      S.serverVerify,
      'Wait for the raft systems to be healthy without the server, then verify again.',
    ),
    [S.serverGaveUp]: pass(
      {
        comment:
          'The guard or the verification reached SERVER_QUORUM_WAIT: complete the action (the instance goes anyway) and fail loudly with the error the task set.',
        inputPath: '$.server.error',
        resultPath: '$.error',
      },
      S.recordFailure,
    ),
    ...drainTask(S.completeServer, 'completeLifecycle', {
      comment: 'CompleteLifecycleAction CONTINUE once every raft system is healthy without the server.',
      parameters: completion('server-removed', {
        timings: { 'hookFiredAt.$': '$.action.eventTime', 'startedAt.$': '$.server.leftAt', 'doneAt.$': '$.server.doneAt' },
      }),
      resultPath: '$.completion',
      next: S.snapshotCheck,
    }),
    [S.snapshotCheck]: choice(
      [
        { Variable: '$.snapshots.failed.Error', IsPresent: true, Next: S.alertSnapshotFailed },
        { Variable: '$.snapshotError.Error', IsPresent: true, Next: S.alertSnapshotCrashed },
      ],
      S.drained,
      'The server is removed and the action completed: a snapshot that failed before it is the alert now.',
    ),
    [S.alertSnapshotFailed]: lifecycleAlert('drain', 'snapshot', S.snapshotFailed),
    [S.alertSnapshotCrashed]: lifecycleAlert('drain', 'snapshotCrash', S.snapshotCrashed),
    [S.snapshotFailed]: fail({
      comment: 'SnapshotFailed: the server was removed without a verified snapshot of the named systems.',
      errorPath: '$.snapshots.failed.Error',
      causePath: '$.snapshots.failed.Cause',
    }),
    [S.snapshotCrashed]: fail({
      comment: 'The snapshot task itself failed (crash, timeout): the server was removed without a verified snapshot.',
      errorPath: '$.snapshotError.Error',
      causePath: '$.snapshotError.Cause',
    }),
    // Client branch.
    ...drainTask(S.startDrain, 'drainStart', {
      holdsWork: true,
      comment: 'Heartbeat the action, mark the node ineligible and start the drain (unless already draining or drained).',
      next: S.watchDrain,
    }),
    ...drainTask(S.watchDrain, 'drainWatch', {
      holdsWork: true,
      comment: 'Blocking queries on the node until the drain ends or the invocation runs short of time; heartbeats the action.',
      next: S.drainDone,
    }),
    [S.drainDone]: choice(
      [
        { Variable: '$.drain.done', BooleanEquals: false, Next: S.watchDrain },
        { Variable: '$.leaveBeforeCompletion', BooleanEquals: true, Next: S.leaveCluster },
      ],
      S.complete,
      'Drained: complete at once and leave Consul after; a Spot interruption (out of Consul before the reclaim) or a Consul membership the token cannot read: LeaveCluster first.',
    ),
    ...drainTask(S.leaveCluster, 'drainLeaveCluster', {
      holdsWork: true,
      comment:
        'Before the completion (Spot interruption: wait for the leave until shortly before the reclaim; unreadable Consul membership: fail loudly). Send the graceful consul leave through SSM; a failed member is force-left with prune.',
      next: S.completeAfterLeave,
    }),
    ...drainTask(S.completeAfterLeave, 'completeLifecycle', {
      comment: 'CompleteLifecycleAction CONTINUE after the leave; drain metrics.',
      parameters: drainedCompletion,
      resultPath: '$.completion',
      next: S.cleanup,
    }),
    ...drainTask(S.complete, 'completeLifecycle', {
      comment: 'CompleteLifecycleAction CONTINUE as soon as the drain is done (the Consul membership holds no work); drain metrics.',
      parameters: drainedCompletion,
      resultPath: '$.completion',
      next: S.leaveAfterCompletion,
    }),
    [S.leaveAfterCompletion]: task(lambda('drainLeaveCluster'), {
      comment:
        'Best effort after the action completed: send the graceful consul leave through SSM (the instance may already be shutting down), force-leave a failed member. A failure is logged and counted and never fails the drain; Cleanup watches the member either way.',
      retry: retryFor.bestEffort(),
      catch: [catchAll(S.cleanup, '$.leaveError')],
      next: S.cleanup,
    }),
    [S.cleanup]: task(lambda('drainCleanup'), {
      comment:
        'Best effort after the action completed: see the Consul member out (left, or force-left with prune once it failed), and purge the Nomad node record once it is down (PURGE_NOMAD_NODE). A failure here does not fail the drain.',
      retry: retryFor.bestEffort(),
      catch: [catchAll(S.workLostCheck, '$.purgeError')],
      next: S.workLostCheck,
    }),
    [S.workLostCheck]: choice(
      [{ Variable: '$.drain.workLost.error', IsPresent: true, Next: S.alertWorkLost }],
      S.drained,
      'The drain ended at its deadline with work still on the node: the action is completed (the drain is over), and the execution fails so the alert names what was stopped.',
    ),
    [S.alertWorkLost]: lifecycleAlert('drain', 'workLost', S.workLost),
    [S.workLost]: fail({
      comment: 'WorkLost: the allocations, jobs and task groups Nomad stopped at the drain deadline (full list in the execution output).',
      errorPath: '$.drain.workLost.error',
      causePath: '$.drain.workLost.cause',
    }),
    // Nothing joined.
    ...drainTask(S.completeNothingJoined, 'completeLifecycle', {
      comment: 'Nothing of the instance joined the cluster: complete at once.',
      parameters: completion('nothing-joined', { timings: { 'hookFiredAt.$': '$.action.eventTime' } }),
      resultPath: '$.completion',
      next: S.drained,
    }),
    [S.drained]: succeed(),
    // Failure path.
    ...drainTask(S.recordFailure, 'completeLifecycle', {
      comment:
        'The drain failed or gave up (past giveUpAfter, or the action was lost): complete the action with CONTINUE. For a terminate hook CONTINUE and ABANDON both let the instance go; the alert (this execution FAILED) names the node and the error. Count DrainFailed.',
      parameters: completion('failed', { 'error.$': '$.error' }),
      resultPath: '$.completion',
      errorPath: '$.completionError',
      onFailure: S.alertDrainFailed,
      next: S.alertDrainFailed,
    }),
    [S.alertDrainFailed]: lifecycleAlert('drain', 'error', S.drainFailed),
    [S.drainFailed]: fail({ comment: 'Error and Cause of the failure that ended the drain.', errorPath: '$.error.Error', causePath: '$.error.Cause' }),
  },
);
