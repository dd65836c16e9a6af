/** Pool upgrade step: drains and terminates the batch's old nodes. */
import { describeGroup, setDesiredCapacity, terminateInstance } from '../../src/aws/autoscaling.js';
import { clusterNomad } from '../../src/workflows/upgrade/cluster-nomad.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { drainBatch, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeDrainBatch',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling: { describeGroup, setDesiredCapacity, terminateInstance }, nomad: clusterNomad }),
  runStep(drainBatch),
);
