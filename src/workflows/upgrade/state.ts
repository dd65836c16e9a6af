/** The state a pool upgrade execution carries from task to task (validated at every task). */
import * as z from '../../validation/zod.js';

/** Poll interval of the Wait states (seconds), used for the expected-duration estimate. */
export const POLL_SECONDS = 15;

const TimelineEntrySchema = z.object({ at: z.string(), event: z.string() });

export const PlanSchema = z.object({
  pool: z.string(),
  asgName: z.string(),
  role: z.enum(['server', 'client']),
  nodePool: z.string(),
  desired: z.int(),
  minSize: z.int(),
  maxSize: z.int(),
  /** The group's launch template as found: the reference it uses and what that resolves to. */
  launchTemplate: z.object({ id: z.string(), name: z.string(), version: z.string(), resolvedVersion: z.int(), imageId: z.nullable(z.string()) }),
  /** The target: an image (a new version is created) or an existing version. */
  target: z.object({ imageId: z.nullable(z.string()), version: z.nullable(z.int()) }),
  surge: z.int(),
  batchSize: z.int(),
  /** Old instances, in the order they are replaced. */
  batches: z.array(z.array(z.string())),
  drainDeadlineMs: z.number(),
  joinTimeoutMs: z.number(),
  approval: z.boolean(),
  /** Checkpoints: after these batches (1-based count of batches done) the upgrade waits for approval. */
  checkpointBatches: z._default(z.array(z.int()), []),
  /** How long the new nodes' work must stay healthy after a batch before the next one (ms). */
  bakeMs: z._default(z.number(), 0),
  /** How long after a batch's drain the new nodes' work may take to become healthy (ms). */
  healthTimeoutMs: z._default(z.number(), 15 * 60_000),
  /** CloudWatch alarms that roll the upgrade back when in ALARM. */
  alarms: z._default(z.array(z.string()), []),
  /** The shortest period of those alarms (s): no wait between two checks is longer. */
  alarmPeriodSeconds: z._default(z.nullable(z.number()), null),
  /** Members already on the target image: left alone. */
  skipped: z._default(z.array(z.string()), []),
  dryRun: z.boolean(),
  expectedDurationSeconds: z.number(),
});
export type Plan = z.infer<typeof PlanSchema>;

export const ProgressSchema = z.object({
  startedAt: z.number(),
  /** The launch template version the group runs during the upgrade. */
  newVersion: z.nullable(z.int()),
  /** Reference the group is pointed at ('$Latest' or the number). */
  newVersionRef: z.nullable(z.string()),
  batchIndex: z.int(),
  /** Batches not started yet. */
  batchesLeft: z.int(),
  batchStartedAt: z.nullable(z.number()),
  /** Epoch ms past which the current wait gives up. */
  waitUntil: z.nullable(z.number()),
  /** Desired capacity right after the current batch's surge (for the record; never restored). */
  surgedDesired: z.nullable(z.int()),
  /**
   * Capacity this upgrade added to the group and has not taken back yet: +n
   * per surge, −1 per old node terminated with a decrement. Desired capacity is
   * only ever moved relative to its live value by this, so a scale-in or
   * scale-out by anyone else during the upgrade is kept.
   */
  surgeOutstanding: z._default(z.int(), 0),
  /**
   * The current batch's old nodes still in the group when it surged: one unit of surge each. A batch
   * node already leaving then (taken by an earlier give-back's scale-in, say) has none to take back.
   * Null in executions started before it was recorded: every batch node counts.
   */
  surgedFor: z._default(z.nullable(z.array(z.string())), null),
  /** Nodes of old instances that were ineligible or draining before the upgrade touched anything: left as the operator set them. */
  heldByOperator: z._default(z.array(z.string()), []),
  /** Old instances whose node this upgrade drained (made ineligible): the only ones a rollback makes eligible again. */
  madeIneligible: z._default(z.array(z.string()), []),
  /** New-version members InService that end the current batch's join phase (set by its surge). */
  joinNeeded: z._default(z.nullable(z.int()), null),
  /** New instances seen so far. */
  launched: z.array(z.string()),
  /** Old instances terminated so far. */
  replaced: z.array(z.string()),
  batchDurationsMs: z.array(z.number()),
  /** serverReplace execution of a server pool. */
  childExecutionArn: z.nullable(z.string()),
  /** The phase being polled (join, drain, rollback, child execution) is over. */
  phaseDone: z.boolean(),
  /** Seconds of the next WaitJoin/WaitDrain (see poll.ts); set by the step before each. */
  pollSeconds: z.optional(z.number()),
  /** When the current drain phase began (the join phase begins at batchStartedAt). */
  phaseStartedAt: z.optional(z.nullable(z.number())),
  /** The shortest join and drain phases of the finished batches (ms): the next batch's prediction. */
  lastPhaseMs: z.optional(z.object({ join: z.nullable(z.number()), drain: z.nullable(z.number()) })),
  /** Since when the new nodes' work has been healthy without a break (the bake), and until when it may take to get there. */
  healthySince: z._default(z.nullable(z.number()), null),
  healthUntil: z._default(z.nullable(z.number()), null),
  /** Deployments of the jobs on the new nodes that failed before the upgrade started: reported in the output, never rolled back for. */
  deploymentsFailedBefore: z._default(z.array(z.string()), []),
  /** A checkpoint: wait for approval before the next batch. */
  approvalDue: z._default(z.boolean(), false),
  done: z.boolean(),
});

export const UpgradeStateSchema = z.object({
  executionArn: z.string(),
  plan: PlanSchema,
  progress: ProgressSchema,
  /** Per instance: what happened to it when. */
  timeline: z.record(z.string(), z.array(TimelineEntrySchema)),
  /** Set by a Catch: why the upgrade stopped. */
  failure: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  rollbackFailure: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  rollback: z.optional(z.object({ startedAt: z.number(), waitUntil: z.number(), terminated: z.array(z.string()) })),
});
export type UpgradeState = z.infer<typeof UpgradeStateSchema>;

/** Append a timeline entry for an instance (returns a new timeline). */
export function note(timeline: UpgradeState['timeline'], instanceId: string, at: number, event: string): UpgradeState['timeline'] {
  return { ...timeline, [instanceId]: [...(timeline[instanceId] ?? []), { at: new Date(at).toISOString(), event }] };
}
