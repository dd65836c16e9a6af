/** serverReplace Step: one step of "add one new server, wait until it is a healthy voter, remove one old server". */
import { InvalidInput } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric, secondsMetric } from '../../observability/metrics.js';
import type { ServerDeps } from './deps.js';
import { peersOf, readCluster, systemHealthy, vaultNodeIdsOf, type InstanceIdentity } from './raft-view.js';
import { healthyVoterEverywhere, leaderships, memberIds, outdatedMembers } from './replace-group.js';
import { seconds, summaryOf, type ReplaceState } from './replace-state.js';

/** Seconds between checks while a new server joins or an old one is removed. */
export const REPLACE_POLL_SECONDS = 15;

const fail = (state: ReplaceState, error: string, cause: string): ReplaceState => {
  countMetric('ServerReplaceFailed');
  getLogger().error('server replacement failed', { error, cause });
  return { ...state, next: 'failed', pollAfterSeconds: 0, error: { Error: error, Cause: `serverReplace ${state.asgName}: ${cause}` } };
};

/** How raft peers of a server are matched: private IP, and Vault node_id by the convention. */
const identity = (deps: ServerDeps, instanceId: string, privateIp: string | null, privateDnsName: string | null | undefined): InstanceIdentity => ({
  instanceId,
  privateIp,
  consulNode: null,
  vaultNodeIds: vaultNodeIdsOf(deps.config.vaultNodeId, instanceId, privateDnsName),
});

/** The current group is done: on to the next group of the queue with outdated members, or done (with the summary). */
async function nextGroup(state: ReplaceState, deps: ServerDeps, t: number): Promise<ReplaceState> {
  let queue = state.queue;
  while (queue.length > 0) {
    const [g, ...rest] = queue as [ReplaceState['queue'][number], ...ReplaceState['queue']];
    queue = rest;
    const group = await deps.autoscaling.describeGroup(g.asgName);
    if (!group) throw new InvalidInput(`serverReplace: the group ${g.asgName} is gone`);
    const target = g.target;
    if (!target) throw new InvalidInput(`serverReplace: no target version planned for ${g.asgName}`);
    if (outdatedMembers(group, target).length === 0) continue;
    getLogger().info('next server group', { asgName: g.asgName, systems: g.systems });
    return { ...state, asgName: g.asgName, systems: g.systems, target, queue, next: 'launch', pollAfterSeconds: 0, current: null };
  }
  const s = { ...state, queue: [], current: null };
  return { ...s, next: 'done', pollAfterSeconds: 0, summary: summaryOf(s, t) };
}

/**
 * Run the step `state.next` names and say what comes next:
 * - launch: SetDesiredCapacity +1 (the join gate admits the new server);
 * - wait-new: until a member launched since is a healthy voter in every
 *   system of the group (`systems`) with each of them healthy (ReplacementNotHealthy after
 *   SERVER_QUORUM_WAIT: no old server is touched then);
 * - terminate: TerminateInstanceInAutoScalingGroup with decrement on one
 *   outdated server, raft leaders last (its terminate hook runs the drain
 *   workflow's quorum-safe server removal);
 * - wait-removed: until it left the group and every system is healthy
 *   without it; then the next outdated server, or done (with the summary).
 * @throws InvalidInput, ClusterUnreachable, AwsUnavailable
 */
