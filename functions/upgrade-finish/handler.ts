/** Pool upgrade step: marks the upgrade done (the surges were taken back batch by batch; nothing to call). */
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { finish, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeFinish', StepTaskSchema, () => upgradeDeps({}), runStep(finish));
