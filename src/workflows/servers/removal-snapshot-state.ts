/** The raft snapshots an unplanned server removal takes first: its part of the drain state. */
import * as z from '../../validation/zod.js';
import { SnapshotRecordSchema, SnapshotSystemSchema } from '../../snapshots/record.js';

export const RemovalSnapshotsSchema = z.object({
  /** Verified snapshots, taken now or reused (a recent one). */
  taken: z.array(SnapshotRecordSchema),
  /** Systems whose snapshot failed (the removal went ahead without it). */
  failedSystems: z.array(SnapshotSystemSchema),
  /** Set when any failed: the execution fails with it after the removal (the alert). */
  failed: z.nullable(z.object({ Error: z.string(), Cause: z.string() })),
  /** Every system was tried: on to the quorum guard. */
  done: z.boolean(),
});
export type RemovalSnapshots = z.infer<typeof RemovalSnapshotsSchema>;
