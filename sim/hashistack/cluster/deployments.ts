/**
 * Nomad deployments as the servers keep them: the scheduler's reconciler
 * creates one when a service job with an `update` block is first registered
 * or its spec changes (scheduler/reconciler createDeployment: never for a
 * drain's migrations, which change no spec), the state store counts placed,
 * healthy and unhealthy allocations and moves `RequireProgressBy`
 * (state_store.go updateDeploymentWithAlloc), and the deployment watcher
 * fails it on an unhealthy allocation (no progress deadline) or at the
 * progress deadline, reverting to the latest stable version with
 * `auto_revert` (nomad/deploymentwatcher). Not modelled: canaries,
 * multiregion, pause/promote endpoints, and rescheduling of unhealthy
 * allocations before the progress deadline (the deployment then fails at
 * the deadline, as it does when the replacements never become healthy either).
 */
import type { ChangeIndex } from '../../core/blocking.js';
import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Recorder } from '../../core/recorder.js';
import type { Rng } from '../../core/rng.js';
import { isClientTerminal } from './alloc-runner.js';
import { commit, type NomadTable } from './indexing.js';
import { type Allocation, type Deployment, type DeploymentStatus, type JobSpec, NS_PER_MS, type TaskGroupSpec, ZERO_TIME } from './state.js';

/** structs/deployment.go status descriptions. */
export const DEPLOYMENT_DESCRIPTION = {
  running: 'Deployment is running',
  successful: 'Deployment completed successfully',
  newerJob: 'Cancelled due to newer version of job',
  failedAllocations: 'Failed due to unhealthy allocations',
  progressDeadline: 'Failed due to progress deadline',
} as const;

/** What the deployments need of the servers' state. */
export interface DeploymentHost {
  clock: SimClock;
  rng: Rng;
  recorder: Recorder;
  index: ChangeIndex<NomadTable>;
  allocs: Map<string, Allocation>;
  /** Every registered version of a job, oldest first. */
  versions: (jobId: string) => JobSpec[];
  /** Register a job version again as the newest (auto_revert). */
  revertTo: (job: JobSpec) => void;
  /** Run the scheduler soon (the watcher's eval). */
  evaluate: () => void;
}

const live = (a: Allocation): boolean => a.DesiredStatus === 'run' && !isClientTerminal(a.ClientStatus);
const sameSpec = (a: JobSpec, b: JobSpec): boolean =>
  a.Type === b.Type && a.NodePool === b.NodePool && JSON.stringify(a.TaskGroups) === JSON.stringify(b.TaskGroups);

export class Deployments {
  readonly all = new Map<string, Deployment>();
  private readonly deadlineTimers = new Map<string, SimTimer>();

  constructor(private readonly host: DeploymentHost) {}

  /** The newest deployment of a job (LatestDeploymentByJobID: highest CreateIndex). */
  latest(jobId: string): Deployment | undefined {
    let out: Deployment | undefined;
    for (const d of this.all.values()) if (d.JobID === jobId && (!out || d.CreateIndex > out.CreateIndex)) out = d;
    return out;
  }

  /**
   * The deployment the reconciler works with for this job version, creating
   * one when the job is first run or its spec changed (createDeployment);
   * none for a job without `update`, after a successful deployment, or when
   * only migrations are due (a drain).
   */
  current(job: JobSpec, groupAllocs: (group: TaskGroupSpec) => Allocation[]): Deployment | undefined {
    if (job.Type !== 'service') return undefined;
    const latest = this.latest(job.ID);
    if (latest && latest.JobVersion === job.Version) return latest.Status === 'successful' ? undefined : latest;
    const groups = job.TaskGroups.filter((g) => g.Update !== undefined && g.Count > 0);
    const due = groups.filter((g) => {
      const all = groupAllocs(g);
      const hadRunning = all.some((a) => a.Job.Version === job.Version);
      const destructive = all.some((a) => live(a) && a.Job.Version !== job.Version);
      return !hadRunning || destructive;
    });
    if (due.length === 0) return undefined;
    return this.create(job, due);
  }

