/** Checks every drain task makes. */
import { GiveUp } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { recordHeartbeat } from '../task.js';
import type { DrainDeps } from './deps.js';
import type { DrainState } from './state.js';

/** @throws GiveUp when `giveUpAt` has passed. */
export function checkGiveUp(deps: Pick<DrainDeps, 'now'>, giveUpAt: number, task: string): void {
  const t = deps.now();
  if (t > giveUpAt) {
    throw new GiveUp(`${task}: no progress since ${new Date(giveUpAt).toISOString()} (GIVE_UP_AFTER elapsed); completing the lifecycle action anyway`);
  }
}

/** The next give-up time after the cluster answered. */
export function nextGiveUpAt(deps: Pick<DrainDeps, 'now' | 'config'>): number {
  return deps.now() + deps.config.giveUpAfterMs;
}

/**
 * Record a lifecycle heartbeat unless the hook's global limit has passed.
 * A no-longer-active action is logged, not an error (the instance goes anyway).
 */
export async function heartbeat(deps: Pick<DrainDeps, 'now' | 'autoscaling'>, state: Pick<DrainState, 'action' | 'hook'>): Promise<'recorded' | 'not-active' | 'past-limit'> {
  const r = await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt);
  if (r === 'not-active') getLogger().warn('lifecycle action no longer active (completed or expired); continuing to clean up');
  return r;
}
