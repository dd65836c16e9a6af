/** Cluster upgrade, first state: validate the input and plan every pool (reads only). */
import { clusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';
import { validateClusterUpgrade } from '../../src/workflows/cluster-upgrade/tasks.js';
import { planReads } from '../../src/workflows/upgrade/deps.js';
import { ValidateTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ClusterValidate', ValidateTaskSchema, () => clusterUpgradeDeps(planReads), validateClusterUpgrade);
