/** Drain task Cleanup: after the action completed, force out a Consul member that failed to leave, purge the Nomad node (PURGE_NOMAD_NODE). */
import { cleanupAfterTermination } from '../../src/workflows/drain/cleanup.js';
import { drainDeps } from '../../src/workflows/drain/deps.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

// The lifecycle action is already completed: no outage heartbeat (nothing left to hold).
export const handler = taskHandler('Cleanup', DrainStateSchema, () => drainDeps({}, ['nomad', 'consul']), cleanupAfterTermination);
