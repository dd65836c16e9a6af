/** Drain task Prepare: find the node, decide the plan. */
import { describeLifecycleHooks, recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { describeInstance } from '../../src/aws/ec2.js';
import { drainDeps } from '../../src/workflows/drain/deps.js';
import { prepareDrain } from '../../src/workflows/drain/prepare.js';
import { DrainPrepareInputSchema } from '../../src/workflows/drain/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'Prepare',
  DrainPrepareInputSchema,
  () => drainDeps({ autoscaling: { describeLifecycleHooks, recordLifecycleActionHeartbeat }, ec2: { describeInstance } }, ['nomad', 'consul']),
  prepareDrain,
);
