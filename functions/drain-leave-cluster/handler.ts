/** Drain task LeaveCluster: graceful Consul leave via SSM, force-leave as fallback. */
import { recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { runShellScript } from '../../src/aws/ssm.js';
import { drainDeps } from '../../src/workflows/drain/deps.js';
import { leaveCluster } from '../../src/workflows/drain/leave.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'LeaveCluster',
  DrainStateSchema,
  () => drainDeps({ autoscaling: { recordLifecycleActionHeartbeat }, ssm: { runShellScript } }),
  leaveCluster,
);
