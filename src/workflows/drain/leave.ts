/** LeaveCluster: the node is sent a graceful Consul leave (SSM); a failed member is force-left. */
import { AwsUnavailable, PermissionDenied } from '../../errors/index.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, nextGiveUpAt } from './guards.js';
import type { DrainState } from './state.js';

/**
 * Shell lines run on the node (Alpine, OpenRC) through AWS-RunShellScript:
 * leave Consul gracefully first, then
 * stop the drained Nomad agent and the Consul service so OpenRC does not start
 * them again before the instance is gone.
 */
export const LEAVE_SCRIPT = ['set -e', 'consul leave', 'rc-service nomad stop', 'rc-service consul stop || true'] as const;
const SCRIPT_TIMEOUT_SEC = 60;

export type MemberState = 'gone' | 'left' | 'failed' | 'present';

/** Where the member stands in the gossip pool: gone, left, failed, or present (alive/leaving). */
export async function memberState(deps: Pick<DrainDeps, 'consul'>, name: string): Promise<MemberState> {
  const m = (await deps.consul.members()).find((x) => x.Name === name);
  if (!m) return 'gone';
  if (m.Status === MemberStatus.left) return 'left';
  if (m.Status === MemberStatus.failed) return 'failed';
  return 'present';
}

/** Pause between membership reads while a member leaves (or fails). */
export const MEMBER_POLL_MS = 1_000;
/** What the reclaim must leave for the completion after the leave. */
const LEAVE_RECLAIM_MARGIN_MS = 10_000;

/**
 * A Spot interruption: the instance goes at `reclaimAt` whatever happens, and
 * the completion (when the group started a terminate action) ends it at once.
 * A scale-in's leave may finish after the completion (Cleanup watches it), but
 * the promise here is "out of Consul before the reclaim", which an
 * agent without `leave_on_terminate` would not keep: wait for the leave, until
 * shortly before the reclaim. A failed member is Cleanup's to force out.
 */
async function awaitLeaveBeforeReclaim(deps: DrainDeps, consulNode: string, reclaimAt: number): Promise<string> {
  while (deps.now() + MEMBER_POLL_MS < reclaimAt - LEAVE_RECLAIM_MARGIN_MS) {
    await deps.sleep(MEMBER_POLL_MS);
    const member = await memberState(deps, consulNode);
    if (member === 'left' || member === 'gone') return 'left-before-reclaim';
    if (member === 'failed') break;
  }
  return 'leave-sent';
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
 * Make the instance leave the cluster. Idempotent: a member already left or
 * gone is not touched again; force-leave is safe to repeat.
 *
 * Only the drain has to precede CompleteLifecycleAction: the Consul
 * membership holds no work. So the graceful leave is sent and not waited for
 * (SSM starts a script 1-3 s after SendCommand); the Cleanup step, after the
 * completion, watches the member: left (graceful) is done, failed (the
 * instance went first) is forced out with prune. Consul's force-leave only
 * moves a *failed* member out (an alive one would rejoin), so a member that
 * already failed is forced out here at once.
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
    const member = await memberState(deps, state.consulNode);
    if (member === 'gone' || member === 'left') {
      method = `already-${member}`;
    } else {
      if (member === 'present') {
        const sent = await sendLeaveScript(deps, state.action.instanceId, state.consulNode);
        if ('status' in sent) log.warn('graceful leave through SSM impossible', { ssmStatus: sent.status, detail: sent.reason });
        method = 'commandId' in sent ? 'leave-sent' : 'force-leave-after-termination';
        if ('commandId' in sent && state.notice) method = await awaitLeaveBeforeReclaim(deps, state.consulNode, state.notice.reclaimAt);
      } else {
        await deps.consul.forceLeave(state.consulNode, true);
        method = 'force-leave';
        countMetric('ConsulForceLeave');
        log.warn('consul member had failed; forced it to leave (pruned)', { consulNode: state.consulNode });
      }
    }
  }

  log.info('node left the cluster', { method });
  return { ...state, giveUpAt: nextGiveUpAt(deps), left: { method, purged: false } };
}
