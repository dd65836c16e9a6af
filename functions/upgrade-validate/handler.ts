/** Pool upgrade, first state: validate the console input and plan (reads only; dryRun ends here). */
import { planReads, upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { ValidateTaskSchema, validateUpgrade } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('Validate', ValidateTaskSchema, () => upgradeDeps(planReads), validateUpgrade);
