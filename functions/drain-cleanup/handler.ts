/** Drain task Cleanup: after the action completed, force out a Consul member that failed to leave, purge the Nomad node (PURGE_NOMAD_NODE). */
import { cleanupAfterTermination } from '../../src/workflows/drain/cleanup.js';
import { drainStepDeps } from '../../src/workflows/drain/deps.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('Cleanup', DrainStateSchema, drainStepDeps, cleanupAfterTermination);
