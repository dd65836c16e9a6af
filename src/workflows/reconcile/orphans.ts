/**
 * Remove what instances that died outside the lifecycle (TerminateInstances,
 * a crash, a Spot reclaim) left behind: the Nomad node (purged once `down`),
 * the Consul member (force-left with prune once failed or left) and, for
 * servers, raft peers (removed only while quorum stays safe). An instance
 * counts as gone only when EC2 says terminated or does not know it AND no
 * Auto Scaling group holds it: nothing of an instance that still exists is touched.
 */
import { clusterSystems } from '../../cluster/systems.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { peersOf, quorumOf, RAFT_SYSTEMS, readCluster, type ClusterView, type RaftSystem } from '../servers/raft-view.js';
import type { ReconcileDeps } from './deps.js';

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const INSTANCE_ATTRIBUTE = 'unique.platform.aws.instance-id';

export interface OrphanOutcome {
  nomadNodesPurged: string[];
  consulMembersRemoved: string[];
  /** Nomad servers' gossip members (`nomad server force-leave`). */
  nomadMembersRemoved: string[];
  raftPeersRemoved: string[];
  /** Dead raft peers of gone instances left in place because removing them now is not safe. */
  raftPeersKept: string[];
}

type OrphanDeps = Pick<ReconcileDeps, 'config' | 'autoscaling' | 'ec2' | 'nomad' | 'consul' | 'vault'>;

/** EC2 says terminated (or does not know the instance) and no group holds it. */
export async function instanceGone(instanceId: string, deps: Pick<ReconcileDeps, 'autoscaling' | 'ec2'>): Promise<boolean> {
  const facts = await deps.ec2.describeInstance(instanceId);
  if (facts && facts.state !== 'terminated') return false;
  return (await deps.autoscaling.describeAutoScalingInstance(instanceId)) === undefined;
}

export async function cleanupOrphans(deps: OrphanDeps): Promise<OrphanOutcome> {
  const outcome: OrphanOutcome = { nomadNodesPurged: [], consulMembersRemoved: [], nomadMembersRemoved: [], raftPeersRemoved: [], raftPeersKept: [] };
  const downNodes = new Map<string, string[]>();
  for (const stub of await deps.nomad.downNodes()) {
    const { node } = await deps.nomad.getNode(stub.ID);
    const instanceId = node.Attributes?.[INSTANCE_ATTRIBUTE];
    if (instanceId) downNodes.set(instanceId, [...(downNodes.get(instanceId) ?? []), stub.ID]);
  }
  const cluster = await readCluster(deps, clusterSystems(deps.config));
  // Vault's raft node_id is the instance id under that convention; Consul and Nomad peers are found from the instance.
  const vaultByInstance = deps.config.vaultNodeId === 'instance-id' ? (cluster.vault?.peers ?? []).map((p) => p.id).filter((id) => INSTANCE_ID.test(id)) : [];
  const candidates = new Set([...downNodes.keys(), ...vaultByInstance]);
  for (const instanceId of candidates) {
    if (!(await instanceGone(instanceId, deps))) continue;
    const log = getLogger().createChild({ persistentKeys: { instanceId } });
    if (deps.config.purgeNomadNode) {
      for (const nodeId of downNodes.get(instanceId) ?? []) {
        await deps.nomad.purgeNode(nodeId);
        outcome.nomadNodesPurged.push(nodeId);
        countMetric('OrphanNomadNodePurged');
        log.warn('purged the down Nomad node of an instance that no longer exists', { nodeId });
      }
    }
    const catalog = await deps.consul.findNodeByInstanceId(instanceId, null);
    if (catalog) {
      const member = (await deps.consul.members()).find((m) => m.Name === catalog.Node);
      if (member && (member.Status === MemberStatus.failed || member.Status === MemberStatus.left)) {
        await deps.consul.forceLeave(member.Name, true);
        outcome.consulMembersRemoved.push(member.Name);
        countMetric('OrphanConsulMemberRemoved');
        log.warn('force-left (prune) the Consul member of an instance that no longer exists', { member: member.Name, status: member.Status });
      }
    }
    if (catalog) {
      // A server's Nomad gossip member: matched by address, removed only once failed.
      const failed = (await deps.nomad.agentMembers()).Members.filter((m) => m.Addr === catalog.Address && m.Status === 'failed');
      for (const m of failed) {
        await deps.nomad.forceLeave(m.Name);
        outcome.nomadMembersRemoved.push(m.Name);
        countMetric('OrphanNomadMemberRemoved');
        log.warn('force-left (prune) the Nomad server member of an instance that no longer exists', { member: m.Name });
      }
    }
    await removeDeadPeers(cluster, { instanceId, privateIp: catalog?.Address ?? null, consulNode: catalog?.Node ?? null }, deps, outcome);
  }
  return outcome;
}

/**
 * Remove the instance's raft peers from each system where that is safe: every
 * one of its peers unhealthy (a healthy peer means the server runs: never
 * removed), a leader, and the healthy voters a quorum of the configuration
 * without them.
 */
async function removeDeadPeers(
  cluster: ClusterView,
  who: { instanceId: string; privateIp: string | null; consulNode: string | null },
  deps: OrphanDeps,
  outcome: OrphanOutcome,
): Promise<void> {
  for (const system of RAFT_SYSTEMS) {
    const view = cluster[system];
    if (!view) continue;
    const peers = peersOf(view, who);
    if (peers.length === 0) continue;
    const ids = new Set(peers.map((p) => p.id));
    const staying = view.peers.filter((p) => !ids.has(p.id));
    const healthyVoters = staying.filter((p) => p.voter && p.healthy).length;
    const safe = peers.every((p) => !p.healthy && !p.leader) && view.leaderId !== null && healthyVoters >= quorumOf(staying.filter((p) => p.voter).length);
    const log = getLogger();
    if (!safe) {
      outcome.raftPeersKept.push(...peers.map((p) => `${system}:${p.id}`));
      countMetric('OrphanRaftPeerKept');
      log.error('dead raft peer of a gone instance not removed: removal is not safe now', {
        system,
        instanceId: who.instanceId,
        peers: peers.map((p) => p.id),
        healthyVoters,
      });
      continue;
    }
    for (const p of peers) {
      await removePeer(system, p.id, deps);
      outcome.raftPeersRemoved.push(`${system}:${p.id}`);
      countMetric('OrphanRaftPeerRemoved');
      log.warn('removed the dead raft peer of an instance that no longer exists', { system, instanceId: who.instanceId, peer: p.id, name: p.name });
    }
  }
}

function removePeer(system: RaftSystem, id: string, deps: OrphanDeps): Promise<void> {
  if (system === 'nomad') return deps.nomad.removeRaftPeer(id);
  if (system === 'consul') return deps.consul.removeRaftPeer({ id });
  return deps.vault.removeRaftPeer(id);
}
