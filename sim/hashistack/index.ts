import type { NodeShell, SimInstance, WorldBus } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Faults } from '../core/faults.js';
import type { SimService } from '../core/http.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { ResourceToken, VaultToken } from './acl.js';
import { isClientTerminal } from './cluster/alloc-runner.js';
import type { RaftPeer } from './cluster/raft.js';
import type { Allocation, Deployment, GossipMember, JobSpec, NomadNode } from './cluster/state.js';
import type { VaultNodeIdConvention } from './cluster/vault-cluster.js';
import { HashistackWorld, type JoinMode } from './cluster/world.js';
import { ConsulService } from './consul/service.js';
import { NomadService } from './nomad/service.js';
import { HashistackShell } from './shell.js';
import { SnapshotServer } from './snapshot/server.js';
import { VaultService } from './vault/service.js';

export type { JobSpec, Allocation, Deployment, NomadNode, GossipMember } from './cluster/state.js';
export type { RaftPeer } from './cluster/raft.js';
export { ELECTION_MS } from './cluster/raft.js';
export type { JoinMode } from './cluster/world.js';
export type { ResourceToken, VaultToken } from './acl.js';

/** What the hashistack simulation is built from. */
export interface HashistackDeps {
  clock: SimClock;
  rng: Rng;
  faults: Faults;
  recorder: Recorder;
  bus: WorldBus;
  /** Management ACL token of each system. */
  tokens: { nomad: string; consul: string; vault: string };
  joinMode?: JoinMode;
  /** How Vault servers set their raft node_id (default: the instance id). */
  vaultNodeId?: VaultNodeIdConvention;
}

export type HashiSystem = 'nomad' | 'consul' | 'vault';

/** Direct, typed access to the simulated cluster for scenarios and tests. */
export interface HashistackApi {
  /** Register a job; with `running: true` its allocations start out running and healthy (t0). */
  registerJob(job: JobSpec, options?: { running?: boolean }): void;
  /** Make these instances the t0 cluster: booted and joined, a leader per system, clients ready. */
  bootstrap(instances: SimInstance[]): void;
  /** Nomad client nodes (copies). */
  nodes(): NomadNode[];
  /** The Nomad node of an instance, if it registered. */
  nodeOfInstance(instanceId: string): NomadNode | undefined;
  /** Gossip members: Consul LAN pool or Nomad servers (copies). */
  members(system: 'consul' | 'nomad'): GossipMember[];
  /** Allocations (copies), optionally of one node. */
  allocations(nodeId?: string): Allocation[];
  /** Nomad deployments (copies), oldest first. */
  deployments(): Deployment[];
  /** Running allocations (desired run, client not terminal) and the recorder's migrated/lost counts. */
  allocationCounts(): { running: number; migrated: number; lost: number };
  /** Ready and eligible clients, optionally of one Nomad node pool. */
  eligibleClientCapacity(pool?: string): number;
  raftPeers(system: HashiSystem): RaftPeer[];
  /** Raft leader's server ID, or null. */
  leader(system: HashiSystem): string | null;
  /** Seal a Vault server (it stays sealed until restarted). */
  sealVault(instanceId: string): void;
  /** Ground truth of one raft system: leader, voters, live voters (not what autopilot reports). */
  raftHealth(system: HashiSystem): { leader: string | null; voters: number; liveVoters: number; quorum: number };
  /** Fault: autopilot readings of every system lag this long behind a server's death (0 = live). */
  setAutopilotLag(ms: number): void;
  /** Whether the OS of an instance has booted and is up. */
  isOnline(instanceId: string): boolean;
  /** The simulated log of an agent on an instance. */
  logs(instanceId: string, agent: 'consul' | 'nomad' | 'vault'): string[];
  /** Add an ACL token with narrower policies than the management tokens. */
  addToken(system: 'nomad' | 'consul', token: ResourceToken): void;
  addVaultToken(token: VaultToken): void;
  /** Replace a token's secret (same policies) and revoke the old one; false when the old secret is unknown. */
  rotateToken(system: 'nomad' | 'consul', oldSecret: string, newSecret: string): boolean;
}

