/** The state a cluster upgrade execution carries from task to task (validated at every task). */
import * as z from '../../validation/zod.js';

/** What happened to one pool. */
export const PoolRunSchema = z.object({
  pool: z.string(),
  asgName: z.string(),
  role: z.enum(['server', 'client']),
  /** Image the pool ran when the cluster upgrade was planned. */
  from: z.nullable(z.string()),
  imageId: z.string(),
  status: z.enum(['pending', 'skipped', 'running', 'upgraded', 'dry-run', 'failed', 'not-started']),
  /** Its poolUpgrade execution. */
  executionArn: z.nullable(z.string()),
  startedAt: z.nullable(z.number()),
  endedAt: z.nullable(z.number()),
  /** Why it failed, or why it was skipped. */
  detail: z.nullable(z.string()),
});
export type PoolRun = z.infer<typeof PoolRunSchema>;

/** What the cluster upgrade does after polling the current pool (checkPool): poll again, start the next pool, or stop. */
export const POOL_CHECK_PHASES = ['running', 'succeeded', 'failed'] as const;
export type PoolCheckPhase = (typeof POOL_CHECK_PHASES)[number];

export const ClusterUpgradeStateSchema = z.object({
  executionArn: z.string(),
  startedAt: z.number(),
  /** Passed to every poolUpgrade as typed (already validated). */
  knobs: z.object({
    surge: z.optional(z.union([z.number(), z.string()])),
    batchSize: z.optional(z.union([z.number(), z.string()])),
    drainDeadline: z.optional(z.string()),
    dryRun: z.optional(z.boolean()),
    approval: z.optional(z.boolean()),
  }),
  /** Server pools first, then client pools; run in this order, one at a time. */
  pools: z.array(PoolRunSchema),
  progress: z.object({
    /** Index in `pools` of the pool being upgraded. */
    current: z.nullable(z.int()),
    /** running: poll again; succeeded: start the next; failed: stop. */
    phase: z.enum(['idle', 'running', 'succeeded', 'failed']),
    /** No pool left to start. */
    done: z.boolean(),
  }),
  /** The one-line reason a failed execution shows (set when a pool failed). */
  cause: z.optional(z.string()),
  /** Set by a Catch. */
  failure: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
});
export type ClusterUpgradeState = z.infer<typeof ClusterUpgradeStateSchema>;
