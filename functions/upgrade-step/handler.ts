/** Pool upgrade steps that change the pool (launch template, surge, drain and terminate, finish) or poll it. */
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('UpgradeStep', StepTaskSchema, defaultUpgradeDeps, runStep);
