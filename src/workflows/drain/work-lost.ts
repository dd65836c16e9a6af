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

type Lost = WorkLostReport['allocations'][number];

/**
 * The allocations the drain stopped without a replacement: those the
 * deadline stopped (not system jobs, which go with the node by design; told
 * to stop at or after the deadline, the ones migrated before it finished
 * earlier), and those migrated for which the scheduler placed no replacement
 * (`NextAllocation` empty: a blocked evaluation waits for room).
 */
export function lostAllocations(allocs: NomadAllocation[], deadlineAt: number | null): Lost[] {
  const from = deadlineAt === null ? null : (deadlineAt - SKEW_MS) * NS_PER_MS;
  const lost: Lost[] = [];
  for (const a of allocs) {
    if (a.Job?.Type === 'system' || a.DesiredStatus === 'run') continue;
    const atDeadline = from !== null && (a.ModifyTime ?? Number.POSITIVE_INFINITY) >= from;
    const unplaced = a.DesiredTransition?.Migrate === true && !a.NextAllocation;
    if (atDeadline || unplaced) lost.push({ id: a.ID, jobId: a.JobID, taskGroup: a.TaskGroup ?? null, reason: atDeadline ? 'drain-deadline' : 'no-room' });
  }
  return lost;
}

/**
 * The report when the token cannot read the node's allocations: the drain
 * ended, but whether it stopped work cannot be told, so it is said, never
 * taken for "nothing lost".
 */
export function workUnverifiedReport(nodeId: string, instanceId: string, deadlineAt: number | null, unreadable: string): WorkLostReport {
  const how = deadlineAt === null ? 'ended' : 'was forced to end by its deadline';
  return {
    error: 'WorkUnverified',
    allocations: [],
    cause: `the drain of Nomad node ${nodeId} (${instanceId}) ${how}, but the Nomad token cannot read allocations (${unreadable}), so whether it stopped work without a replacement cannot be told: check the node's allocations in Nomad and grant the token namespace read`,
  };
}

/** The report the execution fails with; null when nothing was lost. */
export function workLostReport(nodeId: string, instanceId: string, allocations: Lost[]): WorkLostReport | null {
  if (allocations.length === 0) return null;
  const jobs = [...new Set(allocations.map((a) => a.jobId))];
  const lines = allocations.map((a) => `${a.id} job=${a.jobId} group=${a.taskGroup ?? '?'} (${a.reason})`);
  return {
    error: 'WorkLost',
    allocations,
    cause: `the drain of Nomad node ${nodeId} (${instanceId}) stopped ${allocations.length} allocation(s) of job(s) ${jobs.join(', ')} without a replacement running (drain-deadline: stopped when the deadline forced the drain; no-room: nowhere in the pool to place it): ${lines.join('; ')}`,
  };
}
