/** Cluster upgrade step: polls the current pool's poolUpgrade execution. */
import { describeExecution } from '../../src/aws/sfn.js';
import { clusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { ClusterStepTaskSchema, runClusterStep } from '../../src/workflows/cluster-upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'ClusterUpgradeCheckPool',
  ClusterStepTaskSchema,
  () => clusterUpgradeDeps({ sfn: { describeExecution } }),
  runClusterStep('checkPool'),
);
