/** The join workflow's state, as it travels between the state machine's tasks (JSON). */
import * as z from '../../validation/zod.js';
import { PoolFactsSchema } from '../../cluster/pool.js';
import { LifecycleActionSchema } from '../../events/lifecycle-action.js';

/** What the router starts an execution with. */
export const JoinInputSchema = z.object({ action: LifecycleActionSchema, pool: PoolFactsSchema });
export type JoinInput = z.infer<typeof JoinInputSchema>;

/**
 * What the state machine does next (its Choice states read `$.next`):
 * run-join / retry-join (ssm mode), watch (again at once), poll (Wait
 * `pollAfterSeconds`, then watch), joined, timeout, gate-failed (a condition
 * that will never fix itself), abandon (diagnostics collected), ended
 * (instance terminating or action no longer active: nothing left to do).
 */
export const JoinNextSchema = z.enum(['run-join', 'retry-join', 'watch', 'poll', 'joined', 'timeout', 'gate-failed', 'abandon', 'ended']);
type JoinNext = z.infer<typeof JoinNextSchema>;

/** The `next` values each task can return: the state machine's Choice after a task branches on exactly these. */
export const JOIN_NEXT_BY_TASK = {
  prepare: ['run-join', 'watch', 'ended'],
  runJoin: ['watch', 'retry-join', 'timeout', 'ended'],
  watch: ['joined', 'poll', 'watch', 'timeout', 'gate-failed', 'ended'],
  diagnose: ['abandon', 'ended'],
} as const satisfies Record<string, readonly JoinNext[]>;

/** One gate condition as last evaluated. `fatal`: failed and will never become true by waiting. */
export const GateConditionSchema = z.object({ name: z.string(), ok: z.boolean(), fatal: z.boolean(), detail: z.string() });
export type GateCondition = z.infer<typeof GateConditionSchema>;

/** What SSM brought back from the node when the join failed. */
export const DiagnosticsSchema = z.object({
  /** Run Command status, or NodeUnreachable (SSM agent never came online: the node may never have booted). */
  ssmStatus: z.string(),
  reason: z.nullable(z.string()),
  /** Output per diagnostic command (consul-status, nomad-status, consul-log, nomad-log). */
  sections: z.record(z.string(), z.string()),
});
export type Diagnostics = z.infer<typeof DiagnosticsSchema>;

/** State after Prepare; every later task takes and returns it. */
export const JoinStateSchema = z.extend(JoinInputSchema, {
  mode: z.enum(['auto', 'ssm']),
  next: JoinNextSchema,
  /** Seconds the state machine waits before the next task when `next` is poll or retry-join. */
  pollAfterSeconds: z.int().check(z.gte(0)),
  privateIp: z.nullable(z.string()),
  /** The instance's private DNS name (its hostname: Vault's node_id under that convention). */
  privateDnsName: z.nullish(z.string()),
  /** Hook fired + join timeout, epoch ms. */
  deadlineAt: z.number(),
  joinTimeoutMs: z.number(),
  hook: z.object({
    heartbeatTimeoutSec: z.number(),
    /** The hook's global limit, epoch ms. */
    heartbeatLimitAt: z.number(),
    lastHeartbeatAt: z.number(),
  }),
  /** ssm mode: join attempts through Run Command. */
  join: z.object({ attempts: z.int(), lastResult: z.nullable(z.string()) }),
  gate: z.object({
    conditions: z.array(GateConditionSchema),
    nomadNodeId: z.nullable(z.string()),
    consulNode: z.nullable(z.string()),
    /** Consecutive poll returns (grows the poll interval). */
    polls: z.int(),
    checkedAt: z.nullable(z.number()),
  }),
  timings: z.object({
    hookFiredAt: z.number(),
    /** When the gate was seen satisfied. */
    satisfiedAt: z.nullable(z.number()),
    /** True when a blocking query returned on the change that satisfied the last condition (so satisfiedAt is when it became true). */
    satisfiedExact: z.boolean(),
  }),
  /** Why the workflow ended without completing the action (terminating instance, action no longer active). */
  ended: z.nullable(z.string()),
  diagnostics: z.nullable(DiagnosticsSchema),
  /** Set by Diagnose: the Fail state's Error and Cause. */
  error: z.nullish(z.object({ Error: z.string(), Cause: z.string() })),
});
export type JoinState = z.infer<typeof JoinStateSchema>;
/** The state a task returns: its `next` is one of {@link JOIN_NEXT_BY_TASK}[task]. */
export type JoinStateAfter<T extends keyof typeof JOIN_NEXT_BY_TASK> = JoinState & { next: (typeof JOIN_NEXT_BY_TASK)[T][number] };
