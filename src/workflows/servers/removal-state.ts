/** The server branch of the drain workflow: its part of the drain state (JSON between the tasks). */
import * as z from '../../validation/zod.js';

/**
 * What the state machine does next (read by its Choice states):
 * wait (Wait `pollAfterSeconds`, then the same task), proceed (guard passed:
 * leave), verify (left: check the peers are gone and the systems healthy),
 * done (complete the action), give-up (the limit passed: complete loudly).
 */
export const ServerNextSchema = z.enum(['wait', 'proceed', 'verify', 'done', 'give-up']);
type ServerNext = z.infer<typeof ServerNextSchema>;

/** The `server.next` values each task of the server branch can return (its Choice branches on exactly these). */
export const SERVER_NEXT_BY_TASK = {
  guard: ['proceed', 'wait', 'give-up'],
  leave: ['verify'],
  verify: ['done', 'wait', 'give-up'],
} as const satisfies Record<string, readonly ServerNext[]>;

const PeerIdsSchema = z.object({ nomad: z.array(z.string()), consul: z.array(z.string()), vault: z.array(z.string()) });

export const ServerRemovalSchema = z.object({
  next: ServerNextSchema,
  pollAfterSeconds: z.int().check(z.gte(0)),
  /** Guard limit: hook fired + SERVER_QUORUM_WAIT, epoch ms. */
  guardUntil: z.number(),
  /** Verify limit: left + SERVER_QUORUM_WAIT, epoch ms. */
  verifyUntil: z.nullable(z.number()),
  /** Raft peer ids of this instance per system, as the guard found them. */
  peers: PeerIdsSchema,
  guardChecks: z.int(),
  /** The last guard verdict per system, for logs and the Cause. */
  verdict: z.string(),
  guardPassedAt: z.nullable(z.number()),
  /** Nomad leadership moved away from this node (to that peer id). */
  leadershipTransferredTo: z.nullable(z.string()),
  /** Run Command status of the graceful leave (or NodeUnreachable). */
  leaveStatus: z.nullable(z.string()),
  leftAt: z.nullable(z.number()),
  /** How each system lost the peer: left (by itself) or api (removed through the API). */
  removed: z.record(z.string(), z.string()),
  doneAt: z.nullable(z.number()),
  error: z.nullish(z.object({ Error: z.string(), Cause: z.string() })),
});
export type ServerRemoval = z.infer<typeof ServerRemovalSchema>;
/** The drain state a server-branch task returns: its `server.next` is one of {@link SERVER_NEXT_BY_TASK}[task]. */
export type ServerRemovalAfter<S, T extends keyof typeof SERVER_NEXT_BY_TASK> = S & {
  server: ServerRemoval & { next: (typeof SERVER_NEXT_BY_TASK)[T][number] };
};
