/** Pool upgrade step: drains and terminates the batch's old nodes. */
import { describeGroup, setDesiredCapacity, terminateInstance } from '../../src/aws/autoscaling.js';
import { clusterNomad, upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeDrainBatch',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling: { describeGroup, setDesiredCapacity, terminateInstance }, nomad: clusterNomad }),
  runStep('drainBatch'),
);
