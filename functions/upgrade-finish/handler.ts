/** Pool upgrade step: takes back what is left of the surge. */
import * as autoscaling from '../../src/aws/autoscaling.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeFinish', StepTaskSchema, () => upgradeDeps({ autoscaling }), runStep('finish'));
