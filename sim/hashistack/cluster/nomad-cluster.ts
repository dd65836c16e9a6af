import { ChangeIndex } from '../../core/blocking.js';
import type { SimClock, SimTimer } from '../../core/clock.js';
import type { LostReason, Recorder } from '../../core/recorder.js';
import type { Rng } from '../../core/rng.js';
import { AllocRunner, isClientTerminal } from './alloc-runner.js';
import { Deployments, isActive } from './deployments.js';
import { commit, type NomadTable } from './indexing.js';
import { RaftCluster } from './raft.js';
import {
  NS_PER_MS,
  type Allocation,
  type Deployment,
  type GossipMember,
  type Host,
  type JobSpec,
  type NodeEvent,
  type NomadNode,
  type TaskGroupSpec,
} from './state.js';

export const NOMAD_VERSION = '1.10.3';
/** A client that stops heartbeating is marked down after this TTL. */
const HEARTBEAT_TTL_MS = { min: 25_000, max: 35_000 } as const;
/** Sim seconds between a client registering and reporting ready. */
const READY_MS = { min: 3_000, max: 8_000 } as const;

export interface NomadDeps {
  clock: SimClock;
  rng: Rng;
  recorder: Recorder;
  /** Whether health checks of service allocations fail on this node (injected: a broken image). */
  checksFail?: (node: NomadNode) => boolean;
}

/**
 * The Nomad servers' state: client nodes, jobs, allocations, the scheduler
 * (bin packing on ready, eligible nodes of the job's pool), server gossip
 * members and raft. Drains run in {@link Drainer}, which hooks in via
 * {@link onAllocChange}.
 */
export class NomadCluster {
  readonly index: ChangeIndex<NomadTable>;
  readonly nodes = new Map<string, NomadNode>();
  readonly allocs = new Map<string, Allocation>();
  readonly jobs = new Map<string, JobSpec>();
  /** Every registered version of each job, oldest first. */
  private readonly jobVersions = new Map<string, JobSpec[]>();
  readonly deployments: Deployments;
  /** Server gossip pool, keyed by `name.region`. */
  readonly members = new Map<string, GossipMember>();
  readonly raft: RaftCluster;
  readonly runner: AllocRunner;
  private readonly downTimers = new Map<string, SimTimer>();
  private readonly liveClients = new Set<string>();
  private lastEligibleCount: number | null = null;
  private reconcilePending = false;
  /** Observers of allocation and node changes (the drainer). */
  readonly onAllocChange: Array<() => void> = [];

  constructor(
    private readonly deps: NomadDeps,
    serverAlive: (instanceId: string) => boolean,
  ) {
    this.index = new ChangeIndex<NomadTable>(deps.clock);
    this.runner = new AllocRunner(deps, (alloc, change) => this.updateAlloc(alloc, change));
    this.deployments = new Deployments({
      ...deps,
      index: this.index,
      allocs: this.allocs,
      versions: (jobId) => this.jobVersions.get(jobId) ?? [],
      // The watcher's revert is a job register of its own (a raft apply after the failure).
      revertTo: (job) =>
        deps.clock.schedule(0, () => this.registerJob(structuredClone({ ...job, Version: undefined, Stable: undefined })), 'nomad:auto-revert'),
      evaluate: () => this.scheduleReconcile(),
    });
    this.raft = new RaftCluster(
      'nomad',
      deps,
      (p) => serverAlive(p.instanceId),
      () => this.index.bump(),
    );
  }

  // ---- clients -------------------------------------------------------------

