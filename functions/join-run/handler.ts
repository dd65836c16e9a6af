/** Join task RunJoin (JOIN_MODE=ssm): consul join + rc-service nomad start on the node through SSM Run Command. */
import { describeAutoScalingInstance, recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { describeInstance } from '../../src/aws/ec2.js';
import { runShellScript, waitForCommand } from '../../src/aws/ssm.js';
import { joinDeps } from '../../src/workflows/join/deps.js';
import { runJoin } from '../../src/workflows/join/run.js';
import { JoinStateSchema } from '../../src/workflows/join/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler(
  'RunJoin',
  JoinStateSchema,
  () =>
    joinDeps({
      autoscaling: { describeAutoScalingInstance, recordLifecycleActionHeartbeat },
      ec2: { describeInstance },
      ssm: { runShellScript, waitForCommand },
    }),
  runJoin,
);
