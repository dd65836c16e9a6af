/**
 * The serverReplace workflow's state. Input contract (StartExecution):
 * `{"asgName": "<server ASG>"}`; the output is {@link ReplaceSummary}.
 */
import * as z from 'zod';
import { SnapshotRecordSchema, type SnapshotRecord } from '../../snapshots/record.js';

/** What StartExecution passes. */
export const ReplaceInputSchema = z.object({ asgName: z.string().min(1) });
export type ReplaceInput = z.infer<typeof ReplaceInputSchema>;

/**
 * What the state machine does next: snapshot (one more raft system's
 * snapshot before anything changes), launch (+1 server), wait-new (until the
 * new server is a healthy voter everywhere), terminate (one old server,
 * leaders last), wait-removed (until the drain workflow removed it and the
 * systems are healthy), done, failed (the Fail state reads `error`).
 */
export const ReplaceNextSchema = z.enum(['snapshot', 'launch', 'wait-new', 'terminate', 'wait-removed', 'done', 'failed']);
type ReplaceNext = z.infer<typeof ReplaceNextSchema>;

/** The `next` values each task can return (the state machine's Choice branches on exactly these). */
export const REPLACE_NEXT_BY_TASK = {
  prepare: ['snapshot', 'done', 'failed'],
  snapshot: ['snapshot', 'launch', 'failed'],
  step: ReplaceNextSchema.options,
} as const satisfies Record<string, readonly ReplaceNext[]>;

/** Timings of one replaced server, epoch ms, and its durations in seconds. */
export const ReplacedSchema = z.object({
  oldInstanceId: z.string(),
  newInstanceId: z.string(),
  launchedAt: z.number(),
  newHealthyAt: z.number(),
  terminatedAt: z.number(),
  removedAt: z.number(),
  newHealthySeconds: z.number(),
  removalSeconds: z.number(),
  totalSeconds: z.number(),
});
export type Replaced = z.infer<typeof ReplacedSchema>;

export const ReplaceStateSchema = ReplaceInputSchema.extend({
  next: ReplaceNextSchema,
  pollAfterSeconds: z.number().int().min(0),
  /** The launch template version the group launches now. */
  target: z.object({ launchTemplateId: z.string(), version: z.number().int() }),
  /** Members to replace when the execution started. */
  outdatedAtStart: z.array(z.string()),
  startedAt: z.number(),
  current: z
    .object({
      baseline: z.array(z.string()),
      launchedAt: z.number(),
      deadlineAt: z.number(),
      newInstanceId: z.string().nullable(),
      newHealthyAt: z.number().nullable(),
      oldInstanceId: z.string().nullable(),
      oldPrivateIp: z.string().nullable(),
      terminatedAt: z.number().nullable(),
    })
    .nullable(),
  replaced: z.array(ReplacedSchema),
  /** The verified raft snapshots taken before the first change, one per system. */
  snapshots: z.array(SnapshotRecordSchema).default([]),
  summary: z.unknown().optional(),
  error: z.object({ Error: z.string(), Cause: z.string() }).nullish(),
});
export type ReplaceState = z.infer<typeof ReplaceStateSchema>;
/** The state a task returns: its `next` is one of {@link REPLACE_NEXT_BY_TASK}[task]. */
export type ReplaceStateAfter<T extends keyof typeof REPLACE_NEXT_BY_TASK> = ReplaceState & { next: (typeof REPLACE_NEXT_BY_TASK)[T][number] };

/** The execution's output. */
export interface ReplaceSummary {
  asgName: string;
  launchTemplateId: string;
  version: number;
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  replaced: Replaced[];
  snapshots: SnapshotRecord[];
}

/** Milliseconds as seconds with one decimal. */
export const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** The execution's output once every outdated server is replaced. */
export function summaryOf(state: ReplaceState, t: number): ReplaceSummary {
  return {
    asgName: state.asgName,
    launchTemplateId: state.target.launchTemplateId,
    version: state.target.version,
    startedAt: new Date(state.startedAt).toISOString(),
    finishedAt: new Date(t).toISOString(),
    totalSeconds: seconds(t - state.startedAt),
    replaced: state.replaced,
    snapshots: state.snapshots,
  };
}
