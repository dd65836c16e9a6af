/** Drain task Prepare: find the node, decide the plan. */
import { defaultDrainDeps } from '../../src/workflows/drain/deps.js';
import { prepareDrain } from '../../src/workflows/drain/prepare.js';
import { DrainPrepareInputSchema } from '../../src/workflows/drain/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('Prepare', DrainPrepareInputSchema, defaultDrainDeps, prepareDrain);
