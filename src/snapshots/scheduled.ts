/**
 * The scheduled snapshot (SNAPSHOT_SCHEDULE, default daily): one verified
 * snapshot of every raft system the cluster runs (Vault only when managed here). Every system is tried; the invocation fails
 * (SnapshotFailed, metric SnapshotFailed, error log) when any failed.
 */
import { SnapshotFailed } from '../errors/index.js';
import { getLogger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';
import { clusterSystems } from '../cluster/systems.js';
import type { SnapshotRecord } from './record.js';
import { type SnapshotDeps, takeSnapshot } from './take.js';

export async function scheduledSnapshots(deps: SnapshotDeps): Promise<{ snapshots: SnapshotRecord[] }> {
  const snapshots: SnapshotRecord[] = [];
  const failures: SnapshotFailed[] = [];
  for (const system of clusterSystems(deps.config)) {
    try {
      snapshots.push(await takeSnapshot(system, deps, { label: 'scheduled' }));
    } catch (error) {
      if (!(error instanceof SnapshotFailed)) throw error;
      countMetric('SnapshotFailed');
      getLogger().error('scheduled snapshot failed', { system, error: error.message });
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new SnapshotFailed(failures.map((f) => f.system).join(','), failures.map((f) => f.message).join('; '));
  return { snapshots };
}
