/** The state a cluster upgrade execution carries from task to task (validated at every task). */
import * as z from 'zod';

/** What happened to one pool. */
export const PoolRunSchema = z.object({
  pool: z.string(),
  asgName: z.string(),
  role: z.enum(['server', 'client']),
  /** Image the pool ran when the cluster upgrade was planned. */
  from: z.string().nullable(),
  imageId: z.string(),
  status: z.enum(['pending', 'skipped', 'running', 'upgraded', 'dry-run', 'failed', 'not-started']),
  /** Its poolUpgrade execution. */
  executionArn: z.string().nullable(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Why it failed, or why it was skipped. */
  detail: z.string().nullable(),
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
    surge: z.union([z.number(), z.string()]).optional(),
    batchSize: z.union([z.number(), z.string()]).optional(),
    drainDeadline: z.string().optional(),
    dryRun: z.boolean().optional(),
    approval: z.boolean().optional(),
  }),
  /** Server pools first, then client pools; run in this order, one at a time. */
  pools: z.array(PoolRunSchema),
  progress: z.object({
    /** Index in `pools` of the pool being upgraded. */
    current: z.number().int().nullable(),
    /** running: poll again; succeeded: start the next; failed: stop. */
    phase: z.enum(['idle', 'running', 'succeeded', 'failed']),
    /** No pool left to start. */
    done: z.boolean(),
  }),
  /** The one-line reason a failed execution shows (set when a pool failed). */
  cause: z.string().optional(),
  /** Set by a Catch. */
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type ClusterUpgradeState = z.infer<typeof ClusterUpgradeStateSchema>;
