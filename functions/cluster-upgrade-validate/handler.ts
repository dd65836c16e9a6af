/** Cluster upgrade, first state: validate the input and plan every pool (reads only). */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultClusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { planClusterUpgrade } from '../../src/workflows/cluster-upgrade/plan.js';
import type { ClusterUpgradeState } from '../../src/workflows/cluster-upgrade/state.js';
import { parseTaskInput } from '../../src/workflows/task.js';
import { ValidateTaskSchema } from '../../src/workflows/upgrade/tasks.js';

export const handler = async (event: unknown, context?: Context): Promise<ClusterUpgradeState> =>
  withInvocation(context, async () => {
    const task = parseTaskInput(ValidateTaskSchema, event, 'ClusterValidate');
    return planClusterUpgrade(task.input, task.executionArn, defaultClusterUpgradeDeps());
  });
