/** Cluster upgrade steps: start the next pool's poolUpgrade, poll it, summarise. */
import { defaultClusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { ClusterStepTaskSchema, runClusterStep } from '../../src/workflows/cluster-upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ClusterUpgradeStep', ClusterStepTaskSchema, defaultClusterUpgradeDeps, runClusterStep);