export async function stepReplace(state: ReplaceState, deps: ServerDeps): Promise<ReplaceState> {
  const log = getLogger();
  const group = await deps.autoscaling.describeGroup(state.asgName);
  if (!group) throw new InvalidInput(`serverReplace: the group ${state.asgName} is gone`);
  const t = deps.now();
  const wait = (s: ReplaceState): ReplaceState => ({ ...s, pollAfterSeconds: REPLACE_POLL_SECONDS });
  const c = state.current;

  switch (state.next) {
    case 'launch': {
      const desired = group.DesiredCapacity ?? 0;
      await deps.autoscaling.setDesiredCapacity(state.asgName, desired + 1);
      log.info('launching a new server', { desired: desired + 1 });
      return wait({
        ...state,
        next: 'wait-new',
        current: {
          baseline: memberIds(group),
          launchedAt: t,
          deadlineAt: t + deps.config.serverQuorumWaitMs,
          newInstanceId: null,
          newHealthyAt: null,
          oldInstanceId: null,
          oldPrivateIp: null,
          terminatedAt: null,
        },
      });
    }
    case 'wait-new': {
      if (!c) throw new InvalidInput('serverReplace: wait-new without a current replacement');
      const fresh = (group.Instances ?? []).filter((m) => m.InstanceId && !c.baseline.includes(m.InstanceId) && m.LifecycleState === 'InService');
      const view = await readCluster(deps, state.systems);
      const allHealthy = state.systems.every((s) => view[s] !== undefined && systemHealthy(view[s]));
      for (const m of fresh) {
        const id = m.InstanceId as string;
        const facts = await deps.ec2.describeInstance(id);
        if (allHealthy && healthyVoterEverywhere(view, identity(deps, id, facts?.privateIp ?? null, facts?.privateDnsName), state.systems)) {
          log.info('new server is a healthy voter in every system', { instanceId: id });
          secondsMetric('ServerJoinedAsVoter', t - c.launchedAt);
          return { ...state, next: 'terminate', pollAfterSeconds: 0, current: { ...c, newInstanceId: id, newHealthyAt: t } };
        }
      }
      if (t >= c.deadlineAt) {
        const members = fresh.map((m) => m.InstanceId).join(', ') || 'none InService';
        return fail(
          state,
          'ReplacementNotHealthy',
          `no new server became a healthy voter in ${state.systems.join(', ')} within SERVER_QUORUM_WAIT (new members: ${members}); no old server was terminated`,
        );
      }
      return wait(state);
    }
    case 'terminate': {
      if (!c?.newInstanceId) throw new InvalidInput('serverReplace: terminate without a healthy new server');
      const outdated = outdatedMembers(group, state.target).filter((id) => id !== c.newInstanceId);
      if (outdated.length === 0) return nextGroup(state, deps, t);
      const view = await readCluster(deps, state.systems);
      const facts = await Promise.all(
        outdated.map(async (id) => {
          const f = await deps.ec2.describeInstance(id);
          return { id, ip: f?.privateIp ?? null, dns: f?.privateDnsName ?? null };
        }),
      );
      const ranked = facts
        .map((f) => ({ ...f, leads: leaderships(view, identity(deps, f.id, f.ip, f.dns), state.systems) }))
        .sort((a, b) => a.leads - b.leads || a.id.localeCompare(b.id));
      const old = ranked[0];
      if (!old) throw new InvalidInput('serverReplace: no outdated server to terminate');
      await deps.autoscaling.terminateInstance(old.id, true);
      log.info('terminating an old server (its terminate hook removes it from raft)', { instanceId: old.id, leads: old.leads });
      return wait({
        ...state,
        next: 'wait-removed',
        current: { ...c, oldInstanceId: old.id, oldPrivateIp: old.ip, oldPrivateDnsName: old.dns, terminatedAt: t },
      });
    }
    case 'wait-removed': {
      if (!c?.oldInstanceId || c.terminatedAt === null || c.newInstanceId === null || c.newHealthyAt === null)
        throw new InvalidInput('serverReplace: wait-removed without a terminated server');
      const stillMember = memberIds(group).includes(c.oldInstanceId);
      const view = await readCluster(deps, state.systems);
      const old = identity(deps, c.oldInstanceId, c.oldPrivateIp, c.oldPrivateDnsName);
      const gone = state.systems.every((s) => view[s] !== undefined && peersOf(view[s], old).length === 0);
      const healthy = state.systems.every((s) => view[s] !== undefined && systemHealthy(view[s]));
      if (stillMember || !gone || !healthy) {
        if (t >= c.terminatedAt + deps.config.serverQuorumWaitMs + deps.config.giveUpAfterMs) {
          return fail(
            state,
            'OldServerNotRemoved',
            `server ${c.oldInstanceId} was terminated but ${stillMember ? 'is still in the group' : !gone ? 'is still a raft peer' : 'the cluster is not healthy'} long after; see its drain execution`,
          );
        }
        return wait(state);
      }
      const replaced = [
        ...state.replaced,
        {
          asgName: state.asgName,
          oldInstanceId: c.oldInstanceId,
          newInstanceId: c.newInstanceId,
          launchedAt: c.launchedAt,
          newHealthyAt: c.newHealthyAt,
          terminatedAt: c.terminatedAt,
          removedAt: t,
          newHealthySeconds: seconds(c.newHealthyAt - c.launchedAt),
          removalSeconds: seconds(t - c.terminatedAt),
          totalSeconds: seconds(t - c.launchedAt),
        },
      ];
      countMetric('ServerReplaced');
      const s = { ...state, replaced, current: null };
      const left = outdatedMembers(group, state.target);
      log.info('old server removed', { instanceId: c.oldInstanceId, outdatedLeft: left.length });
      if (left.length === 0) return nextGroup(s, deps, t);
      return { ...s, next: 'launch', pollAfterSeconds: 0 };
    }
    default:
      return state;
  }
}
