/** Join task Prepare: hook limits, join deadline and mode; ends at once for an instance already going. */
import { describeAutoScalingInstance, describeLifecycleHooks, recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { describeInstance } from '../../src/aws/ec2.js';
import { joinDeps } from '../../src/workflows/join/deps.js';
import { prepareJoin } from '../../src/workflows/join/prepare.js';
import { JoinInputSchema } from '../../src/workflows/join/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'Prepare',
  JoinInputSchema,
  () =>
    joinDeps({ autoscaling: { describeAutoScalingInstance, describeLifecycleHooks, recordLifecycleActionHeartbeat }, ec2: { describeInstance } }, [
      'nomad',
      'consul',
    ]),
  prepareJoin,
);
