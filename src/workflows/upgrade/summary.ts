/** The output of a pool upgrade: what changed, how long it took, and per-node timelines. */
import type { UpgradeState } from './state.js';

/** The summary an execution ends with (also the cause of a rolled-back one). */
export interface UpgradeSummary {
  outcome: 'upgraded' | 'rolled-back' | 'failed' | 'dry-run';
  /** The plan (what a dry run returns). */
  plan: UpgradeState['plan'];
  pool: string;
  asgName: string;
  from: { launchTemplateVersion: number; imageId: string | null };
  to: { launchTemplateVersion: number | null; imageId: string | null };
  replaced: string[];
  launched: string[];
  batches: number;
  batchDurationsSeconds: number[];
  durationSeconds: number;
  failure?: string;
  /** Deployments that had failed before the upgrade started (not rolled back for). */
  deploymentsFailedBefore?: string[];
  timeline: UpgradeState['timeline'];
}

/** Summarise an execution's state. */
export function summarise(state: UpgradeState, outcome: UpgradeSummary['outcome'], now: number): UpgradeSummary {
  const { plan, progress } = state;
  return {
    outcome,
    plan,
    pool: plan.pool,
    asgName: plan.asgName,
    from: { launchTemplateVersion: plan.launchTemplate.resolvedVersion, imageId: plan.launchTemplate.imageId },
    to: { launchTemplateVersion: progress.newVersion ?? plan.target.version, imageId: plan.target.imageId },
    replaced: progress.replaced,
    launched: progress.launched,
    batches: plan.batches.length,
    batchDurationsSeconds: progress.batchDurationsMs.map((ms) => Math.round(ms / 1000)),
    durationSeconds: Math.round((now - progress.startedAt) / 1000),
    ...(state.failure ? { failure: `${state.failure.Error}: ${state.failure.Cause ?? ''}` } : {}),
    ...(progress.deploymentsFailedBefore.length > 0 ? { deploymentsFailedBefore: progress.deploymentsFailedBefore } : {}),
    timeline: state.timeline,
  };
}
