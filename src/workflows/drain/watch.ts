/** WatchDrain: block on the node until its drain ends or the Lambda runs short of time. */
import { GiveUp, NotFound } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { BLOCKING_SLACK_MS, SAFETY_MARGIN_MS } from '../task.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, heartbeatWhileDraining, nextGiveUpAt } from './guards.js';
import { deadlineReachedAt, lostAllocations, workLostReport, workUnverifiedReport } from './work-lost.js';
import type { DrainState, WorkLostReport } from './state.js';
import type { NomadNode } from '../../hashicorp/nomad/schemas.js';
import { countMetric } from '../../observability/metrics.js';

export { SAFETY_MARGIN_MS, BLOCKING_SLACK_MS };
/** Shorter waits than this are not worth a request. */
const MIN_WAIT_MS = 5_000;

/**
 * What the finished drain stopped without a replacement (deadline kills,
 * migrations with nowhere to go), named for the alert: logged and counted
 * at once; the execution fails `WorkLost` after the action completed.
 */
async function lostWork(state: DrainState, node: NomadNode, deps: DrainDeps): Promise<WorkLostReport | null> {
  if (!state.nomadNodeId) return null;
  if (state.allocationsUnreadable) {
    const report = workUnverifiedReport(state.nomadNodeId, state.action.instanceId, deadlineReachedAt(node), state.allocationsUnreadable);
    countMetric('WorkUnverified');
    getLogger().error('the drain ended, but the Nomad token cannot read allocations: whether work was lost cannot be told', { nomadNodeId: state.nomadNodeId });
    return report;
  }
  const lost = lostAllocations(await deps.nomad.nodeAllocations(state.nomadNodeId), deadlineReachedAt(node));
  const report = workLostReport(state.nomadNodeId, state.action.instanceId, lost);
  if (report) {
    countMetric('WorkLost', report.allocations.length);
    getLogger().error('the drain stopped work without a replacement running', { nomadNodeId: state.nomadNodeId, allocations: report.allocations });
  }
  return report;
}

/**
 * While the drain runs: work it displaced that the scheduler found no room
 * for (a migration without a replacement), said at once (log, `DrainBlocked`,
 * the execution's state) rather than at the deadline. Null while there is none.
 */
async function noRoomYet(state: DrainState, deps: DrainDeps): Promise<NonNullable<DrainState['drain']['blocked']> | null> {
  if (!state.nomadNodeId) return null;
  const unplaced = lostAllocations(await deps.nomad.nodeAllocations(state.nomadNodeId), null);
  if (unplaced.length === 0) return null;
  countMetric('DrainBlocked', unplaced.length);
  getLogger().error('the pool has no room for work the drain displaced: it is stopped without a replacement (the drain will end WorkLost)', {
    nomadNodeId: state.nomadNodeId,
    allocations: unplaced,
  });
  return unplaced;
}

/**
 * Repeat blocking queries on the node (`?index=&wait=`) until `DrainStrategy`
 * is null, heartbeating the lifecycle action after each return, while the
 * invocation has time left. Returns the state with `drain.done` and the index.
 * @param remainingMs the Lambda context's getRemainingTimeInMillis
 * @throws GiveUp (no progress for GIVE_UP_AFTER, or the drain overran its deadline by GIVE_UP_AFTER), ClusterUnreachable
 */
export async function watchDrain(state: DrainState, deps: DrainDeps, remainingMs: () => number): Promise<DrainState> {
  checkGiveUp(deps, state.giveUpAt, 'WatchDrain');
  const { drain } = state;
  if (drain.done || !state.nomadNodeId) return { ...state, drain: { ...drain, done: true } };
  if (drain.startedAt !== null && drain.deadlineNs > 0) {
    const overrunAt = drain.startedAt + drain.deadlineNs / 1_000_000 + deps.config.giveUpAfterMs;
    if (deps.now() > overrunAt)
      throw new GiveUp(
        `WatchDrain: the drain of ${state.nomadNodeId} is still running ${Math.round(deps.config.giveUpAfterMs / 60_000)} min after its deadline`,
      );
  }

  let index = drain.index;
  let giveUpAt = state.giveUpAt;
  let blocked: DrainState['drain']['blocked'] = drain.blocked ?? null;
  for (;;) {
    const budget = remainingMs() - SAFETY_MARGIN_MS - BLOCKING_SLACK_MS;
    const waitMs = Math.min(drain.waitMs, budget);
    if (waitMs < MIN_WAIT_MS) break;
    let result: Awaited<ReturnType<DrainDeps['nomad']['getNode']>>;
    try {
      result = await deps.nomad.getNode(state.nomadNodeId, { index: Math.max(1, index), waitMs });
    } catch (error) {
      if (error instanceof NotFound) {
        getLogger().info('node record is gone; drain considered done');
        return { ...state, giveUpAt: nextGiveUpAt(deps), drain: { ...drain, done: true, mode: drain.mode ?? 'node-gone', index, doneAt: deps.now() } };
      }
      throw error;
    }
    giveUpAt = nextGiveUpAt(deps);
    // An index that went backwards (leader change, snapshot restore) restarts the watch.
    index = result.index < index ? 0 : result.index;
    if (!result.node.DrainStrategy) {
      const doneAt = deps.now();
      const workLost = await lostWork(state, result.node, deps);
      getLogger().info('drain finished', {
        lastDrain: result.node.LastDrain?.Status ?? null,
        nomadNodeId: state.nomadNodeId,
        workLost: workLost?.allocations.length ?? 0,
      });
      return { ...state, giveUpAt, drain: { ...drain, done: true, index, doneAt, workLost, blocked } };
    }
    await heartbeatWhileDraining(deps, state, 'WatchDrain');
    blocked ??= await noRoomYet(state, deps);
  }
  return { ...state, giveUpAt, drain: { ...drain, index, blocked } };
}
