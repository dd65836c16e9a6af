/**
 * One view of the three raft systems (Nomad, Consul, Vault servers) built
 * from the raft configuration and the autopilot reading of each, and the
 * quorum arithmetic the server workflows decide with.
 *
 * A server counts as healthy only when autopilot says so AND its last
 * contact with the leader is recent: an autopilot reading can lag behind a
 * server that just died (stale), and removing another server on the strength
 * of it would break quorum.
 */
import type { RaftSystem } from '../../cluster/systems.js';
import type { Config } from '../../config/index.js';
import type { ClusterClients, EndpointsOf } from '../../hashicorp/clients.js';
import * as consul from '../../hashicorp/consul/client.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import * as vault from '../../hashicorp/vault/client.js';
import { parseDuration } from '../../time/duration.js';
import { hostOf } from '../join/gate.js';

export type { RaftSystem };
export const RAFT_SYSTEMS: readonly RaftSystem[] = ['nomad', 'consul', 'vault'];

/** Autopilot's own default LastContactThreshold is 200 ms; allow some slack for the reading's age. */
export const MAX_LAST_CONTACT_MS = 1_000;

/** One raft peer as both readings show it. */
export interface PeerView {
  id: string;
  /** Nomad `name.region`, Consul node name, Vault node_id. */
  name: string;
  address: string;
  voter: boolean;
  leader: boolean;
  /** Autopilot healthy and in recent contact with the leader. */
  healthy: boolean;
  lastIndex: number | undefined;
}

/** One system's raft configuration and autopilot reading. */
export interface SystemView {
  system: RaftSystem;
  peers: PeerView[];
  leaderId: string | null;
  autopilotHealthy: boolean;
}

/** The systems read (those a group or the cluster runs). */
export type ClusterView = Partial<Record<RaftSystem, SystemView>>;

/** An instance as raft peers are matched to it. */
export interface InstanceIdentity {
  instanceId: string;
  privateIp: string | null;
  /** The Consul node name (hostname), when known. */
  consulNode: string | null;
  /** The Vault raft node_ids this instance may carry by the convention ({@link vaultNodeIdsOf}); absent: its instance id. */
  vaultNodeIds?: readonly string[];
}

/**
 * The Vault raft `node_id`s of an instance under the configured convention:
 * its instance id, or its hostname. On EC2 the hostname is the private DNS
 * name (`ip-10-0-1-5.ec2.internal`; resource-based names `i-0abc….ec2.internal`)
 * or, where the OS keeps only the first label, `ip-10-0-1-5`: both count.
 */
export function vaultNodeIdsOf(convention: Config['vaultNodeId'], instanceId: string, privateDnsName: string | null | undefined): string[] {
  if (convention === 'instance-id') return [instanceId];
  if (!privateDnsName) return [];
  return [...new Set([privateDnsName, privateDnsName.split('.')[0] as string])];
}

const contactOk = (lastContact: string | undefined): boolean => {
  if (lastContact === undefined || lastContact === '') return true;
  const ms = parseDuration(lastContact);
  return ms !== undefined && ms <= MAX_LAST_CONTACT_MS;
};

type RaftClients = {
  nomad: Pick<ClusterClients['nomad'], 'raftConfiguration' | 'autopilotHealth'>;
  consul: Pick<ClusterClients['consul'], 'raftConfiguration' | 'autopilotHealth'>;
  vault: Pick<ClusterClients['vault'], 'raftConfiguration' | 'autopilotState'>;
};

/** The endpoints {@link readCluster} calls, for the dependencies of a workflow that reads the raft systems. */
export const RAFT_READ_ENDPOINTS = {
  nomad: { raftConfiguration: nomad.raftConfiguration, autopilotHealth: nomad.autopilotHealth },
  consul: { raftConfiguration: consul.raftConfiguration, autopilotHealth: consul.autopilotHealth },
  vault: { raftConfiguration: vault.raftConfiguration, autopilotState: vault.autopilotState },
} satisfies EndpointsOf<RaftClients>;

/** Read the raft configuration and autopilot health of these systems (in parallel); no call to any other. */
export async function readCluster(clients: RaftClients, systems: readonly RaftSystem[] = RAFT_SYSTEMS): Promise<ClusterView> {
  const [nomad, consul, vault] = await Promise.all([
    systems.includes('nomad') ? readHashi('nomad', clients.nomad) : undefined,
    systems.includes('consul') ? readHashi('consul', clients.consul) : undefined,
    systems.includes('vault') ? readVault(clients.vault) : undefined,
  ]);
  return { ...(nomad ? { nomad } : {}), ...(consul ? { consul } : {}), ...(vault ? { vault } : {}) };
}

