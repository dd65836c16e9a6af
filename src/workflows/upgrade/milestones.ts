/** Milestone events of a pool upgrade (schema: src/events/milestones.ts). */
import {
  executionConsoleUrl,
  MILESTONE_DETAIL_TYPES,
  MILESTONE_SOURCE,
  type Milestone,
  type MilestoneDetail,
  MilestoneDetailSchema,
} from '../../events/milestones.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { UpgradeDeps } from './deps.js';
import type { UpgradeState } from './state.js';

/** The detail of a milestone of this upgrade, validated against the one schema. */
export function milestoneDetail(
  state: UpgradeState,
  milestone: Milestone,
  at: number,
  cluster: string,
  extra: Pick<MilestoneDetail, 'reason' | 'approval'> = {},
): MilestoneDetail {
  const { plan, progress } = state;
  const nodesTotal = plan.batches.reduce((n, b) => n + b.length, 0);
  const nodesReplaced = progress.replaced.length;
  return MilestoneDetailSchema.parse({
    version: '1',
    milestone,
    workflow: 'poolUpgrade',
    cluster,
    pool: plan.pool,
    asgName: plan.asgName,
    executionArn: state.executionArn,
    console: executionConsoleUrl(state.executionArn),
    at: new Date(at).toISOString(),
    progress: {
      batchesDone: progress.batchIndex,
      batchesTotal: plan.batches.length,
      nodesReplaced,
      nodesTotal,
      percentDone: nodesTotal === 0 ? 100 : Math.round((nodesReplaced / nodesTotal) * 1000) / 10,
    },
    ...extra,
  });
}

/** Put the milestone on the bus. @throws AwsUnavailable / PermissionDenied when it could not be put. */
export async function putMilestone(
  state: UpgradeState,
  milestone: Milestone,
  deps: UpgradeDeps,
  extra?: Pick<MilestoneDetail, 'reason' | 'approval'>,
): Promise<void> {
  const detail = milestoneDetail(state, milestone, deps.now(), deps.config.clusterName, extra);
  await deps.events.putEvent(MILESTONE_SOURCE, MILESTONE_DETAIL_TYPES[milestone], detail, [state.executionArn]);
}

/**
 * Put a milestone that is a notification only: a failure to put it is
 * logged at ERROR and counted (MilestoneNotPublished), never a reason to stop
 * or roll back the upgrade itself.
 */
export async function announce(state: UpgradeState, milestone: Milestone, deps: UpgradeDeps, extra?: Pick<MilestoneDetail, 'reason'>): Promise<void> {
  try {
    await putMilestone(state, milestone, deps, extra);
  } catch (error) {
    countMetric('MilestoneNotPublished');
    getLogger().error('milestone event not published', { milestone, executionArn: state.executionArn, error });
  }
}
