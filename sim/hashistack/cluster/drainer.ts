import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Faults } from '../../core/faults.js';
import type { Recorder } from '../../core/recorder.js';
import { isClientTerminal } from './alloc-runner.js';
import { NomadCluster } from './nomad-cluster.js';
import { NS_PER_MS, type Allocation, type NomadNode } from './state.js';

/** What `POST /v1/node/:id/drain` asks for. */
export interface DrainRequest {
  /** Nanoseconds; negative forces now, 0 means no deadline. */
  deadlineNs: number;
  ignoreSystemJobs: boolean;
  meta: Record<string, string> | null;
}

/**
 * Nomad's node drainer: migrates service allocations honouring each group's
 * `Migrate.MaxParallel` (a group may lose at most MaxParallel healthy
 * allocations at a time), lets batch work finish, stops system allocations
 * last unless ignored, and forces whatever is left at the deadline.
 */
export class Drainer {
  private readonly deadlines = new Map<string, SimTimer>();
  /** Allocations on stuck nodes that ignore their stop signal until the deadline kills them. */
  private readonly stuckAllocs = new Set<string>();
  private pending = false;

  constructor(
    private readonly nomad: NomadCluster,
    private readonly deps: { clock: SimClock; recorder: Recorder; faults: Faults },
    /** Launch ordinal of the instance behind a node. */
    private readonly ordinalOf: (instanceId: string) => number | undefined,
  ) {
    nomad.onAllocChange.push(() => this.kick());
  }

  /** Start (or update) a drain. */
  start(node: NomadNode, req: DrainRequest): number {
    const now = this.deps.clock.now();
    const startedAt = node.DrainStrategy?.StartedAt ?? new Date(now).toISOString();
    const force = req.deadlineNs < 0;
    const deadlineAt = force ? now : req.deadlineNs === 0 ? null : now + Math.floor(req.deadlineNs / NS_PER_MS);
    const wasDraining = node.DrainStrategy !== null;
    const index = this.nomad.updateNode(node, (n) => {
      n.Drain = true;
      n.SchedulingEligibility = 'ineligible';
      n.DrainStrategy = {
        Deadline: req.deadlineNs,
        IgnoreSystemJobs: req.ignoreSystemJobs,
        ForceDeadline: deadlineAt === null ? '0001-01-01T00:00:00Z' : new Date(deadlineAt).toISOString(),
        StartedAt: startedAt,
      };
      n.drainDeadlineAt = deadlineAt;
      n.LastDrain = {
        Status: 'draining',
        StartedAt: startedAt,
        UpdatedAt: new Date(now).toISOString(),
        AccessorID: n.LastDrain?.AccessorID ?? '',
        Meta: req.meta,
      };
    });
    if (!wasDraining) {
      this.deps.recorder.drainStarted({ nodeId: node.ID, nodeName: node.Name, instanceId: node.instanceId });
      this.deps.recorder.event(
        'nomad',
        `drain started on ${node.Name} (deadline ${deadlineAt === null ? 'none' : `${Math.round((deadlineAt - now) / 1000)}s`})`,
      );
    }
    this.deadlines.get(node.ID)?.cancel();
    this.deadlines.delete(node.ID);
    if (deadlineAt !== null) {
      this.deadlines.set(
        node.ID,
        this.deps.clock.scheduleAt(deadlineAt, () => this.deadlineReached(node.ID), 'nomad:drain-deadline'),
      );
    }
    this.kick();
    return index;
  }

  /** `DrainSpec: null`: stop draining; MarkEligible makes the node eligible again. */
  cancel(node: NomadNode, markEligible: boolean): number {
    this.deadlines.get(node.ID)?.cancel();
    this.deadlines.delete(node.ID);
    const wasDraining = node.DrainStrategy !== null;
    const now = new Date(this.deps.clock.now()).toISOString();
    const index = this.nomad.updateNode(node, (n) => {
      n.Drain = false;
      n.DrainStrategy = null;
      n.drainDeadlineAt = null;
      if (markEligible) n.SchedulingEligibility = 'eligible';
      if (wasDraining && n.LastDrain) n.LastDrain = { ...n.LastDrain, Status: 'canceled', UpdatedAt: now };
    });
    if (wasDraining) {
      this.deps.recorder.event('nomad', `drain canceled on ${node.Name}`);
      this.deps.recorder.drainCompleted(node.ID, false);
    }
    return index;
  }

  private kick(): void {
    if (this.pending) return;
    this.pending = true;
    this.deps.clock.schedule(
      0,
      () => {
        this.pending = false;
        this.step();
      },
      'nomad:drainer',
    );
  }

  private draining(): NomadNode[] {
    return [...this.nomad.nodes.values()].filter((n) => n.DrainStrategy !== null);
  }

  /** One pass of the drainer over every draining node. */
  private step(): void {
    const draining = this.draining();
    if (draining.length === 0) return;
    for (const node of draining) {
      for (const alloc of this.nomad.allocsOn(node.ID)) {
        if (alloc.DesiredStatus !== 'run' || isClientTerminal(alloc.ClientStatus)) continue;
        if (alloc.Job.Type === 'service' && this.mayMigrate(alloc)) this.migrate(alloc);
      }
      this.maybeStopSystem(node);
      this.maybeComplete(node);
    }
  }

