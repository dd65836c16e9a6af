/**
 * What the operator had already done to the pool's nodes before the upgrade
 * changed anything: nodes ineligible or draining (cordoned for maintenance,
 * a drain in progress). The upgrade never undoes those; a rollback re-enables
 * only nodes the upgrade itself drained.
 */
import type { UpgradeDeps } from './deps.js';
import { active, members, readGroup } from './group.js';
import type { UpgradeState } from './state.js';

/** Record the old instances whose node is ineligible or draining now (run once the lock is held, before any change). */
export async function recordOperatorHolds(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  if (state.plan.role !== 'client') return state;
  const nomad = deps.nomad();
  const held: string[] = [];
  for (const m of active(members(await readGroup(deps, state.plan.asgName)))) {
    const node = await nomad.findNodeByInstanceId(m.instanceId);
    if (node && (node.Drain || node.SchedulingEligibility !== 'eligible')) held.push(m.instanceId);
  }
  return { ...state, progress: { ...state.progress, heldByOperator: held } };
}
