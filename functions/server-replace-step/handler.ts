/** serverReplace task Step: launch one, wait until it is a healthy voter, terminate one old server, wait until it is removed. */
import { describeGroup, setDesiredCapacity, terminateInstance } from '../../src/aws/autoscaling.js';
import { describeInstance } from '../../src/aws/ec2.js';
import { serverDeps } from '../../src/workflows/servers/deps.js';
import { ReplaceStateSchema } from '../../src/workflows/servers/replace-state.js';
import { stepReplace } from '../../src/workflows/servers/replace-step.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'ReplaceStep',
  ReplaceStateSchema,
  () => serverDeps({ autoscaling: { describeGroup, setDesiredCapacity, terminateInstance }, ec2: { describeInstance } }),
  stepReplace,
);
