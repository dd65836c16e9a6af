/** Rolling upgrade of one pool (see README "Upgrades"). */
import { PoolBusy } from '../../src/errors/index.js';
import { PlanSchema } from '../../src/workflows/upgrade/state.js';
import type { StepName } from '../../src/workflows/upgrade/steps.js';
import type { ReleaseTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import type { z } from 'zod';
import { branches, choice, fail, isTrue, lambda, machine, task, wait, type Catcher, type StateName, type States } from '../builder/asl.js';
import { catchAll, stepTask } from '../builder/fragments.js';
import { errorName, retryFor } from '../builder/policy.js';

/** State names as the console shows them. */
export const POOL_UPGRADE = {
  validate: 'Validate',
  dryRun: 'DryRun?',
  reportDryRun: 'ReportDryRun',
  takeLock: 'TakeLock',
  refused: 'Refused',
  setLaunchTemplate: 'SetLaunchTemplate',
  serverPool: 'ServerPool?',
  batchesLeft: 'BatchesLeft?',
  startBatch: 'StartBatch',
  waitJoin: 'WaitJoin',
  checkJoined: 'CheckJoined',
  joined: 'Joined?',
  drainBatch: 'DrainBatch',
  waitDrain: 'WaitDrain',
  checkDrained: 'CheckDrained',
  drained: 'Drained?',
  checkHealthy: 'CheckHealthy',
  healthy: 'Healthy?',
  waitHealthy: 'WaitHealthy',
  approvalDue: 'ApprovalDue?',
  approval: 'Approval',
  startServerReplace: 'StartServerReplace',
  waitServers: 'WaitServers',
  checkServerReplace: 'CheckServerReplace',
  serversDone: 'ServersDone?',
  finish: 'Finish',
  releaseUpgraded: 'ReleaseUpgraded',
  rollback: 'Rollback',
  waitRollback: 'WaitRollback',
  checkRollback: 'CheckRollback',
  rolledBackDone: 'RolledBack?',
  releaseRolledBack: 'ReleaseRolledBack',
  rolledBack: 'RolledBack',
  releaseAfterError: 'ReleaseAfterError',
  failed: 'Failed',
  lockNotReleased: 'LockNotReleased',
} as const;
const S = POOL_UPGRADE;

const toRollback = [catchAll(S.rollback, '$.failure')];
const rollbackFailed = [catchAll(S.releaseAfterError, '$.rollbackFailure')];
const releaseFailed = [catchAll(S.lockNotReleased, '$.releaseFailure')];
/** The function of a step: one per step (`upgradeTakeLock`, ...), each with only its step's permissions. */
const stepFunction = (name: StepName): string => `upgrade${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
const step = (name: StepName, next: StateName, p: { comment?: string; onError?: Catcher[] } = {}) =>
  stepTask(lambda(stepFunction(name)), {
    comment: p.comment,
    parameters: { 'state.$': '$' },
    timeoutSeconds: 120,
    onError: p.onError ?? toRollback,
    next,
  });
/** Release the lock and summarise; the last state of every path. */
const release = (outcome: z.infer<typeof ReleaseTaskSchema>['outcome'], next: StateName | null, onError?: Catcher[]) =>
  stepTask(lambda('upgradeLock'), {
    parameters: { outcome, 'state.$': '$' },
    timeoutSeconds: 60,
    outputPath: next === null ? '$.summary' : undefined,
    onError,
    next,
  });
/** Wait, check, and again until the check says the phase is done. */
const pollUntilDone = (
  s: { wait: StateName; check: StateName; done: StateName },
  waitFor: { seconds: number } | { secondsPath: string },
  check: StepName,
  then: StateName,
  onError?: Catcher[],
): States => ({
  [s.wait]: wait(waitFor, s.check, 'secondsPath' in waitFor ? 'Adaptive poll (src/workflows/upgrade/poll.ts): the step sets progress.pollSeconds' : undefined),
  [s.check]: step(check, s.done, { onError }),
  [s.done]: choice([isTrue('$.progress.phaseDone', then)], s.wait),
});
const adaptive = { secondsPath: '$.progress.pollSeconds' };

export const poolUpgrade = machine(
  'Rolling upgrade of one pool to a new AMI or launch template version: validate, lock, surge, drain and terminate in batches, roll back on failure',
  172800,
  {
    [S.validate]: stepTask(lambda('upgradeValidate'), {
      comment: 'Reads only: an invalid input fails here with nothing changed',
      parameters: { 'input.$': '$', 'executionArn.$': '$$.Execution.Id' },
      timeoutSeconds: 60,
      next: S.dryRun,
    }),
    [S.dryRun]: choice([isTrue('$.plan.dryRun', S.reportDryRun)], S.takeLock),
    [S.reportDryRun]: release('dry-run', null),
    [S.takeLock]: step('takeLock', S.setLaunchTemplate, {
      onError: [{ ErrorEquals: [errorName(PoolBusy)], ResultPath: '$.failure', Next: S.refused }, catchAll(S.releaseAfterError, '$.failure')],
    }),
    [S.refused]: fail({
      comment: 'Another upgrade holds the pool, or an instance refresh runs on it: nothing was changed',
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    }),
    [S.setLaunchTemplate]: step('setLaunchTemplate', S.serverPool),
    [S.serverPool]: choice(branches('$.plan.role', PlanSchema.shape.role.options, { server: S.startServerReplace, client: S.batchesLeft }), S.batchesLeft),
    // Client pools: batch by batch.
    [S.batchesLeft]: choice([{ Variable: '$.progress.batchesLeft', NumericGreaterThan: 0, Next: S.startBatch }], S.finish),
    [S.startBatch]: step('startBatch', S.waitJoin, { comment: 'Surge: desired capacity + batch size; the new nodes pass the join gate' }),
    ...pollUntilDone({ wait: S.waitJoin, check: S.checkJoined, done: S.joined }, adaptive, 'checkJoined', S.drainBatch),
    [S.drainBatch]: step('drainBatch', S.waitDrain, {
      comment: "Drain (ineligible) and terminate the batch's old nodes; the terminate hook runs the drain workflow",
    }),
    ...pollUntilDone({ wait: S.waitDrain, check: S.checkDrained, done: S.drained }, adaptive, 'checkDrained', S.checkHealthy),
    // Health gate: the next batch waits until the work on the new nodes is healthy, then for the bake time.
    [S.checkHealthy]: step('checkHealthy', S.healthy, {
      comment: 'Allocations on the new nodes running and healthy (Nomad DeploymentStatus), for the bake time; unhealthy or too late rolls back',
    }),
    [S.healthy]: choice([isTrue('$.progress.phaseDone', S.approvalDue)], S.waitHealthy),
    [S.waitHealthy]: wait(adaptive, S.checkHealthy, 'Until the next health check (at most one alarm period)'),
    [S.approvalDue]: choice(
      [isTrue('$.progress.approvalDue', S.approval)],
      S.batchesLeft,
      'A checkpoint (approval: true after the first batch, checkpoints at percentages) with batches left',
    ),
    [S.approval]: task('arn:aws:states:::lambda:invoke.waitForTaskToken', {
      comment: 'Operator approves (SendTaskSuccess) or rejects (SendTaskFailure) at a checkpoint; the request goes to the alerts topic',
      parameters: {
        FunctionName: lambda('upgradeApproval'),
        Payload: { 'token.$': '$$.Task.Token', 'state.$': '$' },
      },
      timeoutSeconds: 86400,
      resultPath: null,
      retry: retryFor.callback(),
      catch: toRollback,
      next: S.batchesLeft,
    }),
    // Server pools: serverReplace does it.
    [S.startServerReplace]: step('startServerReplace', S.waitServers, {
      comment: "serverReplace replaces every server not on the group's launch template version, one at a time",
    }),
    ...pollUntilDone({ wait: S.waitServers, check: S.checkServerReplace, done: S.serversDone }, { seconds: 60 }, 'checkServerReplace', S.finish),
    [S.finish]: step('finish', S.releaseUpgraded),
    [S.releaseUpgraded]: release('upgraded', null),
    // Failure: roll back, release the lock, fail.
    [S.rollback]: step('startRollback', S.waitRollback, { onError: rollbackFailed }),
    ...pollUntilDone(
      { wait: S.waitRollback, check: S.checkRollback, done: S.rolledBackDone },
      { seconds: 15 },
      'checkRollback',
      S.releaseRolledBack,
      rollbackFailed,
    ),
    [S.releaseRolledBack]: release('rolled-back', S.rolledBack, releaseFailed),
    [S.rolledBack]: fail({ error: 'UpgradeRolledBack', causePath: '$.cause' }),
    [S.releaseAfterError]: release('failed', S.failed, releaseFailed),
    [S.failed]: fail({ error: 'UpgradeFailed', causePath: '$.cause' }),
    [S.lockNotReleased]: fail({
      error: 'UpgradeLockNotReleased',
      cause: 'the upgrade failed and its lock could not be released; the next upgrade takes it over once this execution has ended',
    }),
  },
);
