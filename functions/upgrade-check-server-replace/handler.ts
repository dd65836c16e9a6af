/** Pool upgrade step: polls serverReplace. */
import { describeExecution } from '../../src/aws/sfn.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { checkServerReplace, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeCheckServerReplace', StepTaskSchema, () => upgradeDeps({ sfn: { describeExecution } }), runStep(checkServerReplace));
