/** Pool upgrade step: takes the pool's upgrade lock and records the nodes the operator holds. */
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeTakeLock', StepTaskSchema, defaultUpgradeDeps, runStep('takeLock'));