  /** The client agent registers (or re-registers after a restart or purge). */
  registerClient(host: Host, wrongPool: boolean, readyAfterMs?: number): NomadNode {
    this.liveClients.add(host.nomadNodeId);
    this.downTimers.get(host.nomadNodeId)?.cancel();
    const existing = this.nodes.get(host.nomadNodeId);
    const now = this.deps.clock.now();
    const node: NomadNode = existing ?? buildNode(host, wrongPool, now);
    commit(this.index, ['nodes'], (i) => {
      if (!existing) {
        node.CreateIndex = i;
        this.nodes.set(node.ID, node);
      }
      node.ModifyIndex = i;
      node.Status = 'initializing';
      node.StatusDescription = '';
      node.StatusUpdatedAt = Math.floor(now / 1000);
      node.Events.push(event(now, i, 'Cluster', existing ? 'Node re-registered' : 'Node registered'));
    });
    this.deps.recorder.event('nomad', `client ${node.Name} registered (${node.ID.slice(0, 8)}, pool ${node.NodePool})`);
    const delay = readyAfterMs ?? this.deps.rng.int(READY_MS.min, READY_MS.max);
    const markReady = (): void => {
      if (!this.liveClients.has(node.ID) || node.Status !== 'initializing') return;
      commit(this.index, ['nodes'], (i) => {
        node.ModifyIndex = i;
        node.Status = 'ready';
        node.StatusUpdatedAt = Math.floor(this.deps.clock.now() / 1000);
      });
      this.deps.recorder.mark(node.Attributes['unique.platform.aws.instance-id'] ?? node.ID, 'nomad-ready');
      this.deps.recorder.event('nomad', `client ${node.Name} ready`);
      this.nodesChanged();
    };
    if (delay <= 0) markReady();
    else this.deps.clock.schedule(delay, markReady, 'nomad:client-ready');
    return node;
  }

  /** The client agent stopped: no more heartbeats; the node goes down after the TTL. */
  clientStopped(nodeId: string): void {
    if (!this.liveClients.delete(nodeId)) return;
    const node = this.nodes.get(nodeId);
    this.runner.freeze(this.allocsOn(nodeId));
    if (!node) return;
    const ttl = this.deps.rng.int(HEARTBEAT_TTL_MS.min, HEARTBEAT_TTL_MS.max);
    this.downTimers.set(
      nodeId,
      this.deps.clock.schedule(ttl, () => this.markDown(nodeId), 'nomad:heartbeat-ttl'),
    );
  }

  isClientLive(nodeId: string): boolean {
    return this.liveClients.has(nodeId);
  }

  private markDown(nodeId: string): void {
    this.downTimers.delete(nodeId);
    const node = this.nodes.get(nodeId);
    if (!node || this.liveClients.has(nodeId)) return;
    const now = this.deps.clock.now();
    commit(this.index, ['nodes'], (i) => {
      node.ModifyIndex = i;
      node.Status = 'down';
      node.StatusUpdatedAt = Math.floor(now / 1000);
      node.Events.push(event(now, i, 'Cluster', 'Node heartbeat missed'));
    });
    let lost = 0;
    for (const alloc of this.allocsOn(nodeId)) {
      if (isClientTerminal(alloc.ClientStatus)) continue;
      // A system allocation belongs to its node and goes with it: no work is lost.
      if (alloc.DesiredStatus === 'run' && alloc.Job.Type !== 'system') {
        lost++;
        this.recordLost(alloc, 'node-down');
      }
      this.updateAlloc(alloc, (a) => {
        a.ClientStatus = 'lost';
        a.ClientDescription = 'alloc is lost since its node is down';
        a.DesiredStatus = 'stop';
        a.DesiredDescription = 'alloc is lost since its node is down';
      });
    }
    this.deps.recorder.event('nomad', `client ${node.Name} down (missed heartbeats), ${lost} allocation(s) lost`);
    this.nodesChanged();
  }

