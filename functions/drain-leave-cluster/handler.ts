/** Drain task LeaveCluster: graceful Consul leave via SSM, force-leave as fallback. */
import { drainStepDeps } from '../../src/workflows/drain/deps.js';
import { leaveCluster } from '../../src/workflows/drain/leave.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('LeaveCluster', DrainStateSchema, drainStepDeps, leaveCluster);
