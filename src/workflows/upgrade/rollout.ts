/**
 * The steps of a client pool's rolling replacement, one per task: point the
 * group at the new launch template version, surge a batch of new nodes, wait
 * until they passed the join gate, drain and terminate the batch's old nodes
 * (the terminate hook runs the drain workflow, which watches the drain started
 * here), wait until they are gone, and finish.
 */
import { NotFound, UpgradeStalled } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { UpgradeDeps } from './deps.js';
import { active, type Member, members, readGroup } from './group.js';
import { nextPollSeconds, shortest } from './poll.js';
import { note, type UpgradeState } from './state.js';

/** Drain meta naming the upgrade execution that drained the node: a rollback re-enables it even if the drain step failed before recording it. */
export const UPGRADE_DRAIN_META = 'hashistack.upgrade';

/** Slack added to the join timeout and drain deadline before a wait gives up (ms). */
export const WAIT_SLACK_MS = 5 * 60_000;

/**
 * Make the group launch the target: it launches `$Default` or `$Latest` of its
 * launch template (Validate refuses a pinned version), so the group itself is
 * never updated (UpdateAutoScalingGroup would need ec2:RunInstances and
 * iam:PassRole). `$Default`: a new version with the image (or the given
 * version) becomes the default. `$Latest`: a new version with the image (or a
 * copy of the given version) is the latest.
 */
export async function setLaunchTemplate(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan } = state;
  const lt = plan.launchTemplate;
  const name = state.executionArn.split(':').pop() ?? 'upgrade';
  let version = plan.target.version;
  if (version === null) {
    version = await deps.ec2.createLaunchTemplateVersion(lt.id, String(lt.resolvedVersion), plan.target.imageId as string, `hashistack upgrade ${name}`);
  } else if (lt.version === '$Latest') {
    version = await deps.ec2.createLaunchTemplateVersion(
      lt.id,
      String(version),
      plan.target.imageId as string,
      `hashistack upgrade ${name}: copy of version ${version}`,
    );
  }
  if (lt.version === '$Default') await deps.ec2.setDefaultLaunchTemplateVersion(lt.id, version);
  getLogger().info('group launches the new launch template version', { asgName: plan.asgName, version, ref: lt.version });
  return { ...state, progress: { ...state.progress, newVersion: version, newVersionRef: lt.version } };
}

/** The group's members on the upgrade's new launch template version. */
function onNewVersion(state: UpgradeState, ms: Member[]): Member[] {
  return ms.filter((m) => m.version === state.progress.newVersion && m.launchTemplateId === state.plan.launchTemplate.id);
}

/**
 * Surge: raise the live desired capacity by the number of the batch's old
 * nodes still in the group (someone else's scale-in may have removed some;
 * their change is kept, never overwritten by a planned number). Not
 * idempotent: a retry after a crash between SetDesiredCapacity and the step's
 * end surges again, leaving that much extra capacity after the upgrade (the
 * safe direction: never fewer nodes; new-version members cannot tell our
 * surge from someone else's scale-out).
 */
export async function startBatch(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const g = await readGroup(deps, plan.asgName);
  const ms = active(members(g));
  const present = new Set(ms.map((m) => m.instanceId));
  const batch = (plan.batches[progress.batchIndex] ?? []).filter((id) => present.has(id));
  const fresh = onNewVersion(state, ms);
  const live = g.DesiredCapacity ?? 0;
  const surged = live + batch.length;
  if (batch.length > 0) await deps.autoscaling.setDesiredCapacity(plan.asgName, surged);
  const t = deps.now();
  let timeline = state.timeline;
  for (const id of batch) timeline = note(timeline, id, t, `batch ${progress.batchIndex + 1}: surge ${live} → ${surged}`);
  const joinNeeded = fresh.filter((m) => progress.launched.includes(m.instanceId)).length + batch.length;
  const pollSeconds = nextPollSeconds(0, progress.lastPhaseMs?.join);
  return {
    ...state,
    timeline,
    progress: {
      ...progress,
      batchStartedAt: t,
      surgedDesired: surged,
      surgeOutstanding: batch.length,
      surgedFor: batch,
      joinNeeded,
      waitUntil: t + plan.joinTimeoutMs + WAIT_SLACK_MS,
      phaseDone: false,
      pollSeconds,
    },
  };
}

