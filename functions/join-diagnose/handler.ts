/** Join task Diagnose: failed gate conditions and the node's service status and log tails over SSM. */
import { describeAutoScalingInstance } from '../../src/aws/autoscaling.js';
import { describeInstance } from '../../src/aws/ec2.js';
import { runShellScript, waitForCommand } from '../../src/aws/ssm.js';
import { joinDeps } from '../../src/workflows/join/deps.js';
import { diagnoseJoin } from '../../src/workflows/join/diagnose.js';
import { JoinStateSchema } from '../../src/workflows/join/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'Diagnose',
  JoinStateSchema,
  () => joinDeps({ autoscaling: { describeAutoScalingInstance }, ec2: { describeInstance }, ssm: { runShellScript, waitForCommand } }, ['nomad', 'consul']),
  diagnoseJoin,
);
