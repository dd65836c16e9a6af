/** Join task Watch: blocking queries on one unsatisfied gate condition at a time, heartbeating the lifecycle action. */
import { describeAutoScalingInstance, recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { createTags, describeInstance } from '../../src/aws/ec2.js';
import { runShellScript } from '../../src/aws/ssm.js';
import { joinDeps } from '../../src/workflows/join/deps.js';
import { JoinStateSchema } from '../../src/workflows/join/state.js';
import { watchJoin } from '../../src/workflows/join/watch.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'Watch',
  JoinStateSchema,
  () =>
    joinDeps({ autoscaling: { describeAutoScalingInstance, recordLifecycleActionHeartbeat }, ec2: { createTags, describeInstance }, ssm: { runShellScript } }, [
      'nomad',
      'consul',
    ]),
  watchJoin,
);
