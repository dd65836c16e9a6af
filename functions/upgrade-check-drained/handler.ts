/** Pool upgrade step: polls: are the batch's old nodes gone?. */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { describeAlarms } from '../../src/aws/cloudwatch.js';
import { clusterNomad } from '../../src/workflows/upgrade/cluster-nomad.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { checkDrained, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeCheckDrained',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling: { describeGroup }, cloudwatch: { describeAlarms }, nomad: clusterNomad }),
  runStep(checkDrained),
);
