import type { SimInstance } from '../../core/bus.js';
import type { NodeBehaviour } from '../../core/faults.js';
import type { ClientCapacity } from './instance-types.js';

/** Which agents an instance runs, from its `hashistack:role` tag. */
export type HostRole = 'server' | 'client';

/** Stage of a simulated machine. */
export type OsState = 'booting' | 'up' | 'hung' | 'down';

export type AgentName = 'consul' | 'nomad' | 'vault';

/** The raft systems HashiCorp's products run servers of. */
export type ServerSystem = AgentName;

/**
 * The systems a server's group runs (ASG tag `hashistack:systems`, e.g.
 * `consul,nomad`; absent: all three, the all-in-one server). Clients run none.
 */
export function serverSystemsOf(role: HostRole, tag: string | undefined): ServerSystem[] {
  if (role !== 'server') return [];
  if (tag === undefined) return ['consul', 'nomad', 'vault'];
  const names = tag.split(',').map((x) => x.trim().toLowerCase());
  return (['consul', 'nomad', 'vault'] as const).filter((s) => names.includes(s));
}

/** One simulated machine and the agents on it. */
export interface Host {
  instance: SimInstance;
  role: HostRole;
  /**
   * Servers: the raft systems it serves (its group's `hashistack:systems`).
   * Every host runs a Consul agent (server mode only with `consul` here);
   * a server runs Nomad and Vault only when its group names them.
   */
  systems: ServerSystem[];
  cluster: string;
  /** Logical pool (`hashistack:pool`). */
  pool: string;
  /** Nomad node pool (`hashistack:node-pool`, else the pool). */
  nodePool: string;
  nodeClass: string;
  datacenter: string;
  behaviour: NodeBehaviour;
  os: OsState;
  /** Agent processes running on the host. */
  agents: Record<AgentName, boolean>;
  /** Consul agent joined the gossip pool (auto-join, or `consul join` in ssm mode). */
  consulJoined: boolean;
  /** Nomad client node ID (kept in the client's data dir across restarts). */
  nomadNodeId: string;
  /** Consul node ID. */
  consulNodeId: string;
  capacity: ClientCapacity;
  logs: Record<'consul' | 'nomad' | 'vault', string[]>;
  /** The first boot (user data, first-boot initialisation) is done: a start after a stop only boots the OS. */
  initialised?: boolean;
}

/** Serf member status, shared by Consul (as int) and Nomad (as string). */
export type MemberStatus = 'alive' | 'leaving' | 'left' | 'failed';

/** Consul's integer encoding of a member status. */
export const CONSUL_STATUS_CODE: Record<MemberStatus, number> = { alive: 1, leaving: 2, left: 3, failed: 4 };

/** A member of a gossip pool (Consul LAN, or Nomad's server pool). */
export interface GossipMember {
  name: string;
  addr: string;
  port: number;
  instanceId: string;
  tags: Record<string, string>;
  status: MemberStatus;
}

/** A node in the Consul catalog. */
export interface CatalogNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** A Nomad node event. */
export interface NodeEvent {
  Message: string;
  Subsystem: string;
  Details: Record<string, string> | null;
  Timestamp: string;
  CreateIndex: number;
}

export interface DrainStrategy {
  Deadline: number;
  IgnoreSystemJobs: boolean;
  ForceDeadline: string;
  StartedAt: string;
}

export interface LastDrain {
  Status: 'draining' | 'complete' | 'canceled';
  StartedAt: string;
  UpdatedAt: string;
  AccessorID: string;
  Meta: Record<string, string> | null;
}

/** A Nomad client node as the servers store it. */
export interface NomadNode {
  ID: string;
  Name: string;
  Datacenter: string;
  HTTPAddr: string;
  Attributes: Record<string, string>;
  Links: Record<string, string>;
  Meta: Record<string, string>;
  NodePool: string;
  NodeClass: string;
  Drain: boolean;
  DrainStrategy: DrainStrategy | null;
  SchedulingEligibility: 'eligible' | 'ineligible';
  Status: 'initializing' | 'ready' | 'down' | 'disconnected';
  StatusDescription: string;
  StatusUpdatedAt: number;
  Events: NodeEvent[];
  LastDrain: LastDrain | null;
  NodeResources: { Cpu: { CpuShares: number }; Memory: { MemoryMB: number } };
  Drivers: Record<string, { Detected: boolean; Healthy: boolean; HealthDescription: string }>;
  Version: string;
  CreateIndex: number;
  ModifyIndex: number;
  /** Sim-internal: the instance behind the node. */
  instanceId: string;
  /** Sim-internal: drain deadline (sim epoch ms) when one is set. */
  drainDeadlineAt: number | null;
}

export type JobType = 'service' | 'batch' | 'system';

