/** Cluster upgrade step: summarises the cluster upgrade. */
import { defaultClusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { ClusterStepTaskSchema, runClusterStep } from '../../src/workflows/cluster-upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ClusterUpgradeFinish', ClusterStepTaskSchema, defaultClusterUpgradeDeps, runClusterStep('finish'));
