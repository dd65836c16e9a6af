import { ChangeIndex } from '../../core/blocking.js';
import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Recorder } from '../../core/recorder.js';
import type { Rng } from '../../core/rng.js';
import { commit, type ConsulTable } from './indexing.js';
import { RaftCluster } from './raft.js';
import { serves, type CatalogNode, type GossipMember, type Host, type MemberStatus } from './state.js';

export const CONSUL_VERSION = '1.21.2';
/** Gossip takes this long to declare a silent member failed. */
const FAILURE_DETECTION_MS = { min: 3_000, max: 8_000 } as const;
/** A graceful leave is acknowledged after this long. */
const LEAVE_MS = 1_000;
/** Anti-entropy re-registers a deregistered live node within this window. */
const ANTI_ENTROPY_MS = { min: 10_000, max: 60_000 } as const;

/** One health check of a node, as `/v1/health/node/:node` lists it. */
export interface NodeCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: 'passing' | 'warning' | 'critical';
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/**
 * Consul's LAN gossip pool, catalog and server raft. Members join (cloud
 * auto-join or `consul join`), leave gracefully (left) or die (failed after
 * failure detection); force-leave moves failed to left and `prune` forgets
 * the member. The leader removes servers that left from raft.
 */
export class ConsulCluster {
  readonly index: ChangeIndex<ConsulTable>;
  readonly members = new Map<string, GossipMember>();
  readonly catalog = new Map<string, CatalogNode>();
  readonly raft: RaftCluster;
  private readonly failTimers = new Map<string, SimTimer>();

  constructor(
    private readonly deps: { clock: SimClock; rng: Rng; recorder: Recorder },
    /** Whether the Consul agent of an instance is running and joined. */
    private readonly agentLive: (instanceId: string) => boolean,
  ) {
    this.index = new ChangeIndex<ConsulTable>(deps.clock);
    this.raft = new RaftCluster(
      'consul',
      deps,
      (p) => agentLive(p.instanceId),
      () => this.index.bump(),
    );
  }

  /** The agent on `host` joins the gossip pool and registers in the catalog. */
  join(host: Host, bootstrap: boolean): void {
    const i = host.instance;
    const name = i.privateDnsName;
    this.failTimers.get(name)?.cancel();
    this.members.set(name, {
      name,
      addr: i.privateIp,
      port: 8301,
      instanceId: i.instanceId,
      tags: {
        role: serves(host, 'consul') ? 'consul' : 'node',
        dc: host.datacenter,
        id: host.consulNodeId,
        build: `${CONSUL_VERSION}:sim`,
        vsn: '2',
        vsn_min: '2',
        vsn_max: '3',
        ...(serves(host, 'consul') ? { port: '8300', raft_vsn: '3', expect: '3' } : {}),
      },
      status: 'alive',
    });
    this.register(host);
    if (serves(host, 'consul')) {
      const peer = { id: host.consulNodeId, name, address: `${i.privateIp}:8300`, instanceId: i.instanceId };
      if (bootstrap) this.raft.bootstrapPeer(peer);
      else this.raft.join(peer);
    }
    this.index.bump('checks');
    this.deps.recorder.mark(i.instanceId, 'consul-alive');
    if (!bootstrap) this.deps.recorder.event('consul', `${name} joined (${serves(host, 'consul') ? 'server' : 'client'})`);
  }

  /** Register (or re-register, via anti-entropy) the node in the catalog. */
  register(host: Host): void {
    const i = host.instance;
    const existing = this.catalog.get(i.privateDnsName);
    commit(this.index, ['nodes', 'checks'], (idx) => {
      this.catalog.set(i.privateDnsName, {
        ID: host.consulNodeId,
        Node: i.privateDnsName,
        Address: i.privateIp,
        Datacenter: host.datacenter,
        TaggedAddresses: { lan: i.privateIp, lan_ipv4: i.privateIp, wan: i.privateIp, wan_ipv4: i.privateIp },
        Meta: { instance_id: i.instanceId, 'consul-network-segment': '', 'hashistack-pool': host.pool },
        CreateIndex: existing?.CreateIndex ?? idx,
        ModifyIndex: idx,
      });
    });
  }

