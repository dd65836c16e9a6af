/** What a drain that reached its deadline stopped: the allocations the alert names. */
import type { NomadAllocation, NomadNode } from '../../hashicorp/nomad/schemas.js';
import type { WorkLostReport } from './state.js';

/** Nomad's node event when a drain ends (`structs.NodeDrainEventComplete`) and its detail when the deadline forced it. */
const DRAIN_COMPLETE = 'Node drain complete';
const DEADLINE_DETAIL = 'deadline_reached';
/** Allocations modified this close before the deadline event count as stopped by it (same Raft apply, clock skew). */
const SKEW_MS = 1_000;
const NS_PER_MS = 1_000_000;

/** When the node's last drain ended because its deadline forced it (epoch ms), else null. */
export function deadlineReachedAt(node: Pick<NomadNode, 'Events'>): number | null {
  const last = [...node.Events].reverse().find((e) => e.Subsystem === 'Drain' && e.Message === DRAIN_COMPLETE);
  if (last?.Details?.[DEADLINE_DETAIL] !== 'true') return null;
  const at = last.Timestamp ? Date.parse(last.Timestamp) : Number.NaN;
  return Number.isFinite(at) ? at : 0;
}

/**
 * The allocations the deadline stopped: not system jobs (they go with the
 * node by design), told to stop, last modified at or after the deadline
 * (the ones migrated before it finished earlier).
 */
export function stoppedAtDeadline(allocs: NomadAllocation[], deadlineAt: number): NomadAllocation[] {
  const from = (deadlineAt - SKEW_MS) * NS_PER_MS;
  return allocs.filter((a) => a.Job?.Type !== 'system' && a.DesiredStatus !== 'run' && (a.ModifyTime ?? Number.POSITIVE_INFINITY) >= from);
}

/** The report the execution fails with; null when nothing was stopped. */
export function workLostReport(nodeId: string, instanceId: string, allocs: NomadAllocation[]): WorkLostReport | null {
  if (allocs.length === 0) return null;
  const allocations = allocs.map((a) => ({ id: a.ID, jobId: a.JobID, taskGroup: a.TaskGroup ?? null }));
  const jobs = [...new Set(allocations.map((a) => a.jobId))];
  const lines = allocations.map((a) => `${a.id} job=${a.jobId} group=${a.taskGroup ?? '?'}`);
  return {
    error: 'WorkLost',
    reason: 'drain-deadline',
    allocations,
    cause: `the drain of Nomad node ${nodeId} (${instanceId}) reached its deadline: Nomad stopped ${allocations.length} allocation(s) of job(s) ${jobs.join(', ')} before they migrated; a replacement runs only where the pool has room. ${lines.join('; ')}`,
  };
}