/**
 * Have the batch's new nodes passed the join gate (InService on the new version)?
 * @throws UpgradeStalled past the join timeout
 */
export async function checkJoined(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const t = deps.now();
  const ms = active(members(await readGroup(deps, plan.asgName)));
  const fresh = ms.filter((m) => m.version === progress.newVersion && m.launchTemplateId === plan.launchTemplate.id);
  let timeline = state.timeline;
  const launched = [...progress.launched];
  for (const m of fresh) {
    if (!launched.includes(m.instanceId)) {
      launched.push(m.instanceId);
      timeline = note(timeline, m.instanceId, t, `launched (batch ${progress.batchIndex + 1})`);
    }
    if (m.lifecycleState === 'InService' && !(timeline[m.instanceId] ?? []).some((e) => e.event === 'joined'))
      timeline = note(timeline, m.instanceId, t, 'joined');
  }
  const needed = progress.joinNeeded ?? plan.batches.slice(0, progress.batchIndex + 1).reduce((n, b) => n + b.length, 0);
  const joined = fresh.filter((m) => m.lifecycleState === 'InService').length;
  if (joined < needed && progress.waitUntil !== null && t > progress.waitUntil) {
    throw new UpgradeStalled(
      `batch ${progress.batchIndex + 1}: ${joined} of ${needed} new nodes joined within the join timeout (${Math.round(plan.joinTimeoutMs / 60_000)} min + slack)`,
    );
  }
  const elapsed = t - (progress.batchStartedAt ?? t);
  const phaseDone = joined >= needed;
  const lastPhaseMs = phaseDone ? { join: shortest(progress.lastPhaseMs?.join, elapsed), drain: progress.lastPhaseMs?.drain ?? null } : progress.lastPhaseMs;
  return {
    ...state,
    timeline,
    progress: { ...progress, launched, phaseDone, pollSeconds: nextPollSeconds(elapsed, progress.lastPhaseMs?.join), ...(lastPhaseMs ? { lastPhaseMs } : {}) },
  };
}

/**
 * Drain the batch's old nodes (marks them ineligible; the drain workflow of
 * the terminate hook watches these drains) and terminate them, each taking
 * one unit of this batch's surge back off the live desired capacity. A batch
 * node someone else removed after the surge (gone from the group) leaves its
 * unit: taken back too.
 */
