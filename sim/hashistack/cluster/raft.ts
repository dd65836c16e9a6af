import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Recorder } from '../../core/recorder.js';
import type { Rng } from '../../core/rng.js';

/** One server in a raft configuration. */
export interface RaftPeer {
  /** Raft server ID (a node UUID for Nomad/Consul, the instance id for Vault). */
  id: string;
  /** Server name as the system shows it. */
  name: string;
  /** Raft address, ip:port. */
  address: string;
  instanceId: string;
  voter: boolean;
  /** Sim time at which the peer became healthy (autopilot StableSince). */
  stableSince: number;
  /** Last raft index this peer has applied. */
  lastIndex: number;
}

/** How long autopilot waits before promoting a healthy non-voter (ServerStabilizationTime). */
const STABILIZATION_MS = 10_000;
/**
 * Autopilot's dead server cleanup acts this long after a server dies: serf
 * marks the member failed after its suspicion timeout, then autopilot's next
 * pass (every 10 s) removes it.
 */
export const DEAD_SERVER_CLEANUP_MS = 20_000;
/** A simulated election takes this long (uniform, seeded). */
export const ELECTION_MS = { min: 2_000, max: 5_000 } as const;

/**
 * The raft configuration of one system (Nomad, Consul or Vault servers):
 * peers, voters, the leader, elections when there is none (only with a
 * quorum of live voters) and autopilot promotion of stable non-voters.
 * Whether a peer is alive is asked of the caller (its agent runs, Vault is unsealed).
 */
export class RaftCluster {
  private readonly peers = new Map<string, RaftPeer>();
  private leaderId: string | null = null;
  private election: SimTimer | undefined;
  private readonly promotions = new Map<string, SimTimer>();
  private readonly deadSince = new Map<string, number>();
  private readonly cleanups = new Map<string, SimTimer>();
  /**
   * Autopilot CleanupDeadServers: on by default in Consul and Nomad
   * (`cleanup_dead_servers = true`), off by default in Vault's raft autopilot
   * (`cleanup_dead_servers = false`, it must be configured with
   * `dead_server_last_contact_threshold`).
   */
  readonly cleanupDeadServers: boolean;
  /** The configuration index (bumped on every membership change). */
  configIndex = 1;
  term = 1;
  /**
   * Fault: autopilot's health reading lags this long behind a server's death
   * (a stale reading: the dead server still shows Healthy, only its
   * LastContact grows). 0 = live readings.
   */
  autopilotLagMs = 0;

  constructor(
    private readonly system: 'nomad' | 'consul' | 'vault',
    private readonly deps: { clock: SimClock; rng: Rng; recorder: Recorder },
    private readonly isAlive: (peer: RaftPeer) => boolean,
    /** Called after every change of leader or membership. */
    private readonly onChange: () => void,
  ) {
    this.cleanupDeadServers = system !== 'vault';
  }

  /** Every peer, in join order. */
  list(): RaftPeer[] {
    return [...this.peers.values()];
  }

  get(id: string): RaftPeer | undefined {
    return this.peers.get(id);
  }

  byInstance(instanceId: string): RaftPeer | undefined {
    return this.list().find((p) => p.instanceId === instanceId);
  }

  leader(): RaftPeer | undefined {
    return this.leaderId === null ? undefined : this.peers.get(this.leaderId);
  }

  alive(peer: RaftPeer): boolean {
    return this.isAlive(peer);
  }

  /** Votes needed for a quorum of the current configuration. */
  quorum(): number {
    return Math.floor(this.list().filter((p) => p.voter).length / 2) + 1;
  }

  /** Autopilot's per-server health: alive and following a leader. */
  healthy(peer: RaftPeer): boolean {
    const alive = this.isAlive(peer) || (this.autopilotLagMs > 0 && this.msSinceContact(peer) < this.autopilotLagMs);
    return alive && this.leader() !== undefined;
  }

  /** Milliseconds since the leader last heard from a peer (0 for a live one). */
  msSinceContact(peer: RaftPeer): number {
    const since = this.deadSince.get(peer.id);
    return since === undefined ? 0 : this.deps.clock.now() - since;
  }

  /** Autopilot FailureTolerance: healthy voters beyond the quorum. */
  failureTolerance(): number {
    const healthyVoters = this.list().filter((p) => p.voter && this.healthy(p)).length;
    return Math.max(0, healthyVoters - this.quorum());
  }

  /** Autopilot's overall verdict: every server healthy, and a leader. */
  allHealthy(): boolean {
    return this.leader() !== undefined && this.list().every((p) => this.healthy(p));
  }

  /** The t0 cluster: a stable voter already in the configuration. */
  bootstrapPeer(peer: Omit<RaftPeer, 'voter' | 'stableSince' | 'lastIndex'>): void {
    this.peers.set(peer.id, { ...peer, voter: true, stableSince: this.deps.clock.now() - 3_600_000, lastIndex: 0 });
    if (this.leaderId === null) this.leaderId = peer.id;
    this.configIndex++;
  }

  /** A new server joins as a non-voter; autopilot promotes it once stable. */
  join(peer: Omit<RaftPeer, 'voter' | 'stableSince' | 'lastIndex'>): void {
    const existing = this.peers.get(peer.id);
    if (existing) {
      this.reevaluate();
      return;
    }
    // The very first server of an empty configuration bootstraps itself as a voter.
    const first = this.peers.size === 0;
    this.peers.set(peer.id, { ...peer, voter: first, stableSince: this.deps.clock.now(), lastIndex: 0 });
    this.configIndex++;
    this.deps.recorder.event(this.system, `raft: ${peer.name} joined as ${first ? 'voter' : 'non-voter'}`);
    this.reevaluate();
  }

