/** Pool upgrade step: rolls the upgrade back. */
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeStartRollback', StepTaskSchema, defaultUpgradeDeps, runStep('startRollback'));