  /** Cancel the active deployments of older versions of the job (cancelUnneededDeployments). */
  cancelOlder(job: JobSpec): void {
    for (const d of this.all.values())
      if (d.JobID === job.ID && d.JobVersion !== job.Version && isActive(d.Status)) this.setStatus(d, 'cancelled', DEPLOYMENT_DESCRIPTION.newerJob);
  }

  /** An allocation of a deployment changed: recount, move the progress deadline, fail early (state store + watcher). */
  allocChanged(alloc: Allocation): void {
    const d = this.all.get(alloc.DeploymentID);
    const state = d?.TaskGroups[alloc.TaskGroup];
    if (!d || !state || !isActive(d.Status)) return;
    const mine = [...this.host.allocs.values()].filter((a) => a.DeploymentID === d.ID && a.TaskGroup === alloc.TaskGroup);
    const placed = mine.length;
    const healthy = mine.filter((a) => a.DeploymentStatus?.Healthy === true).length;
    const unhealthy = mine.filter((a) => a.DeploymentStatus?.Healthy === false).length;
    if (placed === state.PlacedAllocs && healthy === state.HealthyAllocs && unhealthy === state.UnhealthyAllocs) return;
    const pdMs = state.ProgressDeadline / NS_PER_MS;
    let requireBy = state.RequireProgressBy === ZERO_TIME ? 0 : Date.parse(state.RequireProgressBy);
    if (pdMs > 0) {
      if (placed > state.PlacedAllocs && requireBy === 0) requireBy = alloc.ModifyTime / NS_PER_MS + pdMs;
      else if (healthy > state.HealthyAllocs && alloc.DeploymentStatus) requireBy = Math.max(requireBy, Date.parse(alloc.DeploymentStatus.Timestamp) + pdMs);
    }
    commit(this.host.index, ['deployment'], (i) => {
      state.PlacedAllocs = placed;
      state.HealthyAllocs = healthy;
      state.UnhealthyAllocs = unhealthy;
      if (requireBy > 0) state.RequireProgressBy = new Date(requireBy).toISOString();
      d.ModifyIndex = i;
      d.ModifyTime = this.host.clock.now() * NS_PER_MS;
    });
    if (requireBy > 0) this.armDeadline(d);
    // shouldFailEarly: without a progress deadline the first unhealthy allocation fails the deployment.
    if (unhealthy > 0 && pdMs === 0) this.fail(d, DEPLOYMENT_DESCRIPTION.failedAllocations);
    else this.host.evaluate();
  }

  /** The reconciler found nothing left to place or update and every group healthy: successful (isDeploymentComplete). */
  completeIfDone(d: Deployment, job: JobSpec): void {
    if (d.Status !== 'running') return;
    const done = Object.entries(d.TaskGroups).every(([name, s]) => {
      const old = [...this.host.allocs.values()].some((a) => a.JobID === job.ID && a.TaskGroup === name && live(a) && a.Job.Version !== job.Version);
      return !old && s.HealthyAllocs >= s.DesiredTotal;
    });
    if (!done) return;
    this.setStatus(d, 'successful', DEPLOYMENT_DESCRIPTION.successful);
    job.Stable = true;
  }

