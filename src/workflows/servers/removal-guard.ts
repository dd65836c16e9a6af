/** ServerGuard: may this server go now without any raft system losing quorum? */
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { recordHeartbeat } from '../task.js';
import { isTerminatingLifecycleState } from '../join/guards.js';
import type { DrainState } from '../drain/state.js';
import type { ServerDeps } from './deps.js';
import { systemsOf } from '../../cluster/systems.js';
import { describeSafety, peersOf, readCluster, safetyOf, vaultNodeIdsOf, viewOf, type InstanceIdentity, type RaftSystem } from './raft-view.js';
import type { ServerRemoval, ServerRemovalAfter } from './removal-state.js';

/** EC2 tag a server carries once its guard let it go (other terminating servers count it as leaving). */
export const REMOVAL_TAG = 'hashistack:server-removal';
/** Seconds between guard checks while waiting for quorum safety. */
export const GUARD_POLL_SECONDS = 15;

/** The server part of the state before the first guard check. */
export function initialRemoval(state: DrainState, quorumWaitMs: number): ServerRemoval {
  return {
    next: 'wait',
    pollAfterSeconds: 0,
    guardUntil: state.action.eventTime + quorumWaitMs,
    verifyUntil: null,
    peers: { nomad: [], consul: [], vault: [] },
    guardChecks: 0,
    verdict: '',
    guardPassedAt: null,
    leadershipTransferredTo: null,
    leaveStatus: null,
    leftAt: null,
    removed: {},
    doneAt: null,
    error: null,
  };
}

/** The identity raft peers of this instance are matched by. */
export const identityOf = (state: DrainState, config: ServerDeps['config']): InstanceIdentity => ({
  instanceId: state.action.instanceId,
  privateIp: state.privateIp,
  consulNode: state.consulNode,
  vaultNodeIds: vaultNodeIdsOf(config.vaultNodeId, state.action.instanceId, state.privateDnsName),
});

/** The raft systems this server's group runs (`hashistack:systems`, else the cluster's): the only ones its removal reads or changes. */
export const removalSystems = (state: DrainState, config: ServerDeps['config']): RaftSystem[] => systemsOf(state.pool, config);

/**
 * Other servers of the group that are terminating and go first: those the
 * guard already let go (tagged), and those with a smaller instance id (a
 * deterministic order every concurrent guard agrees on).
 */
async function serversAhead(state: DrainState, deps: ServerDeps): Promise<InstanceIdentity[]> {
  const group = await deps.autoscaling.describeGroup(state.action.asgName);
  const self = state.action.instanceId;
  const terminating = (group?.Instances ?? []).filter(
    (m) => m.InstanceId !== undefined && m.InstanceId !== self && isTerminatingLifecycleState(m.LifecycleState),
  );
  const ahead: InstanceIdentity[] = [];
  for (const m of terminating) {
    const id = m.InstanceId as string;
    const facts = await deps.ec2.describeInstance(id);
    if (id < self || facts?.tags[REMOVAL_TAG] !== undefined)
      ahead.push({
        instanceId: id,
        privateIp: facts?.privateIp ?? null,
        consulNode: null,
        vaultNodeIds: vaultNodeIdsOf(deps.config.vaultNodeId, id, facts?.privateDnsName),
      });
  }
  return ahead;
}

/**
 * Read the raft configuration and autopilot health of the systems the
 * server's group runs (no other system is asked); find this instance's
 * peers; decide whether stopping it (together
 * with the terminating servers ahead of it) leaves every system it serves a
 * leader and a quorum of healthy voters (failure tolerance ≥ 0). Safe:
 * tag the instance and `proceed`. Unsafe: `wait` (the state machine Waits and
 * asks again, heartbeating the action each time) until SERVER_QUORUM_WAIT
 * after the hook fired, then `give-up` with the ServerQuorumUnsafe error.
 * @throws ClusterUnreachable, AwsUnavailable (retried by the state machine)
 */
export async function guardServerRemoval(state: DrainState, deps: ServerDeps): Promise<ServerRemovalAfter<DrainState, 'guard'>> {
  const log = getLogger();
  const s0 = state.server ?? initialRemoval(state, deps.config.serverQuorumWaitMs);
  await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt);
  const systems = removalSystems(state, deps.config);
  const [view, ahead] = await Promise.all([readCluster(deps, systems), serversAhead(state, deps)]);
  const me = identityOf(state, deps.config);
  const peers = { nomad: [] as string[], consul: [] as string[], vault: [] as string[] };
  const verdicts: string[] = [];
  let safe = true;
  for (const system of systems) {
    const v = viewOf(view, system);
    const mine = peersOf(v, me).map((p) => p.id);
    peers[system] = mine;
    if (mine.length === 0) continue;
    const leaving = new Set([...mine, ...ahead.flatMap((a) => peersOf(v, a).map((p) => p.id))]);
    const safety = safetyOf(v, leaving);
    verdicts.push(describeSafety(safety));
    safe &&= safety.safe;
  }
  const t = deps.now();
  const verdict = `${verdicts.join('; ') || 'not a raft peer of any system'}${ahead.length ? ` (going first: ${ahead.map((a) => a.instanceId).join(', ')})` : ''}`;
  const s: ServerRemoval = { ...s0, peers, verdict, guardChecks: s0.guardChecks + 1 };
  const giveUpAt = t + deps.config.giveUpAfterMs;

  if (safe) {
    await deps.ec2.createTags([state.action.instanceId], { [REMOVAL_TAG]: new Date(t).toISOString() });
    log.info('quorum guard passed: the server may leave', { verdict, peers: countPeers(peers) });
    return { ...state, giveUpAt, server: { ...s, next: 'proceed', pollAfterSeconds: 0, guardPassedAt: t } };
  }
  if (t >= s.guardUntil) {
    countMetric('ServerQuorumGuardTimeout');
    const cause = [
      `Server ${state.action.instanceId} (${state.action.asgName}) is terminating but removing it would leave a raft system without quorum,`,
      'and no replacement became a healthy voter within SERVER_QUORUM_WAIT.',
      'The lifecycle action is completed (the instance goes anyway) WITHOUT a graceful leave; check the raft peers and autopilot health now.',
      verdict,
    ].join(' ');
    log.error('quorum guard gave up: completing the action loudly', { verdict });
    return { ...state, giveUpAt, server: { ...s, next: 'give-up', pollAfterSeconds: 0, error: { Error: 'ServerQuorumUnsafe', Cause: cause } } };
  }
  if (s0.guardChecks === 0) countMetric('ServerQuorumGuardWaiting');
  log.warn('quorum guard holds the server: waiting for a healthy replacement voter', { verdict, untilIso: new Date(s.guardUntil).toISOString() });
  return { ...state, giveUpAt, server: { ...s, next: 'wait', pollAfterSeconds: GUARD_POLL_SECONDS } };
}

const countPeers = (p: Record<RaftSystem, string[]>): Record<RaftSystem, number> => ({ nomad: p.nomad.length, consul: p.consul.length, vault: p.vault.length });
