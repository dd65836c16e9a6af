/** Pool upgrade step: polls: is the work on the new nodes healthy, and baked? */
import * as autoscaling from '../../src/aws/autoscaling.js';
import * as cloudwatch from '../../src/aws/cloudwatch.js';
import * as events from '../../src/aws/events.js';
import { clusterNomad, upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeCheckHealthy',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling, cloudwatch, events, nomad: clusterNomad }),
  runStep('checkHealthy'),
);
