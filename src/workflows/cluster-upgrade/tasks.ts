/** Task inputs of the cluster upgrade state machine and its steps (one Lambda function per step). */
import * as z from '../../validation/zod.js';
import type { ValidateTaskSchema } from '../upgrade/tasks.js';
import type { ClusterUpgradeDeps } from './deps.js';
import { planClusterUpgrade } from './plan.js';
import { ClusterUpgradeStateSchema, type ClusterUpgradeState } from './state.js';
import { checkPool, startNextPool, summariseClusterUpgrade, type ClusterUpgradeSummary } from './steps.js';

/** Validate the input and plan every pool (reads only). */
export function validateClusterUpgrade(task: z.infer<typeof ValidateTaskSchema>, deps: ClusterUpgradeDeps): Promise<ClusterUpgradeState> {
  return planClusterUpgrade(task.input, task.executionArn, deps);
}

const STEPS = {
  startNextPool,
  checkPool,
  /** The summary the execution ends with. */
  finish: async (state: ClusterUpgradeState, deps: ClusterUpgradeDeps) => ({ summary: summariseClusterUpgrade(state, deps) }),
} as const satisfies Record<string, (s: ClusterUpgradeState, d: ClusterUpgradeDeps) => Promise<ClusterUpgradeState | { summary: ClusterUpgradeSummary }>>;

/** A step of the cluster upgrade; each is its own Lambda function (`clusterUpgrade<Step>`), with only the permissions its code uses. */
export type ClusterStepName = keyof typeof STEPS;

/** Input of a step task: the cluster upgrade state (the function is the step). */
export const ClusterStepTaskSchema = z.object({ state: ClusterUpgradeStateSchema });
type ClusterStepTask = z.infer<typeof ClusterStepTaskSchema>;

/** The task of one step, as its function's handler runs it (`finish` answers `{summary}`). */
export function runClusterStep(
  step: ClusterStepName,
): (task: ClusterStepTask, deps: ClusterUpgradeDeps) => Promise<ClusterUpgradeState | { summary: ClusterUpgradeSummary }> {
  return (task, deps) => STEPS[step](task.state, deps);
}
