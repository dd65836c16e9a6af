/**
 * The cluster upgrade's steps: start the next pool's poolUpgrade execution
 * (deterministic name), poll it, and summarise. The first failed pool stops
 * the cluster upgrade: pools already upgraded stay upgraded, the failed pool
 * rolled itself back, the rest are not started.
 */
import * as z from '../../validation/zod.js';
import { ConfigError } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { executionName, nameOfExecution, pollChild, startChild } from '../child-execution.js';
import type { ClusterUpgradeDeps } from './deps.js';
import type { ClusterUpgradeState, PoolCheckPhase, PoolRun } from './state.js';

/** Longest child cause quoted in the cluster upgrade's cause. */
const MAX_DETAIL = 1500;

/** Start the first pending pool's upgrade, or mark the cluster upgrade done. */
export async function startNextPool(state: ClusterUpgradeState, deps: ClusterUpgradeDeps): Promise<ClusterUpgradeState> {
  const index = state.pools.findIndex((p) => p.status === 'pending');
  const run = state.pools[index];
  if (!run) return { ...state, progress: { current: null, phase: 'idle', done: true } };
  const arn = deps.config.poolUpgradeStateMachineArn;
  if (!arn) throw new ConfigError('POOL_UPGRADE_STATE_MACHINE_ARN', 'is not set (the poolUpgrade state machine)');
  const name = executionName(nameOfExecution(state.executionArn).slice(0, 56), String(index), run.pool.slice(0, 20));
  const executionArn = await startChild(deps, arn, name, { pool: run.asgName, imageId: run.imageId, ...state.knobs });
  getLogger().info('cluster upgrade: pool started', { pool: run.pool, asgName: run.asgName, imageId: run.imageId, executionArn });
  return withRun(
    state,
    index,
    { ...run, status: 'running', executionArn, startedAt: run.startedAt ?? deps.now() },
    { current: index, phase: 'running', done: false },
  );
}

const PoolOutputSchema = z.looseObject({ outcome: z.string() });

/** Poll the current pool's upgrade. A failure ends the plan: the remaining pools are not started. */
export async function checkPool(state: ClusterUpgradeState, deps: ClusterUpgradeDeps): Promise<ClusterUpgradeState & { progress: { phase: PoolCheckPhase } }> {
  const index = state.progress.current ?? -1;
  const run = state.pools[index];
  if (!run?.executionArn) return { ...state, progress: { ...state.progress, phase: 'succeeded' } };
  const r = await pollChild(deps, run.executionArn);
  if (r.status === 'RUNNING') return { ...state, progress: { ...state.progress, phase: 'running' } };
  if (r.status === 'SUCCEEDED') {
    const out = PoolOutputSchema.safeParse(safeJson(r.output));
    const status = out.success && out.data.outcome === 'dry-run' ? 'dry-run' : 'upgraded';
    countMetric('ClusterUpgradePoolUpgraded');
    return withRun(state, index, { ...run, status, endedAt: deps.now() }, { current: index, phase: 'succeeded', done: false });
  }
  const detail = r.status === 'MISSING' ? `execution ${run.executionArn} not found` : `${r.ended}: ${r.error ?? ''}: ${r.cause ?? ''}`.slice(0, MAX_DETAIL);
  const failed = withRun(state, index, { ...run, status: 'failed', endedAt: deps.now(), detail }, { current: index, phase: 'failed', done: true });
  const pools = failed.pools.map((p) => (p.status === 'pending' ? { ...p, status: 'not-started' as const } : p));
  const names = (s: PoolRun['status']): string =>
    pools
      .filter((p) => p.status === s)
      .map((p) => p.pool)
      .join(', ') || 'none';
  const cause = [
    `pool ${run.pool} (${run.asgName}) failed to upgrade to ${run.imageId} and stopped the cluster upgrade: ${detail}.`,
    `Upgraded: ${names('upgraded')}; not started: ${names('not-started')}`,
  ].join(' ');
  countMetric('ClusterUpgradeFailed');
  getLogger().error('cluster upgrade: pool failed', { pool: run.pool, asgName: run.asgName, detail });
  return { ...failed, pools, cause };
}

/** The output of a cluster upgrade that did not fail. */
export interface ClusterUpgradeSummary {
  outcome: 'upgraded' | 'dry-run' | 'nothing-to-do';
  durationSeconds: number;
  pools: {
    pool: string;
    asgName: string;
    role: string;
    from: string | null;
    to: string;
    status: PoolRun['status'];
    executionArn: string | null;
    durationSeconds: number | null;
    detail: string | null;
  }[];
}

/** Summarise a finished cluster upgrade. */
export function summariseClusterUpgrade(state: ClusterUpgradeState, deps: Pick<ClusterUpgradeDeps, 'now'>): ClusterUpgradeSummary {
  const ran = state.pools.filter((p) => p.status !== 'skipped');
  const outcome = ran.length === 0 ? 'nothing-to-do' : ran.every((p) => p.status === 'dry-run') ? 'dry-run' : 'upgraded';
  const summary: ClusterUpgradeSummary = {
    outcome,
    durationSeconds: Math.round((deps.now() - state.startedAt) / 1000),
    pools: state.pools.map((p) => ({
      pool: p.pool,
      asgName: p.asgName,
      role: p.role,
      from: p.from,
      to: p.imageId,
      status: p.status,
      executionArn: p.executionArn,
      durationSeconds: p.startedAt !== null && p.endedAt !== null ? Math.round((p.endedAt - p.startedAt) / 1000) : null,
      detail: p.detail,
    })),
  };
  countMetric(outcome === 'upgraded' ? 'ClusterUpgraded' : outcome === 'dry-run' ? 'ClusterUpgradeDryRun' : 'ClusterUpgradeNothingToDo');
  getLogger().info('cluster upgrade ended', { outcome, pools: summary.pools.map((p) => `${p.pool}:${p.status}`) });
  return summary;
}

function withRun<P extends ClusterUpgradeState['progress']>(
  state: ClusterUpgradeState,
  index: number,
  run: PoolRun,
  progress: P,
): ClusterUpgradeState & { progress: P } {
  return { ...state, pools: state.pools.map((p, i) => (i === index ? run : p)), progress };
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
