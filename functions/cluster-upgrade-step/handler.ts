/** Cluster upgrade steps: start the next pool's poolUpgrade, poll it, summarise. */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultClusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import type { ClusterUpgradeState } from '../../src/workflows/cluster-upgrade/state.js';
import type { ClusterUpgradeSummary } from '../../src/workflows/cluster-upgrade/steps.js';
import { ClusterStepTaskSchema, runClusterStep } from '../../src/workflows/cluster-upgrade/tasks.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<ClusterUpgradeState | { summary: ClusterUpgradeSummary }> =>
  withInvocation(context, async () => runClusterStep(parseTaskInput(ClusterStepTaskSchema, event, 'ClusterUpgradeStep'), defaultClusterUpgradeDeps()));
