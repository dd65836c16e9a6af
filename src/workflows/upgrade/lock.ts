/**
 * The per-pool upgrade lock: the group tag `hashistack:upgrade-lock` holds the
 * execution ARN of the upgrade running on it. It survives crashes (it is on
 * the group, not in a Lambda); a lock whose holder is no longer RUNNING is
 * stale and taken over.
 */
import { PoolBusy } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { UpgradeDeps } from './deps.js';
import { lockHolder, readGroup } from './group.js';
import { LOCK_TAG, type UpgradeState } from './state.js';

/**
 * Take the lock for this execution (write, then read back: of two racing
 * executions only the one whose value stayed holds it).
 * @throws PoolBusy when a RUNNING execution holds it
 */
export async function takeLock(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const asgName = state.plan.asgName;
  const holder = lockHolder(await readGroup(deps, asgName));
  if (holder === state.executionArn) return state;
  if (holder) {
    const e = await deps.sfn.describeExecution(holder);
    if (e?.status === 'RUNNING') throw new PoolBusy(`pool ${state.plan.pool} is being upgraded by ${holder}; wait for it or stop it`);
    getLogger().warn('taking over a stale upgrade lock', { asgName, holder, holderStatus: e?.status ?? 'unknown' });
  }
  await deps.autoscaling.putGroupTag(asgName, LOCK_TAG, state.executionArn);
  const after = lockHolder(await readGroup(deps, asgName));
  if (after !== state.executionArn) throw new PoolBusy(`pool ${state.plan.pool}: lost the upgrade lock to ${after ?? 'nobody'}`);
  return state;
}

/** Release the lock if this execution holds it (idempotent; never touches another holder's lock). */
export async function releaseLock(state: Pick<UpgradeState, 'executionArn' | 'plan'>, deps: UpgradeDeps): Promise<void> {
  const g = await deps.autoscaling.describeGroup(state.plan.asgName);
  if (g && lockHolder(g) === state.executionArn) await deps.autoscaling.deleteGroupTag(state.plan.asgName, LOCK_TAG);
}
