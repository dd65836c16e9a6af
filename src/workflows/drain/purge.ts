/** PurgeNode: remove the Nomad node record once its agent is gone (after the lifecycle action completed). */
import { NotFound } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { DrainDeps } from './deps.js';
import type { DrainState } from './state.js';

/** Time kept free at the end of the invocation. */
const SAFETY_MARGIN_MS = 10_000;
/** Extra time a blocking read may take beyond its wait. */
const BLOCKING_SLACK_MS = 30_000;
const MAX_WAIT_MS = 5 * 60_000;

/**
 * Purge the node's Nomad record (PURGE_NOMAD_NODE) once Nomad reports it
 * `down`: the instance is terminating, so its agent stops heartbeating within
 * Nomad's heartbeat TTL. A record purged while its agent still runs would come
 * back eligible, hence the wait. Runs after the lifecycle action completed, so
 * it never delays the termination; best effort: when the invocation runs out
 * of time the record stays, and Nomad garbage-collects down nodes itself.
 */
export async function purgeNomadNode(state: DrainState, deps: DrainDeps, remainingMs: () => number): Promise<DrainState> {
  const log = getLogger();
  if (!deps.config.purgeNomadNode || !state.nomadNodeId) return state;
  const done = (purged: boolean): DrainState => ({ ...state, left: { method: state.left?.method ?? 'unknown', purged } });
  let index = 0;
  for (;;) {
    let node;
    try {
      const result = await deps.nomad.getNode(state.nomadNodeId, index > 0 ? { index, waitMs: Math.min(MAX_WAIT_MS, remainingMs() - SAFETY_MARGIN_MS - BLOCKING_SLACK_MS) } : {});
      node = result.node;
      index = Math.max(1, result.index);
    } catch (error) {
      if (error instanceof NotFound) return done(true);
      throw error;
    }
    if (node.Status === 'down') {
      await deps.nomad.purgeNode(state.nomadNodeId);
      log.info('Nomad node purged', { nomadNodeId: state.nomadNodeId });
      return done(true);
    }
    if (remainingMs() - SAFETY_MARGIN_MS - BLOCKING_SLACK_MS < 5_000) {
      log.warn('Nomad node not down yet; leaving its record to Nomad garbage collection', { nomadNodeId: state.nomadNodeId, status: node.Status });
      return done(false);
    }
  }
}
