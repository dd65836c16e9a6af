/** A stored, verified raft snapshot, as the execution output, the report and the `latest` record name it. */
import * as z from '../validation/zod.js';

export const SnapshotSystemSchema = z.enum(['consul', 'nomad', 'vault']);
export type SnapshotSystem = z.infer<typeof SnapshotSystemSchema>;

export const SnapshotRecordSchema = z.object({
  system: SnapshotSystemSchema,
  bucket: z.string(),
  key: z.string(),
  /** Size of the archive as sent and as stored. */
  bytes: z.int().check(z.nonnegative()),
  /** Raft index and term the snapshot covers (meta.json). */
  index: z.int().check(z.nonnegative()),
  term: z.int().check(z.nonnegative()),
  /** SHA-256 of the archive, hex. */
  sha256: z.string(),
  etag: z.string(),
  /** When it was taken, epoch ms. */
  takenAt: z.number(),
  seconds: z.number(),
  /** A recent snapshot reused instead of a new one (unplanned removals only). */
  reused: z.boolean(),
});
export type SnapshotRecord = z.infer<typeof SnapshotRecordSchema>;
