/** LeaveCluster: the node leaves Consul gracefully (SSM), else is force-left. */
import { AwsUnavailable, PermissionDenied } from '../../errors/index.js';
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
/**
 * Pauses between checks of the member (a Consul read, no AWS call): kept
 * short, as the lifecycle action is completed the moment the member is seen left.
 */
const MEMBER_POLL_MS = [250, 500] as const;
/**
 * Time into the wait at which the command's own status is read: it
 * only tells a command that ended without the member leaving (a leave is
 * seen on the member first), so a few reads suffice (≤ 6 in the 90 s).
 */
const COMMAND_CHECKS_MS = [2_000, 6_000, 15_000, 30_000, 60_000, GRACEFUL_LEAVE_MS] as const;

export type MemberState = 'gone' | 'left' | 'failed' | 'present';

/** Where the member stands in the gossip pool: gone, left, failed, or present (alive/leaving). */
export async function memberState(deps: Pick<DrainDeps, 'consul'>, name: string): Promise<MemberState> {
  const m = (await deps.consul.members()).find((x) => x.Name === name);
  if (!m) return 'gone';
  if (m.Status === MemberStatus.left) return 'left';
  if (m.Status === MemberStatus.failed) return 'failed';
  return 'present';
}

/**
 * Send the leave script. SSM itself being unavailable (after the SDK's
 * retries) is treated like an unreachable node: the graceful leave is best
 * effort, and the force-leave fallback must not wait for SSM to come back.
 */
async function sendLeaveScript(deps: DrainDeps, instanceId: string, consulNode: string): ReturnType<DrainDeps['ssm']['runShellScript']> {
  try {
    return await deps.ssm.runShellScript([instanceId], [...LEAVE_SCRIPT], SCRIPT_TIMEOUT_SEC, `hashistack leave ${consulNode}`);
  } catch (error) {
    if (!(error instanceof AwsUnavailable)) throw error;
    return { status: 'NodeUnreachable', reason: `SSM unavailable: ${error.message}` };
  }
}

/**
 * Watch the member while the leave command runs, and return as soon as
 * Consul shows it left (the command's own completion is not awaited: the
 * member's state is what matters, and it is known first). Gives up when the
 * command ends without the member leaving, or after {@link GRACEFUL_LEAVE_MS}.
 */
async function awaitGracefulLeave(deps: DrainDeps, consulNode: string, instanceId: string, commandId: string): Promise<MemberState> {
  const deadline = deps.now() + GRACEFUL_LEAVE_MS;
  // Time waited here, counted from the pauses themselves: ends the loop even when the clock stands still.
  let waited = 0;
  let commandChecks = 0;
  for (let poll = 0; ; poll++) {
    const member = await memberState(deps, consulNode);
    if (member === 'gone' || member === 'left') return member;
    if (waited >= (COMMAND_CHECKS_MS[commandChecks] ?? Number.POSITIVE_INFINITY)) {
      commandChecks++;
      // SSM failing to answer says nothing about the node: keep watching the member.
      const command = await deps.ssm.getCommandStatus(commandId, instanceId).catch((error: unknown) => {
        if (error instanceof AwsUnavailable) return undefined;
        throw error;
      });
      if (command && deps.ssm.isFinalCommandStatus(command)) {
        const again = await memberState(deps, consulNode);
        if (again === 'present' || again === 'failed') {
          getLogger().warn('graceful leave through SSM did not succeed', {
            ssmStatus: command.status,
            detail: 'reason' in command ? command.reason : command.stderr.slice(0, 500),
          });
        }
        return again;
      }
    }
    if (deps.now() > deadline || waited >= GRACEFUL_LEAVE_MS) {
      getLogger().warn('graceful leave did not finish in time', { waitedMs: GRACEFUL_LEAVE_MS });
      return memberState(deps, consulNode);
    }
    const pause = MEMBER_POLL_MS[Math.min(poll, MEMBER_POLL_MS.length - 1)] as number;
    await deps.sleep(pause);
    waited += pause;
  }
}

/**
 * Make the instance leave the cluster. Idempotent: a member already left or
 * gone is not touched again; force-leave is safe to repeat.
 *
 * Consul's force-leave only moves a *failed* member out (an alive one would
 * rejoin): a failed member is forced out here, with prune; an alive member
 * that did not leave gracefully is left to the Cleanup step, which forces it
 * out once the terminated instance's agent is seen failed.
 * @throws GiveUp, ClusterUnreachable
 */
export async function leaveCluster(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  checkGiveUp(deps, state.giveUpAt, 'LeaveCluster');
  const log = getLogger();
  let method = 'no-consul-member';
  // The node is drained by now; its Consul membership cannot be read with this token: fail loudly, never "already gone".
  if (state.consulUnreadable)
    throw new PermissionDenied('consul', `node drained, but its Consul membership cannot be checked or left: ${state.consulUnreadable}`);

  if (state.consulNode) {
    let member = await memberState(deps, state.consulNode);
    if (member === 'gone' || member === 'left') {
      method = `already-${member}`;
    } else {
      if (member === 'present') {
        const sent = await sendLeaveScript(deps, state.action.instanceId, state.consulNode);
        member = 'commandId' in sent ? await awaitGracefulLeave(deps, state.consulNode, state.action.instanceId, sent.commandId) : member;
        if ('status' in sent) log.warn('graceful leave through SSM impossible', { ssmStatus: sent.status, detail: sent.reason });
      }
      if (member === 'gone' || member === 'left') {
        method = 'graceful';
      } else if (member === 'failed') {
        await deps.consul.forceLeave(state.consulNode, true);
        method = 'force-leave';
        countMetric('ConsulForceLeave');
        log.warn('consul member had failed; forced it to leave (pruned)', { consulNode: state.consulNode });
      } else {
        method = 'force-leave-after-termination';
        log.warn('consul member did not leave gracefully and is still alive; it is forced out once the instance is gone', { consulNode: state.consulNode });
      }
    }
  }

  log.info('node left the cluster', { method });
  return { ...state, giveUpAt: nextGiveUpAt(deps), left: { method, purged: false } };
}
