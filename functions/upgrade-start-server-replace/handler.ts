/** Pool upgrade step: starts serverReplace for a server pool. */
import { startExecution } from '../../src/aws/sfn.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { startServerReplace, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeStartServerReplace', StepTaskSchema, () => upgradeDeps({ sfn: { startExecution } }), runStep(startServerReplace));
