/** Drain task ServerGuard (server branch): quorum guard before a server leaves (raft + autopilot of Nomad, Consul, Vault). */
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { describeGroup, recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { createTags, describeInstance } from '../../src/aws/ec2.js';
import { serverDeps } from '../../src/workflows/servers/deps.js';
import { guardServerRemoval } from '../../src/workflows/servers/removal-guard.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'ServerGuard',
  DrainStateSchema,
  () => serverDeps({ autoscaling: { describeGroup, recordLifecycleActionHeartbeat }, ec2: { createTags, describeInstance } }),
  guardServerRemoval,
);