  private create(job: JobSpec, groups: TaskGroupSpec[]): Deployment {
    const now = this.host.clock.now();
    const d: Deployment = {
      ID: this.host.rng.uuid(),
      Namespace: 'default',
      JobID: job.ID,
      JobVersion: job.Version ?? 0,
      JobModifyIndex: 0,
      JobSpecModifyIndex: 0,
      JobCreateIndex: 0,
      IsMultiregion: false,
      TaskGroups: {},
      Status: 'running',
      StatusDescription: DEPLOYMENT_DESCRIPTION.running,
      EvalPriority: 50,
      CreateIndex: 0,
      ModifyIndex: 0,
      CreateTime: now * NS_PER_MS,
      ModifyTime: now * NS_PER_MS,
    };
    for (const g of groups) {
      const u = g.Update;
      if (!u) continue;
      d.TaskGroups[g.Name] = {
        AutoRevert: u.AutoRevert,
        AutoPromote: false,
        ProgressDeadline: u.ProgressDeadlineMs * NS_PER_MS,
        RequireProgressBy: ZERO_TIME,
        Promoted: false,
        PlacedCanaries: [],
        DesiredCanaries: 0,
        DesiredTotal: g.Count,
        PlacedAllocs: 0,
        HealthyAllocs: 0,
        UnhealthyAllocs: 0,
      };
    }
    commit(this.host.index, ['deployment'], (i) => {
      d.CreateIndex = i;
      d.ModifyIndex = i;
      d.JobModifyIndex = i;
      d.JobSpecModifyIndex = i;
      d.JobCreateIndex = i;
      this.all.set(d.ID, d);
    });
    this.host.recorder.event('nomad', `deployment ${d.ID.slice(0, 8)} of job ${job.ID} version ${d.JobVersion} running`);
    return d;
  }

  private armDeadline(d: Deployment): void {
    const due = Math.min(
      ...Object.values(d.TaskGroups)
        .filter((s) => s.RequireProgressBy !== ZERO_TIME && s.HealthyAllocs < s.DesiredTotal)
        .map((s) => Date.parse(s.RequireProgressBy)),
    );
    this.deadlineTimers.get(d.ID)?.cancel();
    if (!Number.isFinite(due)) return;
    const timer = this.host.clock.schedule(
      Math.max(0, due - this.host.clock.now()),
      () => {
        this.deadlineTimers.delete(d.ID);
        if (d.Status !== 'running') return;
        const missed = Object.values(d.TaskGroups).some(
          (s) => s.HealthyAllocs < s.DesiredTotal && s.RequireProgressBy !== ZERO_TIME && Date.parse(s.RequireProgressBy) <= this.host.clock.now(),
        );
        if (missed) this.fail(d, DEPLOYMENT_DESCRIPTION.progressDeadline);
        else this.armDeadline(d);
      },
      'nomad:deployment-deadline',
    );
    this.deadlineTimers.set(d.ID, timer);
  }

  /** Fail the deployment; with auto_revert, register the latest stable version again (deployment_watcher.go watch). */
  private fail(d: Deployment, base: string): void {
    this.deadlineTimers.get(d.ID)?.cancel();
    const revert = Object.values(d.TaskGroups).some((s) => s.AutoRevert);
    const versions = this.host.versions(d.JobID);
    const current = versions.find((v) => v.Version === d.JobVersion);
    const stable = [...versions].reverse().find((v) => v.Stable && v.Version !== d.JobVersion);
    let description = base;
    let target: JobSpec | undefined;
    if (revert) {
      if (!stable) description = `${base} - no stable job version to auto revert to`;
      else if (current && sameSpec(stable, current))
        description = `${base} - not rolling back to stable job version ${stable.Version} as current job has same specification`;
      else {
        description = `${base} - rolling back to job version ${stable.Version}`;
        target = stable;
      }
    }
    this.setStatus(d, 'failed', description);
    if (target) this.host.revertTo(target);
    this.host.evaluate();
  }

  private setStatus(d: Deployment, status: DeploymentStatus, description: string): void {
    commit(this.host.index, ['deployment'], (i) => {
      d.Status = status;
      d.StatusDescription = description;
      d.ModifyIndex = i;
      d.ModifyTime = this.host.clock.now() * NS_PER_MS;
    });
    if (status !== 'running') this.deadlineTimers.get(d.ID)?.cancel();
    this.host.recorder.event('nomad', `deployment ${d.ID.slice(0, 8)} of job ${d.JobID} version ${d.JobVersion} ${status}: ${description}`);
  }
}

/** structs.Deployment.Active. */
export function isActive(status: DeploymentStatus): boolean {
  return ['running', 'paused', 'blocked', 'unblocking', 'initializing', 'pending'].includes(status);
}
