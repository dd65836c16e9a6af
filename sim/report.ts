import type { ApiCallStats, DrainRecord, ExecutionRecord, LifecycleActionRecord, LostAllocation, TimelineEntry } from './core/recorder.js';
import { AWS_SERVICES } from './core/faults.js';
import type { Simulation } from './simulation.js';

/** The JSON report of one simulation run (schema documented in the README). */
export interface SimReport {
  scenario: string;
  seed: number;
  /** Arguments the scenario ran with (e.g. nodes). */
  parameters: Record<string, unknown>;
  simStartedAt: string;
  simEndedAt: string;
  simDurationSeconds: number;
  wallDurationMs: number;
  /** Scenario-specific checks: name → passed, with a detail line. */
  checks: Array<{ name: string; passed: boolean; detail: string }>;
  lifecycleActions: LifecycleActionRecord[];
  executions: ExecutionRecord[];
  drains: DrainRecord[];
  /** `lost`: allocations stopped without a running replacement; `lostAllocations` says which and why (node-down, drain-deadline, no-room). */
  allocations: { running: number; migrated: number; lost: number; lostAllocations: LostAllocation[] };
  lowestEligibleClientCapacity: number | null;
  /** Lowest failure tolerance (live voters − quorum) per raft system while a server scenario ran; null when not watched. */
  minFailureTolerance: Record<string, number> | null;
  /** Failure tolerance per raft system when the watch started. */
  startFailureTolerance: Record<string, number> | null;
  awsApiCalls: Record<string, ApiCallStats>;
  timeline: TimelineEntry[];
}

/** Assemble the report of a finished simulation. */
export function buildReport(
  sim: Simulation,
  meta: { scenario: string; parameters: Record<string, unknown>; simStartedAt: number; wallStartedAt: number; checks: SimReport['checks'] },
): SimReport {
  const r = sim.recorder;
  const now = sim.clock.now();
  const awsServices = new Set<string>(AWS_SERVICES);
  const awsApiCalls = Object.fromEntries(Object.entries(r.apiCalls()).filter(([k]) => awsServices.has(k.split(':')[0] as string)));
  return {
    scenario: meta.scenario,
    seed: sim.options.seed,
    parameters: meta.parameters,
    simStartedAt: new Date(meta.simStartedAt).toISOString(),
    simEndedAt: new Date(now).toISOString(),
    simDurationSeconds: Math.round((now - meta.simStartedAt) / 1000),
    wallDurationMs: Math.round(performance.now() - meta.wallStartedAt),
    checks: meta.checks,
    lifecycleActions: r.lifecycleActions(),
    executions: r.executionRecords(),
    drains: r.drainRecords(),
    allocations: { running: sim.hashistack.api.allocationCounts().running, ...r.allocations, lostAllocations: [...r.lostAllocations] },
    lowestEligibleClientCapacity: r.lowestEligibleClientCapacity(),
    minFailureTolerance: r.failureToleranceSummary()?.min ?? null,
    startFailureTolerance: r.failureToleranceSummary()?.start ?? null,
    awsApiCalls,
    timeline: r.timeline,
  };
}
