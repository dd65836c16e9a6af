/** LeaveCluster: the node leaves Consul gracefully (SSM), else is force-left; optionally purge the Nomad node. */
import { NotFound } from '../../errors/index.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, nextGiveUpAt } from './guards.js';
import type { DrainState } from './state.js';

/**
 * Shell lines run on the node (Alpine, OpenRC) through AWS-RunShellScript:
 * stop the Nomad agent (drained already), leave Consul gracefully, and stop the
 * Consul service so OpenRC does not start it again.
 */
export const LEAVE_SCRIPT = ['set -e', 'rc-service nomad stop', 'consul leave', 'rc-service consul stop || true'] as const;
const SCRIPT_TIMEOUT_SEC = 60;
const COMMAND_WAIT_MS = 90_000;
const MEMBER_CHECKS = 5;
const MEMBER_CHECK_INTERVAL_MS = 2_000;

type MemberState = 'gone' | 'left' | 'present';

async function memberState(deps: DrainDeps, name: string): Promise<MemberState> {
  const m = (await deps.consul.members()).find((x) => x.Name === name);
  if (!m) return 'gone';
  return m.Status === MemberStatus.left ? 'left' : 'present';
}

/**
 * Make the instance leave the cluster. Idempotent: a member already left or
 * gone is not touched again; force-leave and purge are safe to repeat.
 * @throws GiveUp, ClusterUnreachable
 */
export async function leaveCluster(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  checkGiveUp(deps, state.giveUpAt, 'LeaveCluster');
  const log = getLogger();
  let method = 'no-consul-member';
  let agentsStopped = false;

  if (state.consulNode) {
    let member = await memberState(deps, state.consulNode);
    if (member !== 'present') {
      method = `already-${member}`;
    } else {
      const sent = await deps.ssm.runShellScript([state.action.instanceId], [...LEAVE_SCRIPT], SCRIPT_TIMEOUT_SEC, `hashistack leave ${state.consulNode}`);
      const result = 'commandId' in sent ? await deps.ssm.waitForCommand(sent.commandId, state.action.instanceId, { timeoutMs: COMMAND_WAIT_MS }) : sent;
      agentsStopped = result.status === 'Success';
      if (!agentsStopped) log.warn('graceful leave through SSM did not succeed', { ssmStatus: result.status, detail: 'reason' in result ? result.reason : result.stderr.slice(0, 500) });
      for (let i = 0; i < MEMBER_CHECKS; i++) {
        member = await memberState(deps, state.consulNode);
        if (member !== 'present') break;
        if (!agentsStopped) break; // nothing will change by itself
        await deps.sleep(MEMBER_CHECK_INTERVAL_MS);
      }
      if (member !== 'present') {
        method = 'graceful';
      } else {
        await deps.consul.forceLeave(state.consulNode, true);
        method = 'force-leave';
        countMetric('ConsulForceLeave');
        log.warn('consul member did not leave gracefully; forced it to leave (pruned)', { consulNode: state.consulNode });
      }
    }
  }

  // A purged node whose agent still runs registers again (eligible): purge only a stopped agent.
  let purged = false;
  if (deps.config.purgeNomadNode && state.nomadNodeId) {
    let stopped = agentsStopped;
    if (!stopped) {
      try {
        stopped = (await deps.nomad.getNode(state.nomadNodeId)).node.Status === 'down';
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
        stopped = true;
      }
    }
    if (stopped) {
      await deps.nomad.purgeNode(state.nomadNodeId);
      purged = true;
    } else {
      log.info('Nomad agent may still run; not purging the node record (Nomad garbage-collects it once down)');
    }
  }
  log.info('node left the cluster', { method, purged });
  return { ...state, giveUpAt: nextGiveUpAt(deps), left: { method, purged } };
}
