/** Pool upgrade step: rolls the upgrade back. */
import * as autoscaling from '../../src/aws/autoscaling.js';
import * as ec2 from '../../src/aws/ec2.js';
import * as events from '../../src/aws/events.js';
import { clusterNomad, upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeStartRollback',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling, ec2, events, nomad: clusterNomad }),
  runStep('startRollback'),
);
