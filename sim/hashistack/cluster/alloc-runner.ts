import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Rng } from '../../core/rng.js';
import type { Allocation, ClientStatus, TaskGroupSpec } from './state.js';

/** Sim seconds for a placed allocation to start running (uniform, seeded). */
const START_MS = { min: 1_000, max: 3_000 } as const;
const DEFAULT_KILL_TIMEOUT_MS = 5_000;
const DEFAULT_MIN_HEALTHY_MS = 10_000;
/** Nomad's migrate `healthy_deadline` default: an allocation not healthy by then is marked unhealthy. */
const DEFAULT_HEALTHY_DEADLINE_MS = 5 * 60_000;

/**
 * Runs allocations on their clients: start, health, natural completion of
 * batch work, and stopping after the kill timeout. Timers belong to the
 * client, so a dead client's allocations freeze (see {@link freezeNode}).
 */
export class AllocRunner {
  private readonly timers = new Map<string, SimTimer[]>();

  constructor(
    private readonly deps: { clock: SimClock; rng: Rng },
    /** Apply a change to an allocation (stamps its index, notifies watchers). */
    private readonly update: (alloc: Allocation, change: (a: Allocation) => void) => void,
  ) {}

  /** Start a freshly placed allocation; `checksFail`: its health checks never pass on this node. */
  start(alloc: Allocation, group: TaskGroupSpec, checksFail = false): void {
    this.after(alloc, this.deps.rng.int(START_MS.min, START_MS.max), () => {
      if (alloc.DesiredStatus !== 'run' || alloc.ClientStatus !== 'pending') return;
      this.update(alloc, (a) => {
        a.ClientStatus = 'running';
        a.ClientDescription = 'Tasks are running';
      });
      if (alloc.Job.Type === 'service' && checksFail) {
        // Running but never healthy: the client's health watcher gives up at the healthy deadline.
        this.after(alloc, healthTimes(alloc, group).healthyDeadlineMs, () => {
          if (alloc.ClientStatus !== 'running') return;
          this.update(alloc, (a) => {
            a.DeploymentStatus = { Healthy: false, Timestamp: new Date(this.deps.clock.now()).toISOString() };
          });
        });
      } else if (alloc.Job.Type === 'service') {
        this.after(alloc, healthTimes(alloc, group).minHealthyMs, () => {
          if (alloc.ClientStatus !== 'running') return;
          this.update(alloc, (a) => {
            a.DeploymentStatus = { Healthy: true, Timestamp: new Date(this.deps.clock.now()).toISOString() };
          });
        });
      }
      if (alloc.Job.Type === 'batch' && group.RunTimeMs !== undefined) {
        this.after(alloc, group.RunTimeMs, () => this.finish(alloc, 'complete', 'All tasks have completed'));
      }
    });
  }

  /** Stop an allocation whose DesiredStatus is already stop: it exits within the kill timeout. */
  stop(alloc: Allocation, group: TaskGroupSpec | undefined): void {
    if (isClientTerminal(alloc.ClientStatus)) return;
    this.cancel(alloc.ID);
    this.after(alloc, group?.KillTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS, () => this.finish(alloc, 'complete', 'All tasks have completed'));
  }

  /** The client died: nothing on it progresses any more. */
  freeze(allocs: Allocation[]): void {
    for (const a of allocs) this.cancel(a.ID);
  }

  /** The end of an allocation on its client. */
  finish(alloc: Allocation, status: ClientStatus, description: string): void {
    this.cancel(alloc.ID);
    if (isClientTerminal(alloc.ClientStatus)) return;
    this.update(alloc, (a) => {
      a.ClientStatus = status;
      a.ClientDescription = description;
    });
  }

  private after(alloc: Allocation, ms: number, fn: () => void): void {
    const list = this.timers.get(alloc.ID) ?? [];
    list.push(this.deps.clock.schedule(ms, fn, `nomad:alloc:${alloc.ID.slice(0, 8)}`));
    this.timers.set(alloc.ID, list);
  }

  private cancel(allocId: string): void {
    for (const t of this.timers.get(allocId) ?? []) t.cancel();
    this.timers.delete(allocId);
  }
}

/**
 * The client's health watcher judges an allocation of a deployment by the
 * group's `update` block, and any other (a drain's migration) by its
 * `migrate` block (client/allochealth, allocrunner health_hook).
 */
function healthTimes(alloc: Allocation, group: TaskGroupSpec): { minHealthyMs: number; healthyDeadlineMs: number } {
  if (alloc.DeploymentID && group.Update) return { minHealthyMs: group.Update.MinHealthyTimeMs, healthyDeadlineMs: group.Update.HealthyDeadlineMs };
  return {
    minHealthyMs: group.Migrate?.MinHealthyTimeMs ?? DEFAULT_MIN_HEALTHY_MS,
    healthyDeadlineMs: group.Migrate?.HealthyDeadlineMs ?? DEFAULT_HEALTHY_DEADLINE_MS,
  };
}

/** Whether the client is done with the allocation. */
export function isClientTerminal(status: ClientStatus): boolean {
  return status === 'complete' || status === 'failed' || status === 'lost';
}
