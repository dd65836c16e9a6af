/** ServerVerify: every system lost this server's peer (else remove it through the API) and is healthy again. */
import { InvalidInput } from '../../errors/index.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { recordHeartbeat } from '../task.js';
import type { DrainState } from '../drain/state.js';
import type { ServerDeps } from './deps.js';
import { identityOf, removalSystems } from './removal-guard.js';
import { peersOf, readCluster, systemHealthy, viewOf, type ClusterView, type RaftSystem } from './raft-view.js';
import type { ServerRemoval, ServerRemovalAfter } from './removal-state.js';

/** How long a system may take to drop a peer that left before it is removed through the API. */
export const LEAVE_GRACE_MS = 20_000;
/** Seconds between checks while waiting for the systems to be healthy. */
export const VERIFY_POLL_SECONDS = 5;

/**
 * Remove this instance's peer from one system through its API. Only peers
 * matched to THIS instance (raft address = its private IP, Vault node_id =
 * its instance id) are ever removed; an ambiguous match removes nothing.
 */
async function removePeer(system: RaftSystem, id: string, deps: ServerDeps): Promise<void> {
  if (system === 'nomad') await deps.nomad.removeRaftPeer(id);
  else if (system === 'consul') await deps.consul.removeRaftPeer({ id });
  else await deps.vault.removeRaftPeer(id);
}

/** Gossip members of this instance that did not leave: force them out with prune (never a live one). */
async function forceLeaveMembers(state: DrainState, deps: ServerDeps, systems: readonly RaftSystem[]): Promise<string[]> {
  const forced: string[] = [];
  const ip = state.privateIp;
  const consulMember = (await deps.consul.members()).find((m) => (state.consulNode !== null && m.Name === state.consulNode) || (ip !== null && m.Addr === ip));
  if (consulMember && consulMember.Status === MemberStatus.failed) {
    await deps.consul.forceLeave(consulMember.Name, true);
    forced.push(`consul:${consulMember.Name}`);
  }
  const nomadMember = ip === null || !systems.includes('nomad') ? undefined : (await deps.nomad.agentMembers()).Members.find((m) => m.Addr === ip);
  if (nomadMember && nomadMember.Status === 'failed') {
    await deps.nomad.forceLeave(nomadMember.Name);
    forced.push(`nomad:${nomadMember.Name}`);
  }
  return forced;
}

const unhealthy = (view: ClusterView, state: DrainState, deps: ServerDeps, systems: readonly RaftSystem[]): string[] =>
  systems.flatMap((system) => {
    const v = viewOf(view, system);
    const left = peersOf(v, identityOf(state, deps.config)).length === 0;
    if (left && systemHealthy(v)) return [];
    const voters = v.peers.filter((p) => p.voter);
    const healthyVoters = voters.filter((p) => p.healthy).length;
    return [`${system}: ${left ? 'not healthy' : 'peer still present'} (leader ${v.leaderId ?? 'none'}, ${healthyVoters}/${voters.length} voters healthy)`];
  });

/**
 * After the graceful leave: peers of this instance still in a raft
 * configuration {@link LEAVE_GRACE_MS} after the leave are removed through the
 * API (Nomad `DELETE /v1/operator/raft/peer?id=`, Consul likewise plus
 * force-leave with prune, Vault `sys/storage/raft/remove-peer`). `done` once
 * every system is healthy without the peer; `wait` otherwise, until
 * SERVER_QUORUM_WAIT after the leave, then `give-up` (ServerRemovalUnhealthy).
 * @throws ClusterUnreachable, AwsUnavailable
 */
export async function verifyServerRemoval(state: DrainState, deps: ServerDeps): Promise<ServerRemovalAfter<DrainState, 'verify'>> {
  const log = getLogger();
  const s = state.server;
  if (!s || s.leftAt === null) throw new InvalidInput('ServerVerify: the server has not left yet');
  await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt);
  const me = identityOf(state, deps.config);
  const systems = removalSystems(state, deps.config);
  let view = await readCluster(deps, systems);
  const removed: ServerRemoval['removed'] = { ...s.removed };
  const graceOver = deps.now() - s.leftAt >= LEAVE_GRACE_MS;
  for (const system of systems) {
    const present = peersOf(viewOf(view, system), me);
    if (present.length === 0) {
      removed[system] ??= s.peers[system].length > 0 ? 'left' : 'never-a-peer';
      continue;
    }
    if (!graceOver) continue;
    if (present.length > 1) {
      log.error('more than one raft peer matches the terminating server; removing none of them', { system, peers: present.map((p) => p.id) });
      continue;
    }
    const peer = present[0];
    if (!peer || viewOf(view, system).leaderId === null) continue;
    await removePeer(system, peer.id, deps);
    removed[system] = 'api';
    // Vault's peer is normally removed before Vault stops (ServerLeave); here it is the fallback.
    countMetric('ServerPeerRemovedByApi');
    log.warn('raft peer of the terminating server was still present after its leave: removed through the API', {
      system,
      peer: peer.id,
      address: peer.address,
    });
  }
  if (graceOver) {
    const forced = await forceLeaveMembers(state, deps, systems);
    if (forced.length) log.warn('gossip members of the terminating server forced to leave (pruned)', { forced });
    if (Object.values(removed).includes('api') || forced.length) view = await readCluster(deps, systems);
  }
  const t = deps.now();
  const problems = unhealthy(view, state, deps, systems);
  const base = { ...s, removed };
  if (problems.length === 0) {
    log.info('server removed: every raft system is healthy without it', { removed });
    return { ...state, giveUpAt: t + deps.config.giveUpAfterMs, server: { ...base, next: 'done', pollAfterSeconds: 0, doneAt: t } };
  }
  if (s.verifyUntil !== null && t >= s.verifyUntil) {
    countMetric('ServerRemovalUnhealthy');
    const cause = [
      `Server ${state.action.instanceId} left, but the raft systems did not become healthy within SERVER_QUORUM_WAIT: ${problems.join('; ')}.`,
      'The lifecycle action is completed; check the cluster now.',
    ].join(' ');
    log.error('server removal gave up: completing the action loudly', { problems });
    return { ...state, server: { ...base, next: 'give-up', pollAfterSeconds: 0, error: { Error: 'ServerRemovalUnhealthy', Cause: cause } } };
  }
  log.info('waiting for the raft systems to be healthy without the server', { problems });
  return { ...state, giveUpAt: t + deps.config.giveUpAfterMs, server: { ...base, next: 'wait', pollAfterSeconds: VERIFY_POLL_SECONDS } };
}
