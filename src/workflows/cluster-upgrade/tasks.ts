/** Task inputs of the cluster upgrade state machine and the dispatch of its step function. */
import * as z from 'zod';
import type { ValidateTaskSchema } from '../upgrade/tasks.js';
import type { ClusterUpgradeDeps } from './deps.js';
import { planClusterUpgrade } from './plan.js';
import { ClusterUpgradeStateSchema, type ClusterUpgradeState } from './state.js';
import { checkPool, startNextPool, summariseClusterUpgrade, type ClusterUpgradeSummary } from './steps.js';

/** Validate the input and plan every pool (reads only). */
export function validateClusterUpgrade(task: z.infer<typeof ValidateTaskSchema>, deps: ClusterUpgradeDeps): Promise<ClusterUpgradeState> {
  return planClusterUpgrade(task.input, task.executionArn, deps);
}

/** Input of a step task: which step, on which state. */
export const ClusterStepTaskSchema = z.object({ step: z.enum(['startNextPool', 'checkPool', 'finish']), state: ClusterUpgradeStateSchema });
export type ClusterStepTask = z.infer<typeof ClusterStepTaskSchema>;

/** Run one step (`finish` answers `{summary}`). */
export async function runClusterStep(task: ClusterStepTask, deps: ClusterUpgradeDeps): Promise<ClusterUpgradeState | { summary: ClusterUpgradeSummary }> {
  switch (task.step) {
    case 'startNextPool':
      return startNextPool(task.state, deps);
    case 'checkPool':
      return checkPool(task.state, deps);
    case 'finish':
      return { summary: summariseClusterUpgrade(task.state, deps) };
  }
}
