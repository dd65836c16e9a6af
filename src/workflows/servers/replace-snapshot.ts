/**
 * serverReplace Snapshot: before the first server changes, one verified raft
 * snapshot per system of the groups, one system per invocation (each may be
 * several GB). A snapshot that fails stops the replacement before anything
 * was touched (next `failed`, error SnapshotFailed).
 */
import { ConfigError, SnapshotFailed } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { nextToSnapshot } from '../../snapshots/order.js';
import { type SnapshotDeps, takeSnapshot } from '../../snapshots/take.js';
import { allSystemsOf, type ReplaceState, type ReplaceStateAfter } from './replace-state.js';

export async function snapshotBeforeReplace(state: ReplaceState, deps: SnapshotDeps): Promise<ReplaceStateAfter<'snapshot'>> {
  const systems = allSystemsOf(state);
  const system = nextToSnapshot(systems, state.snapshots);
  if (system === undefined) return { ...state, next: 'launch', pollAfterSeconds: 0 };
  try {
    const record = await takeSnapshot(system, deps, { label: state.asgName });
    const snapshots = [...state.snapshots, record];
    return { ...state, snapshots, next: nextToSnapshot(systems, snapshots) === undefined ? 'launch' : 'snapshot', pollAfterSeconds: 0 };
  } catch (error) {
    if (!(error instanceof SnapshotFailed || error instanceof ConfigError)) throw error;
    getLogger().error('no verified snapshot: server replacement stopped before any change', { system, error: error.message });
    return {
      ...state,
      next: 'failed',
      pollAfterSeconds: 0,
      error: { Error: 'SnapshotFailed', Cause: `serverReplace ${state.asgName}: stopped before any server was added or removed: ${error.message}` },
    };
  }
}