  /** Nomad's rule: healthy allocations of the group minus (Count − MaxParallel). */
  private mayMigrate(alloc: Allocation): boolean {
    const group = this.nomad.group(alloc);
    if (!group) return true;
    const maxParallel = group.Migrate?.MaxParallel ?? 1;
    const healthy = [...this.nomad.allocs.values()].filter(
      (a) =>
        a.JobID === alloc.JobID &&
        a.TaskGroup === alloc.TaskGroup &&
        a.DesiredStatus === 'run' &&
        !isClientTerminal(a.ClientStatus) &&
        a.DeploymentStatus?.Healthy === true,
    ).length;
    return healthy - (group.Count - maxParallel) > 0;
  }

  private migrate(alloc: Allocation): void {
    this.markStuckIfNeeded(alloc);
    // Nomad stops a migrating allocation even when nothing can take it (a blocked evaluation waits for room).
    if (!this.nomad.hasRoomFor(alloc)) this.nomad.recordLost(alloc, 'no-room');
    this.deps.recorder.allocations.migrated++;
    this.nomad.stopAlloc(alloc, 'alloc is being migrated', true);
    if (this.stuckAllocs.has(alloc.ID)) this.nomad.runner.freeze([alloc]);
  }

  /** On a stuck-drain node the first allocation asked to stop ignores it until killed at the deadline. */
  private markStuckIfNeeded(alloc: Allocation): void {
    const node = this.nomad.nodes.get(alloc.NodeID);
    if (!node) return;
    const ordinal = this.ordinalOf(node.instanceId);
    if (ordinal === undefined || !this.deps.faults.cluster.stuckDrainOrdinals.includes(ordinal)) return;
    const alreadyStuck = this.nomad.allocsOn(node.ID).some((a) => this.stuckAllocs.has(a.ID));
    if (!alreadyStuck) {
      this.stuckAllocs.add(alloc.ID);
      this.deps.recorder.event('nomad', `allocation ${alloc.Name} on ${node.Name} does not stop (stuck drain)`);
    }
  }

  private remaining(node: NomadNode): Allocation[] {
    const ignoreSystem = node.DrainStrategy?.IgnoreSystemJobs ?? false;
    return this.nomad.allocsOn(node.ID).filter((a) => !isClientTerminal(a.ClientStatus) && !(ignoreSystem && a.Job.Type === 'system'));
  }

  /** System allocations go last, once everything else has stopped. */
  private maybeStopSystem(node: NomadNode): void {
    if (node.DrainStrategy?.IgnoreSystemJobs) return;
    const others = this.remaining(node).filter((a) => a.Job.Type !== 'system');
    if (others.length > 0) return;
    for (const a of this.remaining(node)) {
      if (a.DesiredStatus !== 'run') continue;
      this.markStuckIfNeeded(a);
      this.deps.recorder.allocations.migrated++;
      this.nomad.stopAlloc(a, 'alloc is being migrated', true);
      if (this.stuckAllocs.has(a.ID)) this.nomad.runner.freeze([a]);
    }
  }

  private maybeComplete(node: NomadNode): void {
    if (node.DrainStrategy === null || this.remaining(node).length > 0) return;
    this.complete(node, false);
  }

  /** The deadline: every remaining allocation is stopped and the drain completes now. */
  private deadlineReached(nodeId: string): void {
    this.deadlines.delete(nodeId);
    const node = this.nomad.nodes.get(nodeId);
    if (!node || node.DrainStrategy === null) return;
    for (const alloc of this.remaining(node)) {
      if (alloc.DesiredStatus === 'run') {
        if (alloc.Job.Type !== 'system') this.nomad.recordLost(alloc, 'drain-deadline');
        else this.deps.recorder.allocations.migrated++;
        this.nomad.stopAlloc(alloc, 'alloc is being migrated', true);
      }
      if (this.stuckAllocs.delete(alloc.ID) && this.nomad.isClientLive(node.ID)) this.nomad.runner.stop(alloc, this.nomad.group(alloc));
    }
    this.complete(node, true);
  }

  private complete(node: NomadNode, deadlineReached: boolean): void {
    this.deadlines.get(node.ID)?.cancel();
    this.deadlines.delete(node.ID);
    const now = this.deps.clock.now();
    this.nomad.updateNode(node, (n, index) => {
      n.Drain = false;
      n.DrainStrategy = null;
      n.drainDeadlineAt = null;
      if (n.LastDrain) n.LastDrain = { ...n.LastDrain, Status: 'complete', UpdatedAt: new Date(now).toISOString() };
      NomadCluster.addEvent(n, now, index, 'Drain', 'Node drain complete', deadlineReached ? { deadline_reached: 'true' } : null);
    });
    this.deps.recorder.drainCompleted(node.ID, deadlineReached);
    this.deps.recorder.event('nomad', `drain complete on ${node.Name}${deadlineReached ? ' (deadline reached)' : ''}`);
  }
}
