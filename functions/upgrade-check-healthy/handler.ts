/** Pool upgrade step: polls: is the work on the new nodes healthy, and baked? */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { describeAlarms } from '../../src/aws/cloudwatch.js';
import { putEvent } from '../../src/aws/events.js';
import { clusterNomad } from '../../src/workflows/upgrade/cluster-nomad.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { checkHealthy, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeCheckHealthy',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling: { describeGroup }, cloudwatch: { describeAlarms }, events: { putEvent }, nomad: clusterNomad }),
  runStep(checkHealthy),
);