/** The view of a system that must have been read (the caller read exactly these systems). */
export function viewOf(view: ClusterView, system: RaftSystem): SystemView {
  const v = view[system];
  if (!v) throw new Error(`raft view of ${system} was not read`);
  return v;
}

async function readHashi(system: 'nomad' | 'consul', client: RaftClients['nomad'] | RaftClients['consul']): Promise<SystemView> {
  const [raft, ap] = await Promise.all([client.raftConfiguration(), client.autopilotHealth()]);
  const peers = raft.Servers.map((s): PeerView => {
    const a = ap.Servers.find((x) => x.ID === s.ID);
    return {
      id: s.ID,
      name: s.Node,
      address: s.Address,
      voter: s.Voter,
      leader: s.Leader,
      healthy: a?.Healthy === true && contactOk(a.LastContact),
      lastIndex: a?.LastIndex,
    };
  });
  return { system, peers, leaderId: peers.find((p) => p.leader)?.id ?? null, autopilotHealthy: ap.Healthy };
}

async function readVault(client: RaftClients['vault']): Promise<SystemView> {
  const [vaultRaft, vaultAp] = await Promise.all([client.raftConfiguration(), client.autopilotState()]);
  const vaultPeers = vaultRaft.servers.map((s): PeerView => {
    const a = vaultAp.servers[s.node_id];
    return {
      id: s.node_id,
      name: s.node_id,
      address: s.address,
      voter: s.voter,
      leader: s.leader,
      healthy: a?.healthy === true && contactOk(a.last_contact),
      lastIndex: undefined,
    };
  });
  return { system: 'vault', peers: vaultPeers, leaderId: vaultPeers.find((p) => p.leader)?.id ?? null, autopilotHealthy: vaultAp.healthy };
}

/**
 * The peers of one system that belong to this instance. Nomad and Consul:
 * raft address host = the private IP (unique while the instance exists);
 * only without a known IP, the name (Consul node name; Nomad `name.region`).
 * Vault: node_id by the configured convention (instance id or hostname, {@link vaultNodeIdsOf}).
 */
export function peersOf(view: SystemView, who: InstanceIdentity): PeerView[] {
  if (view.system === 'vault') {
    const ids = who.vaultNodeIds ?? [who.instanceId];
    return view.peers.filter((p) => ids.includes(p.id));
  }
  if (who.privateIp) return view.peers.filter((p) => hostOf(p.address) === who.privateIp);
  const node = who.consulNode;
  if (!node) return [];
  return view.peers.filter((p) => (view.system === 'consul' ? p.name === node : p.name.startsWith(`${node}.`)));
}

/** Votes needed with this many voters. */
export const quorumOf = (voters: number): number => Math.floor(voters / 2) + 1;

/** Quorum arithmetic of one system when the peers in `leaving` go away. */
export interface Safety {
  system: RaftSystem;
  voters: number;
  quorum: number;
  healthyVoters: number;
  /** Healthy voters that stay. */
  remaining: number;
  /** remaining − quorum (of the configuration as it is now, i.e. while the leaving peers are still in it). */
  toleranceAfter: number;
  hasLeader: boolean;
  safe: boolean;
}

/** Whether the system keeps a quorum (failure tolerance ≥ 0) when the `leaving` peer ids stop. */
export function safetyOf(view: SystemView, leaving: ReadonlySet<string>): Safety {
  const voters = view.peers.filter((p) => p.voter);
  const quorum = quorumOf(voters.length);
  const healthy = voters.filter((p) => p.healthy);
  const remaining = healthy.filter((p) => !leaving.has(p.id)).length;
  const hasLeader = view.leaderId !== null;
  return {
    system: view.system,
    voters: voters.length,
    quorum,
    healthyVoters: healthy.length,
    remaining,
    toleranceAfter: remaining - quorum,
    hasLeader,
    safe: hasLeader && remaining >= quorum,
  };
}

/** Every system has a leader, autopilot says healthy and every peer is healthy. */
export function systemHealthy(view: SystemView): boolean {
  return view.leaderId !== null && view.autopilotHealthy && view.peers.every((p) => p.healthy) && safetyOf(view, new Set()).safe;
}

/** A short text of a safety verdict, for logs and Causes. */
export function describeSafety(s: Safety): string {
  return `${s.system}: ${s.remaining}/${s.voters} voters stay healthy, quorum ${s.quorum}${s.hasLeader ? '' : ', no leader'}`;
}