  /** `consul leave`: leaving now, left a moment later; the agent then exits. */
  leave(name: string, onLeft: () => void): void {
    const m = this.members.get(name);
    if (!m || m.status !== 'alive') return;
    this.setStatus(m, 'leaving');
    this.deps.clock.schedule(
      LEAVE_MS,
      () => {
        this.setStatus(m, 'left');
        commit(this.index, ['nodes', 'checks'], () => this.catalog.delete(name));
        this.deps.recorder.event('consul', `${name} left gracefully`);
        onLeft();
      },
      'consul:leave',
    );
  }

  /** The agent died without leaving: failed once gossip notices. */
  agentDied(name: string): void {
    const m = this.members.get(name);
    if (!m || m.status !== 'alive') {
      this.raft.reevaluate();
      return;
    }
    this.raft.reevaluate();
    const delay = this.deps.rng.int(FAILURE_DETECTION_MS.min, FAILURE_DETECTION_MS.max);
    this.failTimers.set(
      name,
      this.deps.clock.schedule(
        delay,
        () => {
          this.failTimers.delete(name);
          if (m.status !== 'alive' || this.agentLive(m.instanceId)) return;
          this.setStatus(m, 'failed');
          this.deps.recorder.event('consul', `${name} failed (no leave)`);
        },
        'consul:failure-detection',
      ),
    );
  }

  /** `force-leave`: failed → left; `prune` forgets the member. Unknown names succeed silently. */
  forceLeave(name: string, prune: boolean): void {
    const m = this.members.get(name);
    if (!m) return;
    if (m.status === 'failed' || m.status === 'leaving' || (prune && m.status === 'left')) {
      if (m.status !== 'left') this.setStatus(m, 'left');
      commit(this.index, ['nodes', 'checks'], () => this.catalog.delete(name));
      if (prune) {
        this.members.delete(name);
        this.index.bump('checks');
      }
      this.deps.recorder.event('consul', `force-leave ${name}${prune ? ' (pruned)' : ''}`);
    }
  }

  /** `PUT /v1/catalog/deregister`; a live agent puts itself back via anti-entropy. */
  deregister(name: string, host: Host | undefined): boolean {
    if (!this.catalog.has(name)) return true;
    commit(this.index, ['nodes', 'checks'], () => this.catalog.delete(name));
    if (host && this.agentLive(host.instance.instanceId)) {
      this.deps.clock.schedule(
        this.deps.rng.int(ANTI_ENTROPY_MS.min, ANTI_ENTROPY_MS.max),
        () => {
          if (this.agentLive(host.instance.instanceId) && !this.catalog.has(name)) this.register(host);
        },
        'consul:anti-entropy',
      );
    }
    return true;
  }

  /** serfHealth of a catalog node. */
  checks(name: string): NodeCheck[] {
    const node = this.catalog.get(name);
    if (!node) return [];
    const m = this.members.get(name);
    const alive = m?.status === 'alive';
    return [
      {
        Node: name,
        CheckID: 'serfHealth',
        Name: 'Serf Health Status',
        Status: alive ? 'passing' : 'critical',
        Notes: '',
        Output: alive ? 'Agent alive and reachable' : 'Agent not live or unreachable',
        ServiceID: '',
        ServiceName: '',
        ServiceTags: [],
        Type: '',
        CreateIndex: node.CreateIndex,
        ModifyIndex: node.ModifyIndex,
      },
    ];
  }

  private setStatus(m: GossipMember, status: MemberStatus): void {
    m.status = status;
    if (status === 'left' && m.tags.role === 'consul' && this.raft.leader()) {
      const peer = this.raft.byInstance(m.instanceId);
      if (peer) this.raft.remove(peer.id);
    }
    this.raft.reevaluate();
    // The leader's serf reconcile updates the member's serfHealth check.
    this.index.bump('checks');
  }
}