  /** Remove a node record (`/v1/node/:id/purge`); a live client re-registers. */
  purge(nodeId: string, reRegister: () => void): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    commit(this.index, ['nodes'], () => this.nodes.delete(nodeId));
    this.deps.recorder.event('nomad', `node ${node.Name} purged`);
    for (const alloc of this.allocsOn(nodeId)) {
      if (isClientTerminal(alloc.ClientStatus)) continue;
      this.updateAlloc(alloc, (a) => {
        a.ClientStatus = 'lost';
        a.DesiredStatus = 'stop';
        a.DesiredDescription = 'node was purged';
      });
    }
    this.nodesChanged();
    if (this.liveClients.has(nodeId)) this.deps.clock.schedule(this.deps.rng.int(2_000, 10_000), reRegister, 'nomad:re-register');
  }

  /** Change a node (stamping its ModifyIndex) and re-run the scheduler. */
  updateNode(node: NomadNode, change: (n: NomadNode, index: number) => void): number {
    const i = commit(this.index, ['nodes'], (next) => {
      change(node, next);
      node.ModifyIndex = next;
    });
    this.nodesChanged();
    return i;
  }

  /** Append a node event (part of an {@link updateNode} change). */
  static addEvent(node: NomadNode, at: number, index: number, subsystem: string, message: string, details: Record<string, string> | null = null): void {
    node.Events.push({ ...event(at, index, subsystem, message), Details: details });
  }

  /** Ready and eligible clients, optionally of one node pool. */
  eligibleNodes(pool?: string): NomadNode[] {
    return [...this.nodes.values()].filter(
      (n) => n.Status === 'ready' && n.SchedulingEligibility === 'eligible' && (pool === undefined || n.NodePool === pool),
    );
  }

  allocsOn(nodeId: string): Allocation[] {
    return [...this.allocs.values()].filter((a) => a.NodeID === nodeId);
  }

  private nodesChanged(): void {
    const n = this.eligibleNodes().length;
    if (n !== this.lastEligibleCount) {
      this.lastEligibleCount = n;
      this.deps.recorder.eligibleClientCapacity(n);
    }
    this.scheduleReconcile();
    for (const l of this.onAllocChange) l();
  }

  // ---- jobs and scheduling -------------------------------------------------

  /**
   * Register a job (or a new version of it: a changed spec bumps `Version`;
   * the same spec again changes nothing); with `running`, its allocations are
   * placed already running and healthy (t0).
   */
  registerJob(job: JobSpec, running = false): void {
    const previous = this.jobs.get(job.ID);
    const spec = (j: JobSpec): string => JSON.stringify([j.Type, j.NodePool, j.TaskGroups]);
    if (previous && spec(previous) === spec(job)) return;
    job.Version = previous ? (previous.Version ?? 0) + 1 : 0;
    job.Stable = false;
    this.jobs.set(job.ID, job);
    this.jobVersions.set(job.ID, [...(this.jobVersions.get(job.ID) ?? []), job]);
    this.index.bump('jobs');
    this.deps.recorder.event('nomad', `job ${job.ID} registered (${job.Type}, version ${job.Version})`);
    this.deployments.cancelOlder(job);
    this.reconcile(running);
  }

  group(alloc: Allocation): TaskGroupSpec | undefined {
    return this.jobs.get(alloc.JobID)?.TaskGroups.find((g) => g.Name === alloc.TaskGroup);
  }

  /** Change an allocation, stamping its ModifyIndex; wakes the scheduler and the drainer. */
  updateAlloc(alloc: Allocation, change: (a: Allocation) => void): void {
    const wasTerminal = isClientTerminal(alloc.ClientStatus);
    commit(this.index, ['allocs'], (i) => {
      change(alloc);
      alloc.ModifyIndex = i;
      alloc.ModifyTime = this.deps.clock.now() * NS_PER_MS;
    });
    if (alloc.DeploymentID) this.deployments.allocChanged(alloc);
    if (!wasTerminal && isClientTerminal(alloc.ClientStatus)) this.scheduleReconcile();
    if (alloc.DesiredStatus !== 'run') this.scheduleReconcile();
    for (const l of this.onAllocChange) l();
  }

  /** Record work stopped without a running replacement. */
  recordLost(alloc: Allocation, reason: LostReason): void {
    this.deps.recorder.allocationLost({ allocId: alloc.ID, jobId: alloc.JobID, taskGroup: alloc.TaskGroup, nodeName: alloc.NodeName, reason });
  }

  /** Whether some other eligible node of the job's pool could take this allocation's group now. */
  hasRoomFor(alloc: Allocation): boolean {
    const group = this.group(alloc);
    if (!group) return true;
    return this.eligibleNodes(alloc.Job.NodePool).some((n) => n.ID !== alloc.NodeID && this.fits(n, group));
  }

  /** Ask an allocation to stop (migration by a drain, or its job stopping). */
  stopAlloc(alloc: Allocation, description: string, migrate: boolean): void {
    if (alloc.DesiredStatus !== 'run') return;
    this.updateAlloc(alloc, (a) => {
      a.DesiredStatus = 'stop';
      a.DesiredDescription = description;
      a.DesiredTransition = { Migrate: migrate ? true : null };
    });
    if (this.liveClients.has(alloc.NodeID)) this.runner.stop(alloc, this.group(alloc));
  }

  private scheduleReconcile(): void {
    if (this.reconcilePending) return;
    this.reconcilePending = true;
    this.deps.clock.schedule(
      0,
      () => {
        this.reconcilePending = false;
        this.reconcile();
      },
      'nomad:scheduler',
    );
  }

  /**
   * Bring every job to its desired allocations where room allows (blocked
   * otherwise); a new job version replaces the old version's allocations,
   * `max_parallel` at a time while its deployment runs (all at once without
   * an `update` block), none once it failed.
   */
  reconcile(healthyAtOnce = false): void {
    for (const job of this.jobs.values()) {
      const pool = job.NodePool ?? 'default';
      const groupAllocs = (g: TaskGroupSpec): Allocation[] => [...this.allocs.values()].filter((a) => a.JobID === job.ID && a.TaskGroup === g.Name);
      const deployment = this.deployments.current(job, groupAllocs);
      const placing = deployment && isActive(deployment.Status) ? deployment.ID : '';
      for (const group of job.TaskGroups) {
        const mine = groupAllocs(group);
        if (job.Type === 'system') {
          for (const node of this.eligibleNodes(pool)) {
            if (mine.some((a) => a.NodeID === node.ID && a.DesiredStatus === 'run')) continue;
            if (this.fits(node, group)) this.place(job, group, node, mine.length, healthyAtOnce);
          }
          continue;
        }
        this.destructiveUpdates(job, group, mine, deployment);
        const wanted = mine.filter((a) => a.DesiredStatus === 'run' && a.ClientStatus !== 'lost' && a.ClientStatus !== 'failed').length;
        const replaced = mine.filter((a) => a.DesiredTransition.Migrate === true && a.DesiredStatus !== 'run' && !a.NextAllocation);
        for (let k = wanted; k < group.Count; k++) {
          const node = this.bestFit(pool, job.ID, group);
          if (!node) break;
          const next = this.place(job, group, node, mine.length + k, healthyAtOnce, placing);
          const previous = replaced.shift();
          if (previous) {
            next.PreviousAllocation = previous.ID;
            this.updateAlloc(previous, (a) => {
              a.NextAllocation = next.ID;
            });
          }
        }
      }
      if (deployment) this.deployments.completeIfDone(deployment, job);
    }
  }

  /** Stop the allocations of older job versions the update may replace now (the reconciler's destructive updates). */
  private destructiveUpdates(job: JobSpec, group: TaskGroupSpec, mine: Allocation[], deployment: Deployment | undefined): void {
    const live = (a: Allocation): boolean => a.DesiredStatus === 'run' && !isClientTerminal(a.ClientStatus);
    const old = mine.filter((a) => live(a) && a.Job.Version !== job.Version);
    if (old.length === 0) return;
    let budget = old.length;
    if (group.Update) {
      if (!deployment || deployment.Status !== 'running' || !deployment.TaskGroups[group.Name]) return;
      const inFlight = mine.filter((a) => a.DeploymentID === deployment.ID && live(a) && a.DeploymentStatus?.Healthy !== true).length;
      budget = Math.max(0, group.Update.MaxParallel - inFlight);
    }
    for (const a of old.slice(0, budget)) this.stopAlloc(a, 'alloc is being updated due to job update', false);
  }

  private used(nodeId: string): { cpu: number; memoryMB: number } {
    let cpu = 0;
    let memoryMB = 0;
    for (const a of this.allocsOn(nodeId)) {
      if (isClientTerminal(a.ClientStatus)) continue;
      cpu += a.Resources.CPU;
      memoryMB += a.Resources.MemoryMB;
    }
    return { cpu, memoryMB };
  }

  private fits(node: NomadNode, group: TaskGroupSpec): boolean {
    const u = this.used(node.ID);
    return u.cpu + group.cpu <= node.NodeResources.Cpu.CpuShares && u.memoryMB + group.memoryMB <= node.NodeResources.Memory.MemoryMB;
  }

  /**
   * Nomad's binpack with job anti-affinity: among fitting nodes, the fewest
   * allocations of the same job first (Nomad penalises co-located
   * allocations of one job), then the least free CPU left.
   */
  private bestFit(pool: string, jobId: string, group: TaskGroupSpec): NomadNode | undefined {
    const sameJob = (nodeId: string): number =>
      this.allocsOn(nodeId).filter((a) => a.JobID === jobId && !isClientTerminal(a.ClientStatus) && a.DesiredStatus === 'run').length;
    const fitting = this.eligibleNodes(pool)
      .filter((n) => this.fits(n, group))
      .map((n) => ({ n, collocated: sameJob(n.ID), free: n.NodeResources.Cpu.CpuShares - this.used(n.ID).cpu }))
      .sort((a, b) => a.collocated - b.collocated || a.free - b.free || a.n.ID.localeCompare(b.n.ID));
    return fitting[0]?.n;
  }

  private place(job: JobSpec, group: TaskGroupSpec, node: NomadNode, slot: number, healthyAtOnce = false, deploymentId = ''): Allocation {
    const now = this.deps.clock.now();
    const alloc: Allocation = {
      ID: this.deps.rng.uuid(),
      EvalID: this.deps.rng.uuid(),
      Name: `${job.ID}.${group.Name}[${slot}]`,
      Namespace: 'default',
      NodeID: node.ID,
      NodeName: node.Name,
      JobID: job.ID,
      Job: { ID: job.ID, Name: job.ID, Type: job.Type, Namespace: 'default', NodePool: job.NodePool ?? 'default', Version: job.Version ?? 0 },
      DeploymentID: deploymentId,
      TaskGroup: group.Name,
      DesiredStatus: 'run',
      DesiredDescription: '',
      DesiredTransition: { Migrate: null },
      NextAllocation: '',
      PreviousAllocation: '',
      ClientStatus: healthyAtOnce ? 'running' : 'pending',
      ClientDescription: healthyAtOnce ? 'Tasks are running' : '',
      DeploymentStatus: healthyAtOnce && job.Type === 'service' ? { Healthy: true, Timestamp: new Date(now).toISOString() } : null,
      Resources: { CPU: group.cpu, MemoryMB: group.memoryMB },
      CreateIndex: 0,
      ModifyIndex: 0,
      CreateTime: now * NS_PER_MS,
      ModifyTime: now * NS_PER_MS,
    };
    commit(this.index, ['allocs'], (i) => {
      alloc.CreateIndex = i;
      alloc.ModifyIndex = i;
      this.allocs.set(alloc.ID, alloc);
    });
    if (deploymentId) this.deployments.allocChanged(alloc);
    if (!healthyAtOnce) this.runner.start(alloc, group, (this.deps.checksFail?.(node) ?? false) || group.ChecksFail === true);
    else if (job.Type === 'batch' && group.RunTimeMs !== undefined) this.runner.start(alloc, group);
    return alloc;
  }

  /** t0: bring every job to its count with allocations already running and healthy. */
  bootstrapAllocations(): void {
    this.reconcile(true);
  }

  /** Allocations that are running or about to (desired run, client not terminal). */
  activeAllocs(): Allocation[] {
    return [...this.allocs.values()].filter((a) => a.DesiredStatus === 'run' && !isClientTerminal(a.ClientStatus));
  }

  // ---- servers ---------------------------------------------------------------

  serverJoined(host: Host, member: GossipMember, bootstrap: boolean): void {
    this.members.set(member.name, member);
    const peer = { id: host.nomadNodeId, name: member.name, address: `${host.instance.privateIp}:4647`, instanceId: host.instance.instanceId };
    if (bootstrap) this.raft.bootstrapPeer(peer);
    else this.raft.join(peer);
    this.index.bump();
  }

  setMemberStatus(name: string, status: GossipMember['status']): void {
    const m = this.members.get(name);
    if (!m) return;
    m.status = status;
    // The leader removes servers that left from raft (its reconcile of serf members).
    if (status === 'left' && this.raft.leader()) {
      const peer = this.raft.list().find((p) => p.name === name);
      if (peer) this.raft.remove(peer.id);
    }
    this.raft.reevaluate();
    this.index.bump();
  }
}

