/** LeaveCluster: the node is sent a graceful Consul leave (SSM); a failed member is force-left. */
import { AwsUnavailable, PermissionDenied } from '../../errors/index.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, nextGiveUpAt } from './guards.js';
import { type DrainState, leavesBeforeCompletion } from './state.js';

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
 * Make the instance leave the cluster: read the member, send the graceful
 * leave to one that is present, force out (with prune) one that already
 * failed. Idempotent: a member already left or gone is not touched again;
 * force-leave is safe to repeat.
 * @returns the leave method Cleanup continues from
 */
async function leave(state: DrainState, deps: DrainDeps): Promise<string> {
  if (!state.consulNode) return 'no-consul-member';
  const member = await memberState(deps, state.consulNode);
  if (member === 'gone' || member === 'left') return `already-${member}`;
  if (member === 'failed') {
    await deps.consul.forceLeave(state.consulNode, true);
    countMetric('ConsulForceLeave');
    getLogger().warn('consul member had failed; forced it to leave (pruned)', { consulNode: state.consulNode });
    return 'force-leave';
  }
  const sent = await sendLeaveScript(deps, state.action.instanceId, state.consulNode);
  if ('commandId' in sent) return state.notice ? await awaitLeaveBeforeReclaim(deps, state.consulNode, state.notice.reclaimAt) : 'leave-sent';
  // After the completion this is the usual case: the instance is already shutting down.
  const level = leavesBeforeCompletion(state) ? 'warn' : 'info';
  getLogger()[level]('graceful leave through SSM impossible; Cleanup forces the member out once it failed', { ssmStatus: sent.status, detail: sent.reason });
  return 'force-leave-after-termination';
}

/**
 * LeaveCluster, one Lambda for both places the drain machine runs it.
 *
 * Before the completion (`leavesBeforeCompletion`, a Spot interruption or a
 * Consul membership the token cannot read): a lifecycle task like the drain's
 * (gives up past giveUpAt; the unreadable membership fails loudly, never
 * "already gone"; a Spot interruption waits for the leave until shortly before
 * the reclaim).
 *
 * After the completion (every other drain): only the drain has to precede
 * CompleteLifecycleAction, the Consul membership holds no work, so the
 * completion is not held by an SSM call that may be throttled. The leave is
 * then best effort: any failure is logged and counted
 * (`ConsulLeaveAfterCompletionFailed`) and left to Cleanup, which watches the
 * member either way (left: done; failed: force-leave with prune); it never
 * fails the execution.
 * @throws GiveUp, ClusterUnreachable, PermissionDenied (before the completion only)
 */
export async function leaveCluster(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  if (!leavesBeforeCompletion(state)) return leaveAfterCompletion(state, deps);
  checkGiveUp(deps, state.giveUpAt, 'LeaveCluster');
  // The node is drained by now; its Consul membership cannot be read with this token: fail loudly, never "already gone".
  if (state.consulUnreadable)
    throw new PermissionDenied('consul', `node drained, but its Consul membership cannot be checked or left: ${state.consulUnreadable}`);
  const method = await leave(state, deps);
  getLogger().info('node left the cluster', { method });
  return { ...state, giveUpAt: nextGiveUpAt(deps), left: { method, purged: false } };
}

/** The leave after the lifecycle action completed: best effort, never thrown, never silent. */
async function leaveAfterCompletion(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  try {
    const method = await leave(state, deps);
    getLogger().info('node sent out of the cluster after the completion', { method });
    return { ...state, left: { method, purged: false } };
  } catch (error) {
    countMetric('ConsulLeaveAfterCompletionFailed');
    getLogger().error('consul leave after the completion failed; Cleanup watches the member and forces it out once it failed', {
      consulNode: state.consulNode,
      errorName: error instanceof Error ? error.name : 'Error',
      errorMessage: error instanceof Error ? error.message : String(error),
    });
    return { ...state, left: { method: LEAVE_FAILED, purged: false } };
  }
}

/** The method of a leave after the completion that failed: Cleanup watches the member like a sent leave's. */
export const LEAVE_FAILED = 'leave-failed';
