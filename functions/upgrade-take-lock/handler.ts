/** Pool upgrade step: takes the pool's upgrade lock and records the nodes the operator holds. */
import * as autoscaling from '../../src/aws/autoscaling.js';
import * as events from '../../src/aws/events.js';
import * as sfn from '../../src/aws/sfn.js';
import * as ssm from '../../src/aws/ssm.js';
import { clusterNomad, upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeTakeLock',
  StepTaskSchema,
  () => upgradeDeps({ autoscaling, sfn, ssm, events, nomad: clusterNomad }),
  runStep('takeLock'),
);
