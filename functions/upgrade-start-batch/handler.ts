/** Pool upgrade step: surges the group for the next batch. */
import { describeGroup, setDesiredCapacity } from '../../src/aws/autoscaling.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { startBatch, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeStartBatch',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling: { describeGroup, setDesiredCapacity } }),
  runStep(startBatch),
);