function event(at: number, index: number, subsystem: string, message: string): NodeEvent {
  return { Message: message, Subsystem: subsystem, Details: null, Timestamp: new Date(at).toISOString(), CreateIndex: index };
}

function buildNode(host: Host, wrongPool: boolean, now: number): NomadNode {
  const i = host.instance;
  const az = i.availabilityZone;
  return {
    ID: host.nomadNodeId,
    Name: i.privateDnsName,
    Datacenter: host.datacenter,
    HTTPAddr: `${i.privateIp}:4646`,
    Attributes: {
      'unique.platform.aws.instance-id': i.instanceId,
      'unique.platform.aws.local-ipv4': i.privateIp,
      'unique.platform.aws.hostname': i.privateDnsName,
      'platform.aws.instance-type': i.instanceType,
      'platform.aws.placement.availability-zone': az,
      'platform.aws.ami-id': i.imageId,
      'unique.hostname': i.privateDnsName,
      'unique.network.ip-address': i.privateIp,
      'os.name': 'alpine',
      'kernel.name': 'linux',
      'nomad.version': NOMAD_VERSION,
      'cpu.totalcompute': String(host.capacity.cpu),
      'memory.totalbytes': String(host.capacity.memoryMB * 1024 * 1024),
      'driver.docker': '1',
    },
    Links: { 'aws.ec2': `${az}.${i.instanceId}`, consul: `${host.datacenter}.${i.privateDnsName}` },
    Meta: { 'hashistack.pool': host.pool },
    NodePool: wrongPool ? ('default' === host.nodePool ? 'misconfigured' : 'default') : host.nodePool,
    NodeClass: host.nodeClass,
    Drain: false,
    DrainStrategy: null,
    SchedulingEligibility: 'eligible',
    Status: 'initializing',
    StatusDescription: '',
    StatusUpdatedAt: Math.floor(now / 1000),
    Events: [],
    LastDrain: null,
    NodeResources: { Cpu: { CpuShares: host.capacity.cpu }, Memory: { MemoryMB: host.capacity.memoryMB } },
    Drivers: { docker: { Detected: true, Healthy: true, HealthDescription: 'Healthy' } },
    Version: NOMAD_VERSION,
    CreateIndex: 0,
    ModifyIndex: 0,
    instanceId: i.instanceId,
    drainDeadlineAt: null,
  };
}
