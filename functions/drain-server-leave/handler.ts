/** Drain task ServerLeave (server branch): Nomad leadership transfer, then graceful leave of every system on the server through SSM. */
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { runShellScript, waitForCommand } from '../../src/aws/ssm.js';
import { serverDeps } from '../../src/workflows/servers/deps.js';
import { leaveServer } from '../../src/workflows/servers/removal-leave.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'ServerLeave',
  DrainStateSchema,
  () => serverDeps({ autoscaling: { recordLifecycleActionHeartbeat }, ssm: { runShellScript, waitForCommand } }),
  leaveServer,
);
