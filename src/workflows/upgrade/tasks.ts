/** Task inputs of the pool upgrade state machine, and its steps (one Lambda function per step). */
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { UpgradeDeps } from './deps.js';
import { releaseLock, takeLock } from './lock.js';
import { recordOperatorHolds } from './operator-holds.js';
import { planUpgrade } from './plan.js';
import { checkRollback, startRollback } from './rollback.js';
import { checkDrained, checkJoined, drainBatch, finishUpgrade, setLaunchTemplate, startBatch } from './rollout.js';
import { checkServerReplace, startServerReplace } from './servers.js';
import { UpgradeStateSchema, type UpgradeState } from './state.js';
import { summarise, type UpgradeSummary } from './summary.js';

/** Input of the Validate task: the console input and the execution's ARN. */
export const ValidateTaskSchema = z.object({ input: z.unknown(), executionArn: z.string().min(1) });

const STEPS = {
  setLaunchTemplate,
  startBatch,
  checkJoined,
  drainBatch,
  checkDrained,
  finish: finishUpgrade,
  startServerReplace,
  checkServerReplace,
  /** The lock, then what the operator had set on the nodes (before the upgrade changes anything). */
  takeLock: async (s, d) => recordOperatorHolds(await takeLock(s, d), d),
  startRollback,
  checkRollback,
} as const satisfies Record<string, (s: UpgradeState, d: UpgradeDeps) => Promise<UpgradeState>>;

/** A step of the pool upgrade; each is its own Lambda function (`upgrade<Step>`), with only the permissions its code uses. */
export type StepName = keyof typeof STEPS;

/** Input of a step task: the upgrade state (the function is the step). */
export const StepTaskSchema = z.object({ state: UpgradeStateSchema });
type StepTask = z.infer<typeof StepTaskSchema>;

/** The task of one step, as its function's handler runs it. */
export function runStep(step: StepName): (task: StepTask, deps: UpgradeDeps) => Promise<UpgradeState> {
  return (task, deps) => STEPS[step](task.state, deps);
}

/** Input of the Release task: the state and how the upgrade ended. */
export const ReleaseTaskSchema = z.object({ outcome: z.enum(['upgraded', 'rolled-back', 'failed', 'dry-run']), state: UpgradeStateSchema });

/** Release the lock and summarise; `cause` is the one-line reason a failed execution shows. */
export async function releaseAndSummarise(task: z.infer<typeof ReleaseTaskSchema>, deps: UpgradeDeps): Promise<{ summary: UpgradeSummary; cause: string }> {
  if (task.outcome !== 'dry-run') await releaseLock(task.state, deps);
  const summary = summarise(task.state, task.outcome, deps.now());
  const rollbackFailure = task.state.rollbackFailure ? `; rollback: ${task.state.rollbackFailure.Error}: ${task.state.rollbackFailure.Cause ?? ''}` : '';
  const cause =
    task.outcome === 'rolled-back'
      ? `upgrade of ${summary.pool} rolled back after ${summary.failure ?? 'a failure'}; the group is back on launch template version ${summary.from.launchTemplateVersion}`
      : task.outcome === 'failed'
        ? `upgrade of ${summary.pool} failed and was NOT fully rolled back: ${summary.failure ?? ''}${rollbackFailure}`
        : `${summary.outcome} ${summary.pool}`;
  countMetric({ upgraded: 'PoolUpgraded', 'rolled-back': 'PoolUpgradeRolledBack', failed: 'PoolUpgradeFailed', 'dry-run': 'PoolUpgradeDryRun' }[task.outcome]);
  getLogger().info('pool upgrade ended', { outcome: task.outcome, pool: summary.pool, durationSeconds: summary.durationSeconds });
  return { summary, cause };
}

/** Validate the console input and plan (reads only). */
export function validateUpgrade(task: z.infer<typeof ValidateTaskSchema>, deps: UpgradeDeps): Promise<UpgradeState> {
  return planUpgrade(task.input, task.executionArn, deps);
}

/** Input of the approval task (waitForTaskToken). */
export const ApprovalTaskSchema = z.object({
  token: z.string().min(1),
  executionArn: z.string(),
  pool: z.string(),
  batchesDone: z.number(),
  batchesLeft: z.number(),
});

/** Log the task token and the commands that approve or reject; the execution waits for one of them. */
export async function notifyApproval(task: z.infer<typeof ApprovalTaskSchema>, log: Pick<Logger, 'warn'>): Promise<{ notified: true }> {
  log.warn('pool upgrade waits for approval', {
    pool: task.pool,
    executionArn: task.executionArn,
    batchesDone: task.batchesDone,
    batchesLeft: task.batchesLeft,
    taskToken: task.token,
    approve: `aws stepfunctions send-task-success --task-token '${task.token}' --task-output '{}'`,
    reject: `aws stepfunctions send-task-failure --task-token '${task.token}' --error UpgradeRejected --cause 'why'`,
  });
  return { notified: true };
}