/** The simulated Nomad, Consul and Vault clusters, their HTTP services and the nodes' shell. */
export interface HashistackSim {
  services: { nomad: SimService; consul: SimService; vault: SimService };
  shell: NodeShell;
  api: HashistackApi;
  /** The products' snapshot endpoints: sizes, faults, and what they served. */
  snapshots: SnapshotServer;
}

/**
 * Build the simulated hashistack. It follows the world bus: instances that
 * run boot and join per their tags; instances that shut down lose their agents.
 */
export function createHashistackSim(deps: HashistackDeps): HashistackSim {
  const world = new HashistackWorld({ ...deps, joinMode: deps.joinMode ?? 'auto' });
  const rng = deps.rng.fork('hashistack-http');
  const snapshots = new SnapshotServer(world, () => deps.clock.now());
  const services = {
    nomad: new NomadService(world, deps.tokens.nomad, rng.fork('nomad-blocking'), snapshots),
    consul: new ConsulService(world, deps.tokens.consul, rng.fork('consul-blocking'), snapshots),
    vault: new VaultService(world, deps.tokens.vault, deps.clock, rng, snapshots),
  };
  const shell = new HashistackShell(world, deps.clock, deps.rng, deps.faults);
  const raftOf = (system: HashiSystem): HashistackWorld['nomad']['raft'] => world[system].raft;
  const api: HashistackApi = {
    deployments: () => [...world.nomad.deployments.all.values()].sort((a, b) => a.CreateIndex - b.CreateIndex).map((d) => structuredClone(d)),
    registerJob: (job, options) => world.nomad.registerJob(structuredClone(job), options?.running ?? false),
    bootstrap: (instances) => world.bootstrap(instances),
    nodes: () => [...world.nomad.nodes.values()].map((n) => structuredClone(n)),
    nodeOfInstance: (instanceId) => {
      const n = [...world.nomad.nodes.values()].find((x) => x.instanceId === instanceId);
      return n ? structuredClone(n) : undefined;
    },
    members: (system) => [...(system === 'consul' ? world.consul.members : world.nomad.members).values()].map((m) => structuredClone(m)),
    allocations: (nodeId) => [...world.nomad.allocs.values()].filter((a) => nodeId === undefined || a.NodeID === nodeId).map((a) => structuredClone(a)),
    allocationCounts: () => ({
      running: [...world.nomad.allocs.values()].filter((a) => a.DesiredStatus === 'run' && !isClientTerminal(a.ClientStatus)).length,
      migrated: deps.recorder.allocations.migrated,
      lost: deps.recorder.allocations.lost,
    }),
    eligibleClientCapacity: (pool) => world.nomad.eligibleNodes(pool).length,
    raftPeers: (system) =>
      raftOf(system)
        .list()
        .map((p) => ({ ...p })),
    leader: (system) => raftOf(system).leader()?.id ?? null,
    sealVault: (instanceId) => world.vault.seal(instanceId),
    raftHealth: (system) => {
      const raft = raftOf(system);
      const voters = raft.list().filter((p) => p.voter);
      return { leader: raft.leader()?.id ?? null, voters: voters.length, liveVoters: voters.filter((p) => raft.alive(p)).length, quorum: raft.quorum() };
    },
    setAutopilotLag: (ms) => {
      for (const system of ['nomad', 'consul', 'vault'] as const) world[system].raft.autopilotLagMs = ms;
    },
    isOnline: (instanceId) => shell.isOnline(instanceId),
    logs: (instanceId, agent) => [...(world.hosts.get(instanceId)?.logs[agent] ?? [])],
    addToken: (system, token) => services[system].addToken(token),
    addVaultToken: (token) => services.vault.addToken(token),
    rotateToken: (system, oldSecret, newSecret) => services[system].rotateToken(oldSecret, newSecret),
  };
  return { services, shell, api, snapshots };
}
