/** LeaveCluster: the node leaves Consul gracefully (SSM), else is force-left. */
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, nextGiveUpAt } from './guards.js';
import type { DrainState } from './state.js';

/**
 * Shell lines run on the node (Alpine, OpenRC) through AWS-RunShellScript:
 * leave Consul gracefully first (what the lifecycle action waits for), then
 * stop the drained Nomad agent and the Consul service so OpenRC does not start
 * them again before the instance is gone.
 */
export const LEAVE_SCRIPT = ['set -e', 'consul leave', 'rc-service nomad stop', 'rc-service consul stop || true'] as const;
const SCRIPT_TIMEOUT_SEC = 60;
/** How long the graceful leave may take before the member is forced out. */
const GRACEFUL_LEAVE_MS = 90_000;
/** Pause between checks of the member and the command (real time). */
const POLL_MS = 500;

type MemberState = 'gone' | 'left' | 'present';

async function memberState(deps: DrainDeps, name: string): Promise<MemberState> {
  const m = (await deps.consul.members()).find((x) => x.Name === name);
  if (!m) return 'gone';
  return m.Status === MemberStatus.left ? 'left' : 'present';
}

/**
 * Watch the member while the leave command runs, and return as soon as
 * Consul shows it left (the command's own completion is not awaited: the
 * member's state is what matters, and it is known first). Gives up when the
 * command ends without the member leaving, or after {@link GRACEFUL_LEAVE_MS}.
 */
async function awaitGracefulLeave(deps: DrainDeps, consulNode: string, instanceId: string, commandId: string): Promise<MemberState> {
  const deadline = deps.now() + GRACEFUL_LEAVE_MS;
  for (;;) {
    const member = await memberState(deps, consulNode);
    if (member !== 'present') return member;
    const command = await deps.ssm.getCommandStatus(commandId, instanceId);
    if (deps.ssm.isFinalCommandStatus(command)) {
      const again = await memberState(deps, consulNode);
      if (again === 'present') {
        getLogger().warn('graceful leave through SSM did not succeed', { ssmStatus: command.status, detail: 'reason' in command ? command.reason : command.stderr.slice(0, 500) });
      }
      return again;
    }
    if (deps.now() > deadline) {
      getLogger().warn('graceful leave did not finish in time', { waitedMs: GRACEFUL_LEAVE_MS });
      return 'present';
    }
    await deps.sleep(POLL_MS);
  }
}

/**
 * Make the instance leave the cluster. Idempotent: a member already left or
 * gone is not touched again; force-leave is safe to repeat.
 * @throws GiveUp, ClusterUnreachable
 */
export async function leaveCluster(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  checkGiveUp(deps, state.giveUpAt, 'LeaveCluster');
  const log = getLogger();
  let method = 'no-consul-member';

  if (state.consulNode) {
    let member = await memberState(deps, state.consulNode);
    if (member !== 'present') {
      method = `already-${member}`;
    } else {
      const sent = await deps.ssm.runShellScript([state.action.instanceId], [...LEAVE_SCRIPT], SCRIPT_TIMEOUT_SEC, `hashistack leave ${state.consulNode}`);
      member = 'commandId' in sent ? await awaitGracefulLeave(deps, state.consulNode, state.action.instanceId, sent.commandId) : member;
      if ('status' in sent) log.warn('graceful leave through SSM impossible', { ssmStatus: sent.status, detail: sent.reason });
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

  log.info('node left the cluster', { method });
  return { ...state, giveUpAt: nextGiveUpAt(deps), left: { method, purged: false } };
}
