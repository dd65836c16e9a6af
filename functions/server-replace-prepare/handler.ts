/** serverReplace task Prepare: the servers to replace; refuses when the cluster or the group is not ready. */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { describeLaunchTemplateVersions } from '../../src/aws/ec2.js';
import { serverDeps } from '../../src/workflows/servers/deps.js';
import { prepareReplace } from '../../src/workflows/servers/replace-prepare.js';
import { ReplaceInputSchema } from '../../src/workflows/servers/replace-state.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'ReplacePrepare',
  ReplaceInputSchema,
  () => serverDeps({ autoscaling: { describeGroup }, ec2: { describeLaunchTemplateVersions } }),
  prepareReplace,
);
