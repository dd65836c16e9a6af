/** Cluster upgrade step: summarises the cluster upgrade. */
import { clusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { ClusterStepTaskSchema, runClusterStep } from '../../src/workflows/cluster-upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ClusterUpgradeFinish', ClusterStepTaskSchema, () => clusterUpgradeDeps({}), runClusterStep('finish'));