/** A task group as scenarios register it (resources flattened). */
export interface TaskGroupSpec {
  Name: string;
  Count: number;
  cpu: number;
  memoryMB: number;
  Migrate?: { MaxParallel: number; MinHealthyTimeMs: number; HealthyDeadlineMs?: number };
  KillTimeoutMs?: number;
  /** Batch only: how long an allocation runs before it completes on its own; forever when absent. */
  RunTimeMs?: number;
  /** The group's `update` block (canonicalised: api/jobs.go DefaultUpdateStrategy fills what a job leaves out); none: no deployments. */
  Update?: UpdateSpec;
  /** Injected: this version of the group's tasks never passes its health checks (a broken job version). */
  ChecksFail?: boolean;
}

/** A task group's `update` block (service jobs): how a new job version rolls out as a deployment. */
export interface UpdateSpec {
  MaxParallel: number;
  MinHealthyTimeMs: number;
  HealthyDeadlineMs: number;
  /** 0: the deployment fails on the first unhealthy allocation (deploymentwatcher shouldFailEarly). */
  ProgressDeadlineMs: number;
  AutoRevert: boolean;
}

/** Nomad's `update` defaults (api/jobs.go DefaultUpdateStrategy). */
export const DEFAULT_UPDATE: UpdateSpec = {
  MaxParallel: 1,
  MinHealthyTimeMs: 10_000,
  HealthyDeadlineMs: 5 * 60_000,
  ProgressDeadlineMs: 10 * 60_000,
  AutoRevert: false,
};

export interface JobSpec {
  ID: string;
  Type: JobType;
  NodePool?: string;
  TaskGroups: TaskGroupSpec[];
  /** Set by the servers: 0 at the first registration, +1 for each registration that changes the spec. */
  Version?: number;
  /** Set by the servers: a version whose deployment succeeded (what auto_revert goes back to). */
  Stable?: boolean;
}

/** A task group's state in a deployment (structs.DeploymentState; durations in ns, times RFC 3339). */
export interface DeploymentState {
  AutoRevert: boolean;
  AutoPromote: boolean;
  ProgressDeadline: number;
  RequireProgressBy: string;
  Promoted: boolean;
  PlacedCanaries: string[];
  DesiredCanaries: number;
  DesiredTotal: number;
  PlacedAllocs: number;
  HealthyAllocs: number;
  UnhealthyAllocs: number;
}

export type DeploymentStatus = 'running' | 'paused' | 'failed' | 'successful' | 'cancelled' | 'initializing' | 'pending' | 'blocked' | 'unblocking';

/** A Nomad deployment (structs.Deployment): one job version rolling out. */
export interface Deployment {
  ID: string;
  Namespace: string;
  JobID: string;
  JobVersion: number;
  JobModifyIndex: number;
  JobSpecModifyIndex: number;
  JobCreateIndex: number;
  IsMultiregion: boolean;
  TaskGroups: Record<string, DeploymentState>;
  Status: DeploymentStatus;
  StatusDescription: string;
  EvalPriority: number;
  CreateIndex: number;
  ModifyIndex: number;
  /** ns since the epoch. */
  CreateTime: number;
  ModifyTime: number;
}

/** Go's zero time.Time as JSON. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export type ClientStatus = 'pending' | 'running' | 'complete' | 'failed' | 'lost';

/** A Nomad allocation. */
export interface Allocation {
  ID: string;
  EvalID: string;
  Name: string;
  Namespace: string;
  NodeID: string;
  NodeName: string;
  JobID: string;
  Job: { ID: string; Name: string; Type: JobType; Namespace: string; NodePool: string; Version: number };
  /** The deployment that placed this allocation ('' when none was active: drain migrations, jobs without `update`). */
  DeploymentID: string;
  TaskGroup: string;
  DesiredStatus: 'run' | 'stop' | 'evict';
  DesiredDescription: string;
  DesiredTransition: { Migrate: boolean | null };
  /** The replacement the scheduler placed for this allocation ('' until then), and the allocation this one replaces. */
  NextAllocation: string;
  PreviousAllocation: string;
  ClientStatus: ClientStatus;
  ClientDescription: string;
  DeploymentStatus: { Healthy: boolean | null; Timestamp: string } | null;
  Resources: { CPU: number; MemoryMB: number };
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

/** Vault server process state on a server host. */
export interface VaultServer {
  instanceId: string;
  nodeId: string;
  address: string;
  sealed: boolean;
}

/** ns per ms, for Nomad's nanosecond timestamps and durations. */
export const NS_PER_MS = 1_000_000;

/** Whether the host runs a server of `system`. */
export const serves = (host: Pick<Host, 'role' | 'systems'>, system: ServerSystem): boolean => host.role === 'server' && host.systems.includes(system);

/** Whether the host runs the agent at all: Consul everywhere, Nomad on clients and Nomad servers, Vault on Vault servers. */
export const runsAgent = (host: Pick<Host, 'role' | 'systems'>, agent: AgentName): boolean =>
  agent === 'consul' || (agent === 'nomad' && host.role === 'client') || serves(host, agent);
