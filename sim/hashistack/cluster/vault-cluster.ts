import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Recorder } from '../../core/recorder.js';
import type { Rng } from '../../core/rng.js';
import { RaftCluster } from './raft.js';
import type { Host, VaultServer } from './state.js';

export const VAULT_VERSION = '1.20.1';
/** Auto-unseal (KMS) after start takes this long. */
const UNSEAL_MS = { min: 2_000, max: 6_000 } as const;

/**
 * How the servers set raft `node_id` (storage "raft" stanza, or
 * VAULT_RAFT_NODE_ID): the EC2 instance id, or the hostname, which on EC2 is
 * the private DNS name (`ip-10-0-1-5.ec2.internal`). Vault itself would
 * generate a random id into its data directory when none is set.
 */
export type VaultNodeIdConvention = 'instance-id' | 'hostname';

/**
 * Vault servers with integrated storage: each starts sealed, auto-unseals,
 * then joins raft (node_id by the convention) and serves as standby; the raft
 * leader is the active node. A sealed or stopped server is not a live peer.
 */
export class VaultCluster {
  readonly servers = new Map<string, VaultServer>();
  readonly raft: RaftCluster;
  readonly clusterId: string;
  private readonly running = new Set<string>();
  private readonly unsealTimers = new Map<string, SimTimer>();
  /** Bumped on every change, for raft indexes in responses. */
  commitIndex = 100;

  constructor(
    private readonly deps: { clock: SimClock; rng: Rng; recorder: Recorder },
    private readonly nodeIdConvention: VaultNodeIdConvention = 'instance-id',
  ) {
    this.clusterId = deps.rng.uuid();
    this.raft = new RaftCluster(
      'vault',
      deps,
      (p) => this.isUnsealedAndRunning(p.instanceId),
      () => {
        this.commitIndex++;
        this.raft.advanceIndexes(this.commitIndex);
      },
    );
  }

  isUnsealedAndRunning(instanceId: string): boolean {
    const s = this.servers.get(instanceId);
    return s !== undefined && this.running.has(instanceId) && !s.sealed;
  }

  isRunning(instanceId: string): boolean {
    return this.running.has(instanceId);
  }

  /** The vault process starts (sealed); `bootstrap` makes it an unsealed voter of the t0 cluster. */
  start(host: Host, bootstrap: boolean): void {
    const id = host.instance.instanceId;
    const nodeId = this.nodeIdConvention === 'hostname' ? host.instance.privateDnsName : id;
    const server: VaultServer = this.servers.get(id) ?? { instanceId: id, nodeId, address: `${host.instance.privateIp}:8201`, sealed: true };
    this.servers.set(id, server);
    this.running.add(id);
    const peer = { id: server.nodeId, name: server.nodeId, address: server.address, instanceId: id };
    if (bootstrap) {
      server.sealed = false;
      this.raft.bootstrapPeer(peer);
      return;
    }
    server.sealed = true;
    this.deps.recorder.event('vault', `${id} started (sealed)`);
    this.unsealTimers.set(
      id,
      this.deps.clock.schedule(
        this.deps.rng.int(UNSEAL_MS.min, UNSEAL_MS.max),
        () => {
          this.unsealTimers.delete(id);
          if (!this.running.has(id)) return;
          server.sealed = false;
          this.deps.recorder.event('vault', `${id} unsealed (auto-unseal)`);
          if (this.raft.get(server.nodeId)) this.raft.markRestarted(server.nodeId);
          else this.raft.join(peer);
        },
        'vault:auto-unseal',
      ),
    );
  }

  /** The vault process stops (or the machine dies). */
  stop(instanceId: string): void {
    this.unsealTimers.get(instanceId)?.cancel();
    this.unsealTimers.delete(instanceId);
    if (!this.running.delete(instanceId)) return;
    const s = this.servers.get(instanceId);
    if (s) s.sealed = true;
    this.raft.reevaluate();
  }

  /** Seal a running server (operator action or a failed unseal). */
  seal(instanceId: string): void {
    const s = this.servers.get(instanceId);
    if (!s) return;
    this.unsealTimers.get(instanceId)?.cancel();
    this.unsealTimers.delete(instanceId);
    s.sealed = true;
    this.deps.recorder.event('vault', `${instanceId} sealed`);
    this.raft.reevaluate();
  }

  /** The active node: the raft leader while it is unsealed. */
  active(): VaultServer | undefined {
    const leader = this.raft.leader();
    return leader ? this.servers.get(leader.instanceId) : undefined;
  }
}
