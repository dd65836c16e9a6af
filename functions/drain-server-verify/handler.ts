/** Drain task ServerVerify (server branch): peers gone (API removal as fallback) and every raft system healthy again. */
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { serverDeps } from '../../src/workflows/servers/deps.js';
import { verifyServerRemoval } from '../../src/workflows/servers/removal-verify.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'ServerVerify',
  DrainStateSchema,
  () => serverDeps({ autoscaling: { recordLifecycleActionHeartbeat } }),
  verifyServerRemoval,
);
