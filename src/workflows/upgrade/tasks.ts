/** Task inputs of the pool upgrade state machine's Validate, Approval and Release tasks (the steps: steps.ts). */
import * as z from '../../validation/zod.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { UpgradeDeps } from './deps.js';
import { releaseLock } from './lock.js';
import { announce, putMilestone } from './milestones.js';
import { planUpgrade } from './plan.js';
import { UpgradeStateSchema, type UpgradeState } from './state.js';
import { summarise, type UpgradeSummary } from './summary.js';

/** Input of the Validate task: the console input and the execution's ARN. */
export const ValidateTaskSchema = z.object({ input: z.unknown(), executionArn: z.string().check(z.minLength(1)) });

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
  if (task.outcome !== 'dry-run') {
    const milestone = ({ upgraded: 'succeeded', 'rolled-back': 'rolled-back', failed: 'failed' } as const)[task.outcome];
    await announce(task.state, milestone, deps, task.outcome === 'upgraded' ? {} : { reason: cause });
  }
  getLogger().info('pool upgrade ended', { outcome: task.outcome, pool: summary.pool, durationSeconds: summary.durationSeconds });
  return { summary, cause };
}

/** Validate the console input and plan (reads only). */
export function validateUpgrade(task: z.infer<typeof ValidateTaskSchema>, deps: UpgradeDeps): Promise<UpgradeState> {
  return planUpgrade(task.input, task.executionArn, deps);
}

/** Input of the approval task (waitForTaskToken): the task token and the upgrade state. */
export const ApprovalTaskSchema = z.object({ token: z.string().check(z.minLength(1)), state: UpgradeStateSchema });

/** The CLI commands that answer an approval request. */
export function approvalCommands(token: string): { approve: string; reject: string } {
  return {
    approve: `aws stepfunctions send-task-success --task-token '${token}' --task-output '{}'`,
    reject: `aws stepfunctions send-task-failure --task-token '${token}' --error UpgradeRejected --cause 'why'`,
  };
}

/**
 * Ask for approval: the request (task token, the exact commands, the console
 * link, the progress) goes to the bus, which routes it to the alerts topic,
 * and to the log. Not put: the task fails and the upgrade rolls back rather
 * than wait for an answer nobody was asked for.
 */
export async function notifyApproval(task: z.infer<typeof ApprovalTaskSchema>, deps: UpgradeDeps): Promise<{ notified: true }> {
  const commands = approvalCommands(task.token);
  await putMilestone(task.state, 'waiting-for-approval', deps, { approval: { taskToken: task.token, ...commands } });
  getLogger().warn('pool upgrade waits for approval', {
    pool: task.state.plan.pool,
    executionArn: task.state.executionArn,
    batchesDone: task.state.progress.batchIndex,
    batchesLeft: task.state.progress.batchesLeft,
    taskToken: task.token,
    ...commands,
  });
  return { notified: true };
}