export async function drainBatch(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const batch = plan.batches[progress.batchIndex] ?? [];
  const all = members(await readGroup(deps, plan.asgName));
  const present = new Set(active(all).map((m) => m.instanceId));
  const terminating = new Set(all.filter((m) => !present.has(m.instanceId)).map((m) => m.instanceId));
  const nomad = deps.nomad();
  let timeline = state.timeline;
  let outstanding = progress.surgeOutstanding;
  const madeIneligible = [...progress.madeIneligible];
  for (const id of batch) {
    if (!present.has(id)) {
      // Leaving since before the surge: no unit of this batch's surge is its.
      if (progress.surgedFor !== null && !progress.surgedFor.includes(id)) continue;
      // Still terminating: counted as this step's own (a retry must not take the unit back twice);
      // if it was someone else's scale-in, the group ends one node above their number, the safe side.
      if (terminating.has(id) && outstanding > 0) outstanding--;
      continue;
    }
    const node = await nomad.findNodeByInstanceId(id);
    // A node the operator had already cordoned or was draining is not ours to record (nor to re-enable on rollback).
    if (node && !progress.heldByOperator.includes(id) && !madeIneligible.includes(id)) madeIneligible.push(id);
    if (node && !node.Drain) {
      try {
        await nomad.drainNode(
          node.ID,
          { deadlineNs: plan.drainDeadlineMs * 1_000_000, ignoreSystemJobs: true },
          { 'hashistack.reason': 'upgrade', 'hashistack.instance-id': id, 'hashistack.asg': plan.asgName, [UPGRADE_DRAIN_META]: state.executionArn },
        );
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
    }
    const decrement = outstanding > 0;
    await deps.autoscaling.terminateInstance(id, decrement);
    if (decrement) outstanding--;
    timeline = note(timeline, id, deps.now(), `drain started, terminated (batch ${progress.batchIndex + 1})`);
  }
  outstanding = await takeBackSurge(plan.asgName, outstanding, deps);
  const t = deps.now();
  return {
    ...state,
    timeline,
    progress: {
      ...progress,
      surgeOutstanding: outstanding,
      madeIneligible,
      waitUntil: t + plan.drainDeadlineMs + WAIT_SLACK_MS,
      phaseDone: false,
      phaseStartedAt: t,
      pollSeconds: nextPollSeconds(0, progress.lastPhaseMs?.drain),
    },
  };
}

/** Lower the live desired capacity by what is left of this upgrade's surge (never below 0). Returns 0. */
export async function takeBackSurge(asgName: string, outstanding: number, deps: UpgradeDeps): Promise<number> {
  if (outstanding <= 0) return 0;
  const live = (await readGroup(deps, asgName)).DesiredCapacity ?? 0;
  await deps.autoscaling.setDesiredCapacity(asgName, Math.max(0, live - outstanding));
  return 0;
}

/**
 * Are the batch's old nodes done (drained, terminate lifecycle action completed)?
 * @throws UpgradeStalled past the drain deadline
 */
export async function checkDrained(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const batch = plan.batches[progress.batchIndex] ?? [];
  const t = deps.now();
  // Past Terminating:Proceed the terminate hook has completed (drained, left the cluster): only the
  // instance's shutdown is left, which the next batch need not wait for. The last batch waits for it,
  // so an upgraded group has no old member left.
  const last = progress.batchesLeft <= 1;
  const ids = new Set(
    members(await readGroup(deps, plan.asgName))
      .filter((m) => last || (m.lifecycleState !== 'Terminating:Proceed' && m.lifecycleState !== 'Terminated'))
      .map((m) => m.instanceId),
  );
  const left = batch.filter((id) => ids.has(id));
  if (left.length > 0) {
    if (progress.waitUntil !== null && t > progress.waitUntil)
      throw new UpgradeStalled(`batch ${progress.batchIndex + 1}: ${left.join(', ')} not gone within the drain deadline + slack`);
    return {
      ...state,
      progress: { ...progress, phaseDone: false, pollSeconds: nextPollSeconds(t - (progress.phaseStartedAt ?? t), progress.lastPhaseMs?.drain) },
    };
  }
  let timeline = state.timeline;
  for (const id of batch) timeline = note(timeline, id, t, 'gone');
  return {
    ...state,
    timeline,
    progress: {
      ...progress,
      phaseDone: true,
      batchIndex: progress.batchIndex + 1,
      batchesLeft: Math.max(0, progress.batchesLeft - 1),
      replaced: [...progress.replaced, ...batch],
      batchDurationsMs: [...progress.batchDurationsMs, t - (progress.batchStartedAt ?? t)],
      surgedDesired: null,
      waitUntil: null,
      lastPhaseMs: { join: progress.lastPhaseMs?.join ?? null, drain: shortest(progress.lastPhaseMs?.drain, t - (progress.phaseStartedAt ?? t)) },
    },
  };
}

/**
 * The upgrade is done. Nothing is written: every batch's surge was taken back
 * by its drain step (drainBatch always leaves nothing outstanding, giving back
 * even the unit of a batch node someone else removed), so the desired capacity
 * is whatever it is now (the starting size, plus or minus what anyone else
 * changed meanwhile), never reset to the planned number.
 */
export async function finishUpgrade(state: UpgradeState, _deps: UpgradeDeps): Promise<UpgradeState> {
  return { ...state, progress: { ...state.progress, done: true, waitUntil: null } };
}
