/** The drain workflow's state, as it travels between the state machine's tasks (JSON). */
import * as z from '../../validation/zod.js';
import { PoolFactsSchema } from '../../cluster/pool.js';
import { LifecycleActionSchema } from '../../events/lifecycle-action.js';
import { RemovalSnapshotsSchema } from '../servers/removal-snapshot-state.js';
import { ServerRemovalSchema } from '../servers/removal-state.js';

/**
 * Why the instance goes when no scale-in decided it: a Spot interruption
 * warning. EC2 takes the instance at `reclaimAt` whatever the drain does, so
 * the drain must end before it, leaving time for the Consul leave.
 */
export const DrainNoticeSchema = z.object({ kind: z.literal('spot-interruption'), reclaimAt: z.number() });

/** What the router (or the instance notice handler) starts an execution with. */
export const DrainInputSchema = z.object({ action: LifecycleActionSchema, pool: PoolFactsSchema, notice: z.nullish(DrainNoticeSchema) });
export type DrainInput = z.infer<typeof DrainInputSchema>;

/** A task error the state machine caught into `$.error` before it waited and ran Prepare again (States.ALL shape). */
const CaughtErrorSchema = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

/** Prepare's input: the execution input, and on a run after a wait the error that made it wait (named when it gives up). */
export const DrainPrepareInputSchema = z.extend(DrainInputSchema, { error: z.nullish(CaughtErrorSchema) });
export type DrainPrepareInput = z.infer<typeof DrainPrepareInputSchema>;

export const DrainPlanSchema = z.enum(['nothing-joined', 'client', 'server']);
export type DrainPlan = z.infer<typeof DrainPlanSchema>;

/**
 * Work stopped without a replacement running, as the alert names it (execution FAILED `WorkLost`);
 * `WorkUnverified` when the Nomad token cannot read the node's allocations, so what the drain stopped cannot be told.
 */
export const WorkLostSchema = z.object({
  error: z.enum(['WorkLost', 'WorkUnverified']),
  /** One line per allocation: alloc id, job, task group; and why. */
  cause: z.string(),
  /** drain-deadline: Nomad stopped it when the deadline forced the drain; no-room: migrated, but the scheduler found nowhere to place a replacement. */
  allocations: z.array(z.object({ id: z.string(), jobId: z.string(), taskGroup: z.nullable(z.string()), reason: z.enum(['drain-deadline', 'no-room']) })),
});
export type WorkLostReport = z.infer<typeof WorkLostSchema>;

/** State after Prepare; every later task takes and returns it. */
export const DrainStateSchema = z.extend(DrainInputSchema, {
  plan: DrainPlanSchema,
  /** Epoch ms after which the next task gives up (pushed forward by every task that reached the cluster). */
  giveUpAt: z.number(),
  nomadNodeId: z.nullable(z.string()),
  consulNode: z.nullable(z.string()),
  privateIp: z.nullable(z.string()),
  /** The instance's private DNS name (its hostname: Vault's node_id under that convention). */
  privateDnsName: z.nullish(z.string()),
  hook: z.object({
    heartbeatTimeoutSec: z.number(),
    /** The hook's global limit: no heartbeat extends the action past it. Epoch ms. */
    heartbeatLimitAt: z.number(),
  }),
  drain: z.object({
    deadlineNs: z.number(),
    /** Blocking-query wait, ms. */
    waitMs: z.number(),
    index: z.number(),
    done: z.boolean(),
    /** How the drain went: started, already-draining, already-drained, node-gone, node-down, no-nomad-node. */
    mode: z.nullable(z.string()),
    hookFiredAt: z.number(),
    startedAt: z.nullable(z.number()),
    doneAt: z.nullable(z.number()),
    /** The pool's deadline, ns, when StartDrain shortened it to end before the hook's global limit. */
    deadlineCappedFromNs: z.nullish(z.number()),
    /** Allocations the drain displaced that the scheduler found no room for, reported while the drain still runs (once). */
    blocked: z.nullish(WorkLostSchema.shape.allocations),
    /** Set when the drain ended with work stopped at its deadline (the execution then fails `WorkLost` after completing). */
    workLost: z.nullish(WorkLostSchema),
  }),
  /**
   * `leavesBeforeCompletion` of this state, written by Prepare for the state
   * machine's Choice. Optional: a drain started before a deploy that added it
   * carries on under its own definition with the new Lambdas.
   */
  leaveBeforeCompletion: z.optional(z.boolean()),
  left: z.nullable(z.object({ method: z.string(), purged: z.boolean() })),
  /**
   * Set when Consul hides nodes from the token (no node:read): the Nomad
   * drain still runs, then LeaveCluster fails loudly instead of reading the
   * filtered (empty) member list as "already gone".
   */
  consulUnreadable: z.nullish(z.string()),
  /** Why the Nomad token cannot read the node's allocations (no namespace read-job): the drain ends WorkUnverified. */
  allocationsUnreadable: z.nullish(z.string()),
  /** The server branch (plan `server`): set by ServerGuard, carried through ServerLeave and ServerVerify. */
  server: z.nullish(ServerRemovalSchema),
  /** The server branch's raft snapshots before the removal (ServerSnapshot). */
  snapshots: z.nullish(RemovalSnapshotsSchema),
});
export type DrainState = z.infer<typeof DrainStateSchema>;

/**
 * Whether the Consul leave must precede CompleteLifecycleAction: a Spot
 * interruption promises the node out of Consul before the reclaim, and a
 * Consul membership the token cannot read fails the drain loudly before it
 * completes. Otherwise the completion comes right after the drain and the
 * leave follows it, best effort (README "Scale-in").
 */
export function leavesBeforeCompletion(state: Pick<DrainState, 'notice' | 'consulUnreadable'>): boolean {
  return state.notice != null || state.consulUnreadable != null;
}
