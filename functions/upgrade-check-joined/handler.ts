/** Pool upgrade step: polls: have the batch's new nodes joined?. */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { describeAlarms } from '../../src/aws/cloudwatch.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { checkJoined, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeCheckJoined',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling: { describeGroup }, cloudwatch: { describeAlarms } }),
  runStep(checkJoined),
);
