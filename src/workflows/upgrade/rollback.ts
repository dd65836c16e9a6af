/**
 * Roll an upgrade back after a failure or a rejection: the group back on its
 * launch template, the new nodes drained and removed (through the terminate
 * hook's drain workflow), the old nodes eligible again, the group at its
 * starting size. Idempotent: a retried step does what is left.
 */
import { NotFound, UpgradeStalled } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { UpgradeDeps } from './deps.js';
import { active, members, readGroup } from './group.js';
import { WAIT_SLACK_MS } from './rollout.js';
import { note, type UpgradeState } from './state.js';

/** Start the rollback. */
export async function startRollback(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const lt = plan.launchTemplate;
  getLogger().warn('rolling the upgrade back', { asgName: plan.asgName, failure: state.failure });
  if (progress.newVersion !== null) {
    if (lt.version === '$Default') {
      // Exactly what the upgrade changed: the default version, back to the one the group launched.
      await deps.ec2.setDefaultLaunchTemplateVersion(lt.id, lt.resolvedVersion);
    } else {
      // $Latest cannot point back: a new latest version copying the old one.
      await deps.ec2.createLaunchTemplateVersion(lt.id, String(lt.resolvedVersion), lt.imageId ?? '', `hashistack upgrade rollback to version ${lt.resolvedVersion}`);
    }
  }
  const t0 = deps.now();
  let timeline = state.timeline;
  const terminated: string[] = [];
  if (plan.role === 'client' && progress.newVersion !== null) {
    const g = await readGroup(deps, plan.asgName);
    let desired = g.DesiredCapacity ?? plan.desired;
    const ms = active(members(g));
    for (const m of ms.filter((x) => x.version === progress.newVersion && x.launchTemplateId === lt.id)) {
      const decrement = desired > plan.desired;
      await deps.autoscaling.terminateInstance(m.instanceId, decrement);
      if (decrement) desired--;
      terminated.push(m.instanceId);
      timeline = note(timeline, m.instanceId, deps.now(), 'rollback: terminated');
    }
    const nomad = deps.nomad();
    for (const m of ms.filter((x) => x.version !== progress.newVersion)) {
      const node = await nomad.findNodeByInstanceId(m.instanceId);
      if (!node) continue;
      try {
        if (node.Drain) await nomad.cancelDrain(node.ID, true);
        else if (node.SchedulingEligibility !== 'eligible') await nomad.setEligibility(node.ID, true);
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
      timeline = note(timeline, m.instanceId, deps.now(), 'rollback: eligible again');
    }
    if (desired !== plan.desired) await deps.autoscaling.setDesiredCapacity(plan.asgName, plan.desired);
  }
  const waitUntil = t0 + plan.drainDeadlineMs + plan.joinTimeoutMs + 2 * WAIT_SLACK_MS;
  return { ...state, timeline, rollback: { startedAt: t0, waitUntil, terminated }, progress: { ...progress, phaseDone: plan.role !== 'client' } };
}

/**
 * Is the rollback over: no member on the new version, the group at its
 * starting size with every member InService?
 * @throws UpgradeStalled past its deadline
 */
export async function checkRollback(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const g = await readGroup(deps, plan.asgName);
  const ms = members(g);
  const done =
    !ms.some((m) => m.version === progress.newVersion && m.launchTemplateId === plan.launchTemplate.id) &&
    ms.length === plan.desired &&
    ms.every((m) => m.lifecycleState === 'InService');
  if (!done && state.rollback && deps.now() > state.rollback.waitUntil) {
    throw new UpgradeStalled(`rollback of ${plan.asgName} did not settle in time (${ms.length} members, desired ${plan.desired})`);
  }
  return { ...state, progress: { ...progress, phaseDone: done } };
}
