/** StartDrain: heartbeat, then start the Nomad drain unless it is running or done already. */
import { NotFound } from '../../errors/index.js';
import type { NomadNode } from '../../hashicorp/nomad/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { secondsMetric } from '../../observability/metrics.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, heartbeat, nextGiveUpAt } from './guards.js';
import type { DrainState } from './state.js';

/**
 * Mark the node ineligible and drain it (deadline from the pool, system jobs
 * ignored). Idempotent: a node already draining is only watched, a node
 * already drained (LastDrain complete, no DrainStrategy, ineligible) is done.
 * @throws GiveUp, ClusterUnreachable
 */
export async function startDrain(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  checkGiveUp(deps, state.giveUpAt, 'StartDrain');
  await heartbeat(deps, state);
  const t = deps.now();
  const done = (mode: string, index = state.drain.index): DrainState => ({
    ...state,
    giveUpAt: nextGiveUpAt(deps),
    drain: { ...state.drain, done: true, mode, index, startedAt: state.drain.startedAt ?? t, doneAt: t },
  });
  if (!state.nomadNodeId) return done('no-nomad-node');

  let node: NomadNode;
  let index: number;
  try {
    ({ node, index } = await deps.nomad.getNode(state.nomadNodeId));
  } catch (error) {
    if (error instanceof NotFound) return done('node-gone');
    throw error;
  }
  if (node.DrainStrategy) {
    getLogger().info('node is already draining; watching the running drain', { nomadNodeId: node.ID });
    return { ...state, giveUpAt: nextGiveUpAt(deps), drain: { ...state.drain, mode: 'already-draining', index, startedAt: state.drain.startedAt ?? t } };
  }
  if (node.LastDrain?.Status === 'complete' && node.SchedulingEligibility === 'ineligible') return done('already-drained', index);
  if (node.Status === 'down') return done('node-down', index);

  await deps.nomad.setEligibility(state.nomadNodeId, false);
  const r = await deps.nomad.drainNode(
    state.nomadNodeId,
    { deadlineNs: state.drain.deadlineNs, ignoreSystemJobs: true },
    { 'hashistack.reason': 'asg-scale-in', 'hashistack.instance-id': state.action.instanceId, 'hashistack.asg': state.action.asgName },
  );
  const startedAt = deps.now();
  secondsMetric('HookFiredToDrainStarted', startedAt - state.drain.hookFiredAt);
  getLogger().info('drain started', { nomadNodeId: node.ID, deadlineNs: state.drain.deadlineNs });
  return { ...state, giveUpAt: nextGiveUpAt(deps), drain: { ...state.drain, mode: 'started', index: Math.max(index, r.index), startedAt } };
}
