/** StartDrain: heartbeat, then start the Nomad drain unless it is running or done already. */
import { NotFound } from '../../errors/index.js';
import type { NomadNode } from '../../hashicorp/nomad/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric, secondsMetric } from '../../observability/metrics.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, heartbeatWhileDraining, nextGiveUpAt } from './guards.js';
import type { DrainState } from './state.js';

/** Time kept before the hook's global limit for the leave and the completion after the drain. */
export const HOOK_LIMIT_MARGIN_MS = 10 * 60_000;
/**
 * Time kept before a Spot Instance is reclaimed for the Consul leave (graceful
 * over SSM, seconds; force-leave as the fallback) and the completion.
 */
export const RECLAIM_MARGIN_MS = 30_000;
/** The shortest deadline given to Nomad (a hook limit already too close forces the drain at once). */
const MIN_DEADLINE_MS = 1_000;
const NS_PER_MS = 1_000_000;

/**
 * The pool's drain deadline, shortened to end {@link HOOK_LIMIT_MARGIN_MS}
 * before the hook's global limit: a drain that outlives the lifecycle action
 * loses its work silently when the instance terminates, one that reaches
 * its deadline is seen and alerted. (0 = no deadline is capped too.)
 */
export function cappedDeadlineNs(state: Pick<DrainState, 'drain' | 'hook' | 'notice'>, now: number): number {
  const hookLeftMs = state.hook.heartbeatLimitAt - now - HOOK_LIMIT_MARGIN_MS;
  // A Spot Instance goes at reclaimAt whatever happens: the drain ends RECLAIM_MARGIN_MS before.
  const reclaimLeftMs = state.notice ? state.notice.reclaimAt - now - RECLAIM_MARGIN_MS : Number.POSITIVE_INFINITY;
  const leftMs = Math.max(MIN_DEADLINE_MS, Math.min(hookLeftMs, reclaimLeftMs));
  const poolMs = state.drain.deadlineNs / NS_PER_MS;
  return poolMs > 0 && poolMs <= leftMs ? state.drain.deadlineNs : Math.floor(leftMs) * NS_PER_MS;
}

/**
 * Mark the node ineligible and drain it (deadline from the pool, system jobs
 * ignored). Idempotent: a node already draining is only watched, a node
 * already drained (LastDrain complete, no DrainStrategy, ineligible) is done.
 * @throws GiveUp, ClusterUnreachable
 */
export async function startDrain(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  checkGiveUp(deps, state.giveUpAt, 'StartDrain');
  await heartbeatWhileDraining(deps, state, 'StartDrain');
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

  const deadlineNs = cappedDeadlineNs(state, t);
  if (deadlineNs !== state.drain.deadlineNs) {
    countMetric('DrainDeadlineCapped');
    // Expected for a Spot interruption (info); a pool deadline past the hook's limit is a misconfiguration (warn).
    (state.notice ? getLogger().info.bind(getLogger()) : getLogger().warn.bind(getLogger()))(
      state.notice
        ? 'drain deadline shortened to end before EC2 reclaims the Spot Instance (work still on the node then is stopped and alerted)'
        : "drain deadline shortened to end before the hook's global limit (work still on the node then is stopped and alerted)",
      {
        poolDeadlineNs: state.drain.deadlineNs,
        deadlineNs,
        heartbeatLimitAt: new Date(state.hook.heartbeatLimitAt).toISOString(),
        ...(state.notice ? { reclaimAt: new Date(state.notice.reclaimAt).toISOString() } : {}),
      },
    );
  }
  await deps.nomad.setEligibility(state.nomadNodeId, false);
  const r = await deps.nomad.drainNode(
    state.nomadNodeId,
    { deadlineNs, ignoreSystemJobs: true },
    {
      'hashistack.reason': state.notice ? state.notice.kind : 'asg-scale-in',
      'hashistack.instance-id': state.action.instanceId,
      'hashistack.asg': state.action.asgName,
    },
  );
  const startedAt = deps.now();
  secondsMetric('HookFiredToDrainStarted', startedAt - state.drain.hookFiredAt);
  getLogger().info('drain started', { nomadNodeId: node.ID, deadlineNs });
  const capped = deadlineNs === state.drain.deadlineNs ? null : state.drain.deadlineNs;
  return {
    ...state,
    giveUpAt: nextGiveUpAt(deps),
    drain: { ...state.drain, deadlineNs, deadlineCappedFromNs: capped, mode: 'started', index: Math.max(index, r.index), startedAt },
  };
}
