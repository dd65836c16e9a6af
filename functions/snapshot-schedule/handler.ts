/** Scheduled: a verified raft snapshot of every system, streamed to S3. */
import * as z from '../../src/validation/zod.js';
import { defaultSnapshotDeps } from '../../src/snapshots/deps.js';
import { scheduledSnapshots } from '../../src/snapshots/scheduled.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ScheduledSnapshot', z.unknown(), defaultSnapshotDeps, (_event, d) => scheduledSnapshots(d));