  /** Remove a peer from the configuration (needs a leader). */
  remove(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    this.promotions.get(id)?.cancel();
    this.promotions.delete(id);
    this.cleanups.get(id)?.cancel();
    this.cleanups.delete(id);
    this.configIndex++;
    this.deps.recorder.event(this.system, `raft: peer ${peer.name} (${id}) removed`);
    if (this.leaderId === id) this.leaderId = null;
    this.reevaluate();
  }

  /** Move leadership to another live voter at once. */
  transferLeadership(id: string): void {
    this.leaderId = id;
    this.term++;
    this.deps.recorder.event(this.system, `raft: leadership transferred to ${this.peers.get(id)?.name ?? id}`);
    this.onChange();
  }

  /**
   * Look at the cluster again after anything changed: drop a dead leader,
   * start an election when a quorum of voters lives, schedule promotions.
   */
  reevaluate(): void {
    const leader = this.leader();
    if (leader && !this.isAlive(leader)) {
      this.deps.recorder.event(this.system, `raft: leader ${leader.name} lost`);
      this.leaderId = null;
    }
    if (this.leaderId === null && !this.election) this.maybeStartElection();
    for (const peer of this.list()) {
      if (this.isAlive(peer)) {
        this.deadSince.delete(peer.id);
        this.cleanups.get(peer.id)?.cancel();
        this.cleanups.delete(peer.id);
      } else if (!this.deadSince.has(peer.id)) this.deadSince.set(peer.id, this.deps.clock.now());
      if (!this.isAlive(peer) && this.cleanupDeadServers && !this.cleanups.has(peer.id)) {
        const at = (this.deadSince.get(peer.id) ?? this.deps.clock.now()) + DEAD_SERVER_CLEANUP_MS;
        this.cleanups.set(
          peer.id,
          this.deps.clock.scheduleAt(Math.max(at, this.deps.clock.now()), () => this.cleanupDead(peer.id), `${this.system}:autopilot-cleanup`),
        );
      }
      if (!this.isAlive(peer)) {
        this.promotions.get(peer.id)?.cancel();
        this.promotions.delete(peer.id);
        continue;
      }
      if (peer.voter || this.promotions.has(peer.id) || !this.leader()) continue;
      const stableAt = Math.max(peer.stableSince + STABILIZATION_MS, this.deps.clock.now());
      this.promotions.set(
        peer.id,
        this.deps.clock.scheduleAt(stableAt, () => this.promote(peer.id), `${this.system}:autopilot-promote`),
      );
    }
    this.onChange();
  }

  /** Peer's last index as autopilot shows it: the leader's commit index for live peers. */
  advanceIndexes(commitIndex: number): void {
    for (const p of this.list()) if (this.isAlive(p)) p.lastIndex = commitIndex;
  }

  private maybeStartElection(): void {
    const liveVoters = this.list().filter((p) => p.voter && this.isAlive(p));
    if (liveVoters.length < this.quorum() || liveVoters.length === 0) return;
    const delay = this.deps.rng.int(ELECTION_MS.min, ELECTION_MS.max);
    this.election = this.deps.clock.schedule(
      delay,
      () => {
        this.election = undefined;
        const candidates = this.list().filter((p) => p.voter && this.isAlive(p));
        if (this.leaderId !== null || candidates.length < this.quorum() || candidates.length === 0) {
          this.reevaluate();
          return;
        }
        const winner = this.deps.rng.pick(candidates);
        this.leaderId = winner.id;
        this.term++;
        this.deps.recorder.event(this.system, `raft: ${winner.name} elected leader (term ${this.term})`);
        this.reevaluate();
      },
      `${this.system}:election`,
    );
  }

  /**
   * Autopilot's pruneDeadServers: a leader removes failed servers, but only
   * while they are a minority of the voters (removing a majority could be a
   * network partition, not deaths).
   */
  private cleanupDead(id: string): void {
    this.cleanups.delete(id);
    const peer = this.peers.get(id);
    // Autopilot acts on its own reading: a server it still reads as healthy (a stale reading) is not pruned.
    if (!peer || this.isAlive(peer) || (this.leader() && this.healthy(peer))) return;
    if (!this.leader()) {
      // No leader, no autopilot: look again on the next pass.
      this.cleanups.set(
        id,
        this.deps.clock.schedule(10_000, () => this.cleanupDead(id), `${this.system}:autopilot-cleanup`),
      );
      return;
    }
    const voters = this.list().filter((p) => p.voter);
    const failed = this.list().filter((p) => !this.isAlive(p));
    if (failed.length * 2 >= voters.length) return;
    this.deps.recorder.event(this.system, `autopilot: removing dead server ${peer.name}`);
    this.remove(id);
  }

  private promote(id: string): void {
    this.promotions.delete(id);
    const peer = this.peers.get(id);
    if (!peer || peer.voter || !this.isAlive(peer) || !this.leader()) return;
    peer.voter = true;
    this.configIndex++;
    this.deps.recorder.event(this.system, `autopilot: promoted ${peer.name} to voter`);
    this.reevaluate();
  }

  /** A peer that came back alive is stable again from now. */
  markRestarted(id: string): void {
    const p = this.peers.get(id);
    if (p) p.stableSince = this.deps.clock.now();
    this.reevaluate();
  }
}
