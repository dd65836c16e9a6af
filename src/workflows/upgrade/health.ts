/**
 * The health gate after each batch: the next batch starts only once the
 * work on the upgrade's new nodes has been healthy for the bake time. Work
 * that fails or is marked unhealthy there, or is not healthy within the
 * health timeout, rolls the upgrade back before another old node is touched.
 */
import { UpgradeUnhealthy } from '../../errors/index.js';
import type { UpgradeDeps } from './deps.js';
import { getLogger } from '../../observability/logger.js';
import { judgeDeployments } from './deployments.js';
import { workHealth } from './gates.js';
import { active, members, readGroup } from './group.js';
import { MAX_POLL_SECONDS, MIN_POLL_SECONDS } from './poll.js';
import { note, type UpgradeState } from './state.js';

/** How many problems an error message names. */
const NAMED = 5;
const listed = (xs: string[]): string => `${xs.slice(0, NAMED).join('; ')}${xs.length > NAMED ? ` and ${xs.length - NAMED} more` : ''}`;

/** The instances of the group on the upgrade's new launch template version. */
export async function newNodes(state: UpgradeState, deps: UpgradeDeps): Promise<string[]> {
  const ms = active(members(await readGroup(deps, state.plan.asgName)));
  return ms.filter((m) => m.version === state.progress.newVersion && m.launchTemplateId === state.plan.launchTemplate.id).map((m) => m.instanceId);
}

/** @throws UpgradeUnhealthy when an allocation on the new nodes failed or was marked unhealthy. */
export async function requireNoUnhealthyWork(state: UpgradeState, deps: UpgradeDeps): Promise<void> {
  const { unhealthy } = await workHealth(await newNodes(state, deps), deps);
  if (unhealthy.length > 0) throw new UpgradeUnhealthy(`batch ${state.progress.batchIndex + 1}: work on the new nodes is not healthy: ${listed(unhealthy)}`);
}

/**
 * Is the work on the new nodes healthy (allocations, and the deployments of
 * their jobs: one list of every deployment per check), and has it stayed so
 * for the bake time?
 * Sets `approvalDue` when a checkpoint follows this batch.
 * @throws UpgradeUnhealthy (failed or unhealthy allocations, a deployment failed during the upgrade, or not healthy within the health timeout)
 */
export async function checkHealthy(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { plan, progress } = state;
  const t = deps.now();
  const batch = progress.batchIndex;
  const nodes = await newNodes(state, deps);
  const health = await workHealth(nodes, deps);
  const deployments = health.jobs.size === 0 ? null : judgeDeployments(await deps.nomad().deployments(), health.jobs, progress.startedAt);
  const failed = deployments?.failed ?? [];
  if (failed.length > 0 || health.unhealthy.length > 0) {
    const what = [
      failed.length > 0 ? `a deployment of a job on the new nodes failed during the upgrade: ${listed(failed)}` : '',
      health.unhealthy.length > 0 ? `work on the new nodes is not healthy: ${listed(health.unhealthy)}` : '',
    ];
    throw new UpgradeUnhealthy(`after batch ${batch}: ${what.filter((w) => w !== '').join('; ')}`);
  }
  const failedBefore = [...new Set([...progress.deploymentsFailedBefore, ...(deployments?.failedBefore ?? [])])];
  if (failedBefore.length > progress.deploymentsFailedBefore.length)
    getLogger().warn('deployment failed before the upgrade started: not rolled back for', { failedBefore });
  const pending = [...health.pending, ...(deployments?.running ?? [])];
  const healthUntil = progress.healthUntil ?? t + plan.healthTimeoutMs;
  if (pending.length > 0) {
    if (t > healthUntil)
      throw new UpgradeUnhealthy(
        `after batch ${batch}: work on the new nodes not healthy within ${Math.round(plan.healthTimeoutMs / 60_000)} min: ${listed(pending)}`,
      );
    return {
      ...state,
      progress: { ...progress, deploymentsFailedBefore: failedBefore, healthUntil, healthySince: null, phaseDone: false, pollSeconds: MIN_POLL_SECONDS * 2 },
    };
  }
  const healthySince = progress.healthySince ?? t;
  const baking = plan.bakeMs - (t - healthySince);
  if (baking > 0) {
    return {
      ...state,
      progress: {
        ...progress,
        deploymentsFailedBefore: failedBefore,
        healthUntil,
        healthySince,
        phaseDone: false,
        pollSeconds: Math.max(MIN_POLL_SECONDS, Math.min(MAX_POLL_SECONDS * 4, Math.ceil(baking / 1000))),
      },
    };
  }
  let timeline = state.timeline;
  for (const id of nodes)
    if (!(timeline[id] ?? []).some((e) => e.event.startsWith('work healthy'))) timeline = note(timeline, id, t, `work healthy (after batch ${batch})`);
  return {
    ...state,
    timeline,
    progress: {
      ...progress,
      deploymentsFailedBefore: failedBefore,
      healthUntil: null,
      healthySince: null,
      phaseDone: true,
      approvalDue: progress.batchesLeft > 0 && plan.checkpointBatches.includes(batch),
    },
  };
}
