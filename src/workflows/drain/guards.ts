/** Checks every drain task makes. */
import { INTERRUPTION_TOKEN } from '../../aws/autoscaling.js';
import { GiveUp, LifecycleActionLost } from '../../errors/index.js';
import { recordHeartbeat } from '../task.js';
import type { DrainDeps } from './deps.js';
import type { DrainState } from './state.js';

/**
 * @param lastError the error that made the task wait before this run, named in the give-up (the alert) so it says what to fix.
 * @throws GiveUp when `giveUpAt` has passed.
 */
export function checkGiveUp(deps: Pick<DrainDeps, 'now'>, giveUpAt: number, task: string, lastError?: { Error: string; Cause?: string } | null): void {
  const t = deps.now();
  if (t > giveUpAt) {
    const last = lastError ? `; last error: ${lastError.Error}: ${causeMessage(lastError.Cause)}` : '';
    throw new GiveUp(`${task}: no progress since ${new Date(giveUpAt).toISOString()} (GIVE_UP_AFTER elapsed); completing the lifecycle action anyway${last}`);
  }
}

/** A Lambda error's message from the Cause Step Functions records (`{"errorType", "errorMessage", "trace"}`), else the Cause. */
function causeMessage(cause: string | undefined): string {
  try {
    const message = (JSON.parse(cause ?? '') as { errorMessage?: unknown }).errorMessage;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: the Cause as it is
  }
  return cause ?? '';
}

/** The next give-up time after the cluster answered. */
export function nextGiveUpAt(deps: Pick<DrainDeps, 'now' | 'config'>): number {
  return deps.now() + deps.config.giveUpAfterMs;
}

/**
 * Heartbeat while the node still has work on it: an action that is no longer
 * active (the hook expired, or someone completed it) lets the instance
 * terminate with that work, so it fails the drain loudly instead of counting
 * as done.
 * @throws LifecycleActionLost
 */
export async function heartbeatWhileDraining(
  deps: Pick<DrainDeps, 'now' | 'autoscaling'>,
  state: Pick<DrainState, 'action' | 'hook' | 'nomadNodeId'>,
  task: string,
): Promise<void> {
  const r = await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt);
  if (r !== 'not-active') return;
  // An interruption's drain has an action only if the group started one (Capacity Rebalancing); none is no loss.
  if (state.action.token === INTERRUPTION_TOKEN) return;
  const limit =
    deps.now() >= state.hook.heartbeatLimitAt
      ? `the hook's global limit (${new Date(state.hook.heartbeatLimitAt).toISOString()}) passed`
      : 'the hook expired or someone completed the action';
  throw new LifecycleActionLost(
    `${task}: the lifecycle action of ${state.action.instanceId} is no longer active while Nomad node ${state.nomadNodeId ?? '?'} still drains (${limit}); the instance terminates with whatever still runs on it`,
  );
}
