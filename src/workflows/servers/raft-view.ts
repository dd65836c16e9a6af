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
import type { ClusterClients } from '../../hashicorp/clients.js';
import { parseDuration } from '../../time/duration.js';
import { hostOf } from '../join/gate.js';

export type RaftSystem = 'nomad' | 'consul' | 'vault';
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

/** The three systems. */
export type ClusterView = Record<RaftSystem, SystemView>;

/** An instance as raft peers are matched to it. */
export interface InstanceIdentity {
  instanceId: string;
  privateIp: string | null;
  /** The Consul node name (hostname), when known. */
  consulNode: string | null;
}

const contactOk = (lastContact: string | undefined): boolean => {
  if (lastContact === undefined || lastContact === '') return true;
  const ms = parseDuration(lastContact);
  return ms !== undefined && ms <= MAX_LAST_CONTACT_MS;
};

/** Read the raft configuration and autopilot health of every system (in parallel). */
export async function readCluster(clients: {
  nomad: Pick<ClusterClients['nomad'], 'raftConfiguration' | 'autopilotHealth'>;
  consul: Pick<ClusterClients['consul'], 'raftConfiguration' | 'autopilotHealth'>;
  vault: Pick<ClusterClients['vault'], 'raftConfiguration' | 'autopilotState'>;
}): Promise<ClusterView> {
  const [nomadRaft, nomadAp, consulRaft, consulAp, vaultRaft, vaultAp] = await Promise.all([
    clients.nomad.raftConfiguration(),
    clients.nomad.autopilotHealth(),
    clients.consul.raftConfiguration(),
    clients.consul.autopilotHealth(),
    clients.vault.raftConfiguration(),
    clients.vault.autopilotState(),
  ]);
  const hashi = (system: 'nomad' | 'consul', raft: typeof nomadRaft | typeof consulRaft, ap: typeof nomadAp): SystemView => {
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
  };
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
  return {
    nomad: hashi('nomad', nomadRaft, nomadAp),
    consul: hashi('consul', consulRaft, consulAp),
    vault: { system: 'vault', peers: vaultPeers, leaderId: vaultPeers.find((p) => p.leader)?.id ?? null, autopilotHealthy: vaultAp.healthy },
  };
}

/**
 * The peers of one system that belong to this instance. Nomad and Consul:
 * raft address host = the private IP (unique while the instance exists);
 * only without a known IP, the name (Consul node name; Nomad `name.region`).
 * Vault: node_id = the instance id (the convention).
 */
export function peersOf(view: SystemView, who: InstanceIdentity): PeerView[] {
  if (view.system === 'vault') return view.peers.filter((p) => p.id === who.instanceId);
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
