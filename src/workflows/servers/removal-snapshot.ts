/**
 * Drain workflow, server branch, ServerSnapshot: before an unplanned removal
 * (a terminate hook on a server), a verified raft snapshot of each system,
 * one system per invocation; a verified one at most SNAPSHOT_MAX_AGE old
 * (e.g. the one a server replacement took at its start) is reused. The
 * removal goes ahead whatever happens here: a failed snapshot is recorded
 * (error log, metric SnapshotFailed) and the execution fails with it once the
 * server is removed and the action completed (the alert).
 */
import { recordLifecycleActionHeartbeat } from '../../aws/autoscaling.js';
import { ConfigError, SnapshotFailed } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { defaultSnapshotDeps } from '../../snapshots/deps.js';
import { systemsOf } from '../../cluster/systems.js';
import { nextToSnapshot } from '../../snapshots/order.js';
import { recentSnapshot, type SnapshotDeps, takeSnapshot } from '../../snapshots/take.js';
import type { DrainState } from '../drain/state.js';
import { recordHeartbeat } from '../task.js';
import type { RemovalSnapshots } from './removal-snapshot-state.js';

export interface RemovalSnapshotDeps extends SnapshotDeps {
  autoscaling: { recordLifecycleActionHeartbeat: typeof recordLifecycleActionHeartbeat };
}

export function defaultRemovalSnapshotDeps(): RemovalSnapshotDeps {
  return { ...defaultSnapshotDeps(), autoscaling: { recordLifecycleActionHeartbeat } };
}

/** Heartbeat at most this often while a snapshot streams (hooks time out after their heartbeat timeout). */
const HEARTBEAT_EVERY_MS = 60_000;

export async function snapshotBeforeRemoval(state: DrainState, deps: RemovalSnapshotDeps): Promise<DrainState> {
  const current: RemovalSnapshots = state.snapshots ?? { taken: [], failedSystems: [], failed: null, done: false };
  const attempted = [...current.taken, ...current.failedSystems.map((system) => ({ system }))];
  // Only the systems this server's group runs (hashistack:systems).
  const systems = systemsOf(state.pool, deps.config);
  const system = nextToSnapshot(systems, attempted);
  if (system === undefined) return { ...state, snapshots: { ...current, done: true } };
  const heartbeatEvery = Math.min(HEARTBEAT_EVERY_MS, (state.hook.heartbeatTimeoutSec * 1000) / 3);
  let lastBeat = deps.now();
  const beat = (): void => {
    if (deps.now() - lastBeat < heartbeatEvery) return;
    lastBeat = deps.now();
    recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt).catch((e: unknown) =>
      getLogger().warn('heartbeat during the snapshot failed', { error: e instanceof Error ? e.message : String(e) }),
    );
  };
  // The product may take minutes to write the archive before the first byte arrives: heartbeat first.
  await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt).catch((e: unknown) =>
    getLogger().warn('heartbeat before the snapshot failed', { error: e instanceof Error ? e.message : String(e) }),
  );
  let next: RemovalSnapshots;
  try {
    const record =
      (await recentSnapshot(system, deps, deps.config.snapshots.maxAgeMs)) ??
      (await takeSnapshot(system, deps, { label: state.action.instanceId, onProgress: beat }));
    next = { ...current, taken: [...current.taken, record] };
  } catch (error) {
    if (!(error instanceof SnapshotFailed || error instanceof ConfigError)) throw error;
    countMetric('SnapshotFailed');
    getLogger().error('no verified snapshot before an unplanned server removal; the removal goes ahead', { system, error: error.message });
    const cause = `${state.action.instanceId}: removed without a verified ${system} snapshot: ${error.message}`;
    next = {
      ...current,
      failedSystems: [...current.failedSystems, system],
      failed: { Error: 'SnapshotFailed', Cause: current.failed ? `${current.failed.Cause}; ${cause}` : cause },
    };
  }
  const left = nextToSnapshot(systems, [...next.taken, ...next.failedSystems.map((s) => ({ system: s }))]);
  return { ...state, snapshots: { ...next, done: left === undefined } };
}
