/**
 * Cleanup after the lifecycle action completed: force the Consul member out
 * once it failed (when it did not leave gracefully), and purge the Nomad node
 * record once it is down.
 */
import { NotFound } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { WORKFLOW_WAIT_MS } from '../../hashicorp/blocking.js';
import type { NomadNode } from '../../hashicorp/nomad/schemas.js';
import { BLOCKING_SLACK_MS } from '../task.js';
import { LEAVE_FAILED, MEMBER_POLL_MS, memberState } from './leave.js';
import type { DrainDeps } from './deps.js';
import type { DrainState } from './state.js';

/** Time kept free at the end of the invocation. */
const SAFETY_MARGIN_MS = 10_000;

/**
 * Run the cleanup of a node whose instance is terminating: the deferred
 * Consul force-leave and the Nomad purge, side by side.
 */
export async function cleanupAfterTermination(state: DrainState, deps: DrainDeps, remainingMs: () => number): Promise<DrainState> {
  const [, purged] = await Promise.all([forceLeaveWhenFailed(state, deps, remainingMs), purgeNomadNode(state, deps, remainingMs)]);
  return purged;
}

/** Leave methods whose member is still to be seen out after the completion. */
const WATCHED_AFTER_COMPLETION = new Set(['leave-sent', 'force-leave-after-termination', LEAVE_FAILED]);

/**
 * The member of a sent graceful leave, or of one that was impossible: done
 * once it is left (or gone). An alive member cannot be forced out (it would
 * rejoin): wait until the terminated instance's agent is seen failed, then
 * force-leave with prune.
 */
async function forceLeaveWhenFailed(state: DrainState, deps: DrainDeps, remainingMs: () => number): Promise<void> {
  if ((state.left && !WATCHED_AFTER_COMPLETION.has(state.left.method)) || !state.consulNode) return;
  if (!state.left) {
    // The leave task after the completion never returned (Lambda crash, timeout, throttled past its retries).
    countMetric('ConsulLeaveAfterCompletionFailed');
    getLogger().error('the consul leave after the completion did not run; watching the member until it leaves or fails', { consulNode: state.consulNode });
  }
  for (;;) {
    const member = await memberState(deps, state.consulNode);
    if (member === 'gone' || member === 'left') {
      getLogger().info('consul member left', { consulNode: state.consulNode, method: state.left?.method });
      return;
    }
    if (member === 'failed') {
      await deps.consul.forceLeave(state.consulNode, true);
      countMetric('ConsulForceLeave');
      getLogger().warn('consul member failed after termination; forced it to leave (pruned)', { consulNode: state.consulNode });
      return;
    }
    if (remainingMs() - SAFETY_MARGIN_MS < MEMBER_POLL_MS) {
      getLogger().error('consul member still alive after the instance was released; it needs a force-leave', { consulNode: state.consulNode });
      countMetric('ConsulMemberLeftBehind');
      return;
    }
    await deps.sleep(MEMBER_POLL_MS);
  }
}

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
    let node: NomadNode;
    try {
      const result = await deps.nomad.getNode(
        state.nomadNodeId,
        index > 0 ? { index, waitMs: Math.min(WORKFLOW_WAIT_MS, remainingMs() - SAFETY_MARGIN_MS - BLOCKING_SLACK_MS) } : {},
      );
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
