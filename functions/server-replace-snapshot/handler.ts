/** serverReplace task Snapshot: one verified raft snapshot (to S3) of the next system, before any server changes. */
import { defaultSnapshotDeps } from '../../src/snapshots/deps.js';
import { ReplaceStateSchema } from '../../src/workflows/servers/replace-state.js';
import { snapshotBeforeReplace } from '../../src/workflows/servers/replace-snapshot.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ReplaceSnapshot', ReplaceStateSchema, defaultSnapshotDeps, snapshotBeforeReplace);
