/**
 * The scheduled AMI refresh: report every pool's drift (WARN log line, the
 * `AmiDrift` metric per pool, and `DriftedPools` whose alarm notifies the
 * alerts topic) and, with auto-upgrade on and inside the
 * maintenance window, start one cluster upgrade for the drifted pools.
 */
import * as z from '../../validation/zod.js';
import type * as autoscaling from '../../aws/autoscaling.js';
import type * as ec2 from '../../aws/ec2.js';
import type { Config } from '../../config/index.js';
import { ConfigError } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric, countMetricWith } from '../../observability/metrics.js';
import type { ChildSfn } from '../child-execution.js';
import { clusterPools, currentImageOf } from '../upgrade/pools.js';
import { decideRefresh, poolDrift, type PoolDrift, type RefreshDecision } from './drift.js';

export interface AmiRefreshDeps {
  config: Pick<Config, 'clusterName' | 'amiFilter' | 'autoUpgrade' | 'maintenanceWindow' | 'clusterUpgradeStateMachineArn'>;
  autoscaling: Pick<typeof autoscaling, 'describeGroupsByClusterTag'>;
  ec2: Pick<typeof ec2, 'describeImages' | 'describeLaunchTemplateVersions'>;
  sfn: Pick<ChildSfn, 'startExecution'>;
  now: () => number;
}

/** The EventBridge scheduled event (only its time is used; anything else is accepted). */
export const ScheduledEventSchema = z.looseObject({ time: z.optional(z.iso.datetime()) });

/** What a run found and did. */
export interface AmiRefreshResult {
  pools: PoolDrift[];
  decision: RefreshDecision;
  /** The cluster upgrade started (or found started earlier today). */
  execution?: { executionArn: string; alreadyStarted: boolean };
}

/** Run one refresh. */
export async function refreshAmis(event: z.infer<typeof ScheduledEventSchema>, deps: AmiRefreshDeps): Promise<AmiRefreshResult> {
  const { owners, namePattern, tags } = deps.config.amiFilter;
  const images = await deps.ec2.describeImages({
    owners,
    filters: [
      { name: 'name', values: [namePattern] },
      { name: 'state', values: ['available'] },
      ...Object.entries(tags).map(([k, v]) => ({ name: `tag:${k}`, values: [v] })),
    ],
  });
  const drifts: PoolDrift[] = [];
  for (const { group, facts } of await clusterPools(deps)) {
    const current = await currentImageOf(group, deps);
    drifts.push(poolDrift({ pool: facts.pool, asgName: facts.asgName, role: facts.role, currentImageId: current?.imageId ?? null }, images));
  }
  const log = getLogger();
  // Per pool for dashboards; the cluster-wide count feeds the AmiDrift alarm (→ alerts topic).
  countMetric('DriftedPools', drifts.filter((d) => d.drift).length);
  for (const d of drifts) {
    countMetricWith('AmiDrift', { pool: d.pool }, d.drift ? 1 : 0);
    if (d.drift) log.warn('AMI drift', { ...d });
    else if (d.currentImageId === null)
      log.warn('AMI refresh: image of the pool unknown (no launch template or version gone)', { pool: d.pool, asgName: d.asgName });
  }
  const now = deps.now();
  const decision = decideRefresh({
    drifts,
    autoUpgrade: deps.config.autoUpgrade,
    window: deps.config.maintenanceWindow,
    now,
    eventTime: event.time ? Date.parse(event.time) : now,
  });
  log.info('AMI refresh', { decision: decision.action, drifted: drifts.filter((d) => d.drift).map((d) => d.pool), window: deps.config.maintenanceWindow.text });
  if (decision.action !== 'upgrade') return { pools: drifts, decision };
  const arn = deps.config.clusterUpgradeStateMachineArn;
  if (!arn) throw new ConfigError('CLUSTER_UPGRADE_STATE_MACHINE_ARN', 'is not set (the clusterUpgrade state machine)');
  const r = await deps.sfn.startExecution(arn, decision.executionName, { images: decision.images });
  const executionArn = r.started ? r.executionArn : `${arn.replace(':stateMachine:', ':execution:')}:${decision.executionName}`;
  log.info('AMI refresh: cluster upgrade', { executionArn, alreadyStarted: !r.started, images: decision.images });
  return { pools: drifts, decision, execution: { executionArn, alreadyStarted: !r.started } };
}
