/** Pool upgrade step: polls the rollback. */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { checkRollback, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeCheckRollback', StepTaskSchema, () => upgradeDeps({ autoscaling: { describeGroup } }), runStep(checkRollback));
