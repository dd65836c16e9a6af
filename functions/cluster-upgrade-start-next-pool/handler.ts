/** Cluster upgrade step: starts the next pending pool's poolUpgrade execution. */
import { startExecution } from '../../src/aws/sfn.js';
import { clusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { ClusterStepTaskSchema, runClusterStep } from '../../src/workflows/cluster-upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'ClusterUpgradeStartNextPool',
  ClusterStepTaskSchema,
  () => clusterUpgradeDeps({ sfn: { startExecution } }),
  runClusterStep('startNextPool'),
);
