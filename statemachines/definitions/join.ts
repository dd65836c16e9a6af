/** Scale-out join gate (see README "Scale-out"). */
import { JOIN_NEXT_BY_TASK } from '../../src/workflows/join/state.js';
import { branches, choice, fail, machine, succeed, wait, type Json } from '../builder/asl.js';
import { lifecycleAlert, lifecycleTasks } from '../builder/fragments.js';

/** State names as the console shows them. */
export const JOIN = {
  prepare: 'Prepare',
  joinOrWatch: 'JoinOrWatch?',
  runJoin: 'RunJoin',
  joinCommandResult: 'JoinCommandResult?',
  waitBeforeRetryJoin: 'WaitBeforeRetryJoin',
  watch: 'WatchGate',
  gateResult: 'GateResult?',
  waitBeforePoll: 'WaitBeforePoll',
  diagnose: 'Diagnose',
  stillLaunching: 'StillLaunching?',
  abandon: 'Abandon',
  neverJoined: 'NeverJoined',
  complete: 'Complete',
  joined: 'Joined',
  ended: 'Ended',
  recordFailure: 'RecordFailure',
  joinFailed: 'JoinFailed',
  alertNeverJoined: 'AlertNeverJoined',
  alertJoinFailed: 'AlertJoinFailed',
} as const;
const S = JOIN;

const joinTask = lifecycleTasks({
  onFailure: S.recordFailure,
  lifecycleActionPath: '$.action',
  waitComment:
    "The cluster or AWS was unreachable after the task's own retries: wait, then run the same task again (past the join deadline the task times out instead).",
});
/** The Parameters of JoinComplete. */
const completion = (result: 'CONTINUE' | 'ABANDON', outcome: 'joined' | 'failed', extra: { [field: string]: Json }): Json => ({
  'action.$': '$.action',
  result,
  workflow: 'join',
  outcome,
  ...extra,
});

export const join = machine(
  'Scale-out join gate: the ASG counts a launching node only once it joined Consul and Nomad (servers: raft voters, autopilot healthy, caught up; Vault a healthy voter); a node that cannot join is abandoned with a record of why.',
  180000,
  {
    ...joinTask(S.prepare, 'joinPrepare', {
      comment: 'Hook limits, join deadline (pool tag or JOIN_TIMEOUT) and mode; an instance already terminating ends here.',
      next: S.joinOrWatch,
    }),
    [S.joinOrWatch]: choice(
      branches('$.next', JOIN_NEXT_BY_TASK.prepare, { 'run-join': S.runJoin, watch: S.watch, ended: S.ended }),
      S.watch,
      'ssm mode: run the join first; auto mode: watch; terminating instance or inactive action: end.',
    ),
    ...joinTask(S.runJoin, 'joinRun', {
      comment: 'JOIN_MODE=ssm: consul join <Consul servers> and rc-service nomad start on the node through SSM Run Command.',
      next: S.joinCommandResult,
    }),
    [S.joinCommandResult]: choice(
      branches('$.next', JOIN_NEXT_BY_TASK.runJoin, { watch: S.watch, 'retry-join': S.waitBeforeRetryJoin, timeout: S.diagnose, ended: S.ended }),
      S.watch,
      'Joined the node: watch the gate; SSM agent not online yet or the command failed: wait and run it again; deadline: diagnose.',
    ),
    [S.waitBeforeRetryJoin]: wait(
      { secondsPath: '$.pollAfterSeconds' },
      S.runJoin,
      "The node's SSM agent was not online yet (NodeUnreachable) or the join command failed.",
    ),
    ...joinTask(S.watch, 'joinWatch', {
      comment:
        'Blocking queries on one unsatisfied gate condition at a time (re-checking all after each return) until the node joined, only pollable conditions are left, or the invocation or the join deadline runs out; heartbeats the action; tags a joined instance.',
      next: S.gateResult,
    }),
    [S.gateResult]: choice(
      branches('$.next', JOIN_NEXT_BY_TASK.watch, {
        joined: S.complete,
        poll: S.waitBeforePoll,
        watch: S.watch,
        timeout: S.diagnose,
        'gate-failed': S.diagnose,
        ended: S.ended,
      }),
      S.watch,
      'What the watch saw.',
    ),
    [S.waitBeforePoll]: wait(
      { secondsPath: '$.pollAfterSeconds' },
      S.watch,
      'Only conditions without blocking queries are unsatisfied (raft, autopilot, Vault): Wait states cost no Lambda time.',
    ),
    ...joinTask(S.diagnose, 'joinDiagnose', {
      comment:
        'The node did not join in time or failed a condition waiting will not fix: failed conditions plus service status and log tails from the node over SSM; sets $.error = NodeNeverJoined.',
      next: S.stillLaunching,
    }),
    [S.stillLaunching]: choice(
      branches('$.next', JOIN_NEXT_BY_TASK.diagnose, { abandon: S.abandon, ended: S.ended }),
      S.abandon,
      'An instance terminated meanwhile ends cleanly; otherwise abandon the launch.',
    ),
    ...joinTask(S.abandon, 'joinComplete', {
      comment: 'CompleteLifecycleAction ABANDON: the ASG replaces the node; NodeNeverJoined metric.',
      parameters: completion('ABANDON', 'failed', { 'error.$': '$.error', timings: { 'hookFiredAt.$': '$.timings.hookFiredAt' } }),
      resultPath: '$.completion',
      errorPath: '$.completionError',
      onFailure: S.alertNeverJoined,
      next: S.alertNeverJoined,
    }),
    [S.alertNeverJoined]: lifecycleAlert('join', 'error', S.neverJoined),
    [S.neverJoined]: fail({
      comment: 'NodeNeverJoined; the Cause is a compact JSON summary of the diagnostics.',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    }),
    ...joinTask(S.complete, 'joinComplete', {
      comment: 'CompleteLifecycleAction CONTINUE (an action completed already counts as done: the output says so); join metrics.',
      parameters: completion('CONTINUE', 'joined', {
        timings: { 'hookFiredAt.$': '$.timings.hookFiredAt', 'startedAt.$': '$.timings.hookFiredAt', 'doneAt.$': '$.timings.satisfiedAt' },
        gate: { 'satisfiedAt.$': '$.timings.satisfiedAt', 'exact.$': '$.timings.satisfiedExact' },
      }),
      resultPath: '$.completion',
      next: S.joined,
    }),
    [S.joined]: succeed(),
    [S.ended]: succeed({ comment: 'The instance is terminating or its action is no longer active: nothing to complete ($.ended says why).' }),
    ...joinTask(S.recordFailure, 'joinComplete', {
      comment: 'An unrecoverable error: the node is not known to be good, so complete with ABANDON, then fail the execution loudly.',
      parameters: completion('ABANDON', 'failed', { 'error.$': '$.error' }),
      resultPath: '$.completion',
      errorPath: '$.completionError',
      onFailure: S.alertJoinFailed,
      next: S.alertJoinFailed,
    }),
    [S.alertJoinFailed]: lifecycleAlert('join', 'error', S.joinFailed),
    [S.joinFailed]: fail({ comment: 'Error and Cause of the failure that ended the join.', errorPath: '$.error.Error', causePath: '$.error.Cause' }),
  },
);
