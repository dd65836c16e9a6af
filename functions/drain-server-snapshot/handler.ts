/** Drain task ServerSnapshot: a verified raft snapshot (to S3) of the next system before an unplanned server removal. */
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { defaultRemovalSnapshotDeps, snapshotBeforeRemoval } from '../../src/workflows/servers/removal-snapshot.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('ServerSnapshot', DrainStateSchema, defaultRemovalSnapshotDeps, snapshotBeforeRemoval);
