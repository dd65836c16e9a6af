/**
 * Roll an upgrade back after a failure or a rejection: the group back on its
 * launch template, the new nodes drained and removed (through the terminate
 * hook's drain workflow), the old nodes it drained eligible again, its surge
 * taken back off the live desired capacity. Idempotent: a retried step does what is left.
 */
import { NotFound, UpgradeStalled } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { UpgradeDeps } from './deps.js';
import { active, members, readGroup } from './group.js';
import { takeBackSurge, UPGRADE_DRAIN_META, WAIT_SLACK_MS } from './rollout.js';
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
      await deps.ec2.createLaunchTemplateVersion(
        lt.id,
        String(lt.resolvedVersion),
        lt.imageId ?? '',
        `hashistack upgrade rollback to version ${lt.resolvedVersion}`,
      );
    }
  }
  const t0 = deps.now();
  let timeline = state.timeline;
  const terminated: string[] = [];
  let surgeOutstanding = progress.surgeOutstanding;
  if (plan.role === 'client' && progress.newVersion !== null) {
    const g = await readGroup(deps, plan.asgName);
    const all = members(g);
    const ms = active(all);
    // New nodes already terminating (a retried rollback's own): their unit counts as taken back, the safe side.
    for (const m of all) if (!ms.includes(m) && m.version === progress.newVersion && m.launchTemplateId === lt.id && surgeOutstanding > 0) surgeOutstanding--;
    // New nodes of the running surge leave with their unit of desired capacity; the others are replaced on the old version.
    for (const m of ms.filter((x) => x.version === progress.newVersion && x.launchTemplateId === lt.id)) {
      const decrement = surgeOutstanding > 0;
      await deps.autoscaling.terminateInstance(m.instanceId, decrement);
      if (decrement) surgeOutstanding--;
      terminated.push(m.instanceId);
      timeline = note(timeline, m.instanceId, deps.now(), 'rollback: terminated');
    }
    const nomad = deps.nomad();
    for (const m of ms.filter((x) => x.version !== progress.newVersion)) {
      // Only what the upgrade itself drained: a node the operator had cordoned or was draining stays so.
      if (progress.heldByOperator.includes(m.instanceId)) continue;
      const node = await nomad.findNodeByInstanceId(m.instanceId);
      if (!node) continue;
      // Recorded by the drain step, or drained by this execution (its drain meta) in a drain step that failed before it could record it.
      const ours = progress.madeIneligible.includes(m.instanceId) || node.LastDrain?.Meta?.[UPGRADE_DRAIN_META] === state.executionArn;
      if (!ours || (!node.Drain && node.SchedulingEligibility === 'eligible')) continue;
      try {
        if (node.Drain) await nomad.cancelDrain(node.ID, true);
        else if (node.SchedulingEligibility !== 'eligible') await nomad.setEligibility(node.ID, true);
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
      timeline = note(timeline, m.instanceId, deps.now(), 'rollback: eligible again');
    }
    surgeOutstanding = await takeBackSurge(plan.asgName, surgeOutstanding, deps);
  }
  const waitUntil = t0 + plan.drainDeadlineMs + plan.joinTimeoutMs + 2 * WAIT_SLACK_MS;
  return {
    ...state,
    timeline,
    rollback: { startedAt: t0, waitUntil, terminated },
    progress: { ...progress, surgeOutstanding, phaseDone: plan.role !== 'client' },
  };
}

/**
 * Is the rollback over: no member on the new version, as many members as the
 * live desired capacity (the starting size unless someone else scaled), every
 * one InService?
 * @throws UpgradeStalled past its deadline
 */
export async function checkRollback(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const g = await readGroup(deps, plan.asgName);
  const ms = members(g);
  const done =
    !ms.some((m) => m.version === progress.newVersion && m.launchTemplateId === plan.launchTemplate.id) &&
    ms.length === (g.DesiredCapacity ?? 0) &&
    ms.every((m) => m.lifecycleState === 'InService');
  if (!done && state.rollback && deps.now() > state.rollback.waitUntil) {
    throw new UpgradeStalled(`rollback of ${plan.asgName} did not settle in time (${ms.length} members, desired ${g.DesiredCapacity ?? 0})`);
  }
  return { ...state, progress: { ...progress, phaseDone: done } };
}
