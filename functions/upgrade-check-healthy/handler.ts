/** Pool upgrade step: polls: is the work on the new nodes healthy, and baked? */
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeCheckHealthy', StepTaskSchema, defaultUpgradeDeps, runStep('checkHealthy'));
