/** serverReplace task Step: launch one, wait until it is a healthy voter, terminate one old server, wait until it is removed. */
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { ReplaceStateSchema } from '../../src/workflows/servers/replace-state.js';
import { stepReplace } from '../../src/workflows/servers/replace-step.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ReplaceStep', ReplaceStateSchema, defaultServerDeps, stepReplace);
