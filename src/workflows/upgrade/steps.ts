/**
 * The pool upgrade's steps as their functions run them (one Lambda function
 * per step, `upgrade<Step>`, with only the permissions its code uses). A
 * handler imports its own step from here, so its bundle carries that step's
 * code alone (a table of every step kept all of them, Validate's planning
 * included, in every step's bundle).
 */
import * as z from '../../validation/zod.js';
import type * as steps from './steps.js';
import { countMetric } from '../../observability/metrics.js';
import type { UpgradeDeps } from './deps.js';
import { capPoll, requireNoAlarm } from './gates.js';
import * as health from './health.js';
import { takeLock as lock } from './lock.js';
import { announce } from './milestones.js';
import { recordOperatorHolds } from './operator-holds.js';
import * as rollback from './rollback.js';
import * as rollout from './rollout.js';
import { UpgradeStateSchema, type UpgradeState } from './state.js';

export { checkRollback } from './rollback.js';
export { finishUpgrade as finish, setLaunchTemplate } from './rollout.js';
export { checkServerReplace, startServerReplace } from './servers.js';

/** A step: the upgrade state in, the next state out. */
export type UpgradeStep = (s: UpgradeState, d: UpgradeDeps) => Promise<UpgradeState>;

/** The name of a step (this module's step exports); its function is `upgrade<Step>`. */
export type StepName = { [K in keyof typeof steps]: (typeof steps)[K] extends UpgradeStep ? K : never }[keyof typeof steps];

/** Input of a step task: the upgrade state (the function is the step). */
export const StepTaskSchema = z.object({ state: UpgradeStateSchema });
type StepTask = z.infer<typeof StepTaskSchema>;

/** The task of one step, as its function's handler runs it. */
export function runStep(step: UpgradeStep): (task: StepTask, deps: UpgradeDeps) => Promise<UpgradeState> {
  return (task, deps) => step(task.state, deps);
}

/** Surge the group for the next batch; the next wait is never longer than an alarm period. */
export async function startBatch(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  return capPoll(await rollout.startBatch(s, d));
}

/** Poll the batch's joins: an alarm in ALARM rolls back first, the next wait is capped. */
export async function checkJoined(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  await requireNoAlarm(s, d);
  return capPoll(await rollout.checkJoined(s, d));
}

/** Drain and terminate the batch's old nodes; the next wait is capped. */
export async function drainBatch(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  return capPoll(await rollout.drainBatch(s, d));
}

/** Poll the drains, gated; while the old nodes drain, work already unhealthy on the new nodes rolls back at once (Nomad's drain would wait out its deadline). */
export async function checkDrained(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  await requireNoAlarm(s, d);
  await health.requireNoUnhealthyWork(s, d);
  return capPoll(await rollout.checkDrained(s, d));
}

/** Poll the work's health on the new nodes, gated; a batch done is counted and announced. */
export async function checkHealthy(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  await requireNoAlarm(s, d);
  const next = await health.checkHealthy(s, d);
  if (next.progress.phaseDone) {
    countMetric('UpgradeBatchDone');
    countMetric('UpgradeNodesReplaced', next.plan.batches[next.progress.batchIndex - 1]?.length ?? 0);
    await announce(next, 'batch-done', d);
  }
  return capPoll(next);
}

/** The lock, then what the operator had set on the nodes (before the upgrade changes anything). */
export async function takeLock(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  const next = await recordOperatorHolds(await lock(s, d), d);
  await announce(next, 'started', d);
  return next;
}

/** Roll back, announcing it as an alert first. */
export async function startRollback(s: UpgradeState, d: UpgradeDeps): Promise<UpgradeState> {
  await announce(s, 'alert', d, { reason: `rolling back the upgrade of ${s.plan.pool}: ${s.failure?.Error ?? 'failure'}: ${s.failure?.Cause ?? ''}` });
  return rollback.startRollback(s, d);
}
