/** Checks every join task makes: is the instance still launching, is the action still active. */
import { countMetric } from '../../observability/metrics.js';
import { getLogger } from '../../observability/logger.js';
import type { InstanceFacts } from '../../aws/ec2.js';
import { recordHeartbeat } from '../task.js';
import type { JoinDeps } from './deps.js';
import type { JoinState } from './state.js';

/** EC2 states of an instance that is going away. */
const EC2_GONE = new Set(['shutting-down', 'terminated']);

/** True for the Auto Scaling lifecycle states of an instance on its way out (Terminating, Terminating:Wait, …, Terminated). */
export function isTerminatingLifecycleState(state: string | undefined): boolean {
  return state?.startsWith('Terminat') ?? false;
}

/**
 * Whether the instance is gone or going (EC2 shutting-down/terminated, ASG
 * lifecycle state Terminating*, or no longer in a group).
 * @returns the reason it is gone (null when it still launches) and its EC2 facts.
 */
export async function instanceGone(
  deps: Pick<JoinDeps, 'autoscaling' | 'ec2'>,
  instanceId: string,
): Promise<{ gone: string | null; instance: InstanceFacts | undefined }> {
  const [asg, instance] = await Promise.all([deps.autoscaling.describeAutoScalingInstance(instanceId), deps.ec2.describeInstance(instanceId)]);
  if (instance?.state !== undefined && EC2_GONE.has(instance.state)) return { gone: `EC2 state ${instance.state}`, instance };
  if (!asg) return { gone: 'instance is no longer in an Auto Scaling group', instance };
  if (isTerminatingLifecycleState(asg.LifecycleState)) return { gone: `Auto Scaling lifecycle state ${asg.LifecycleState}`, instance };
  return { gone: null, instance };
}

/** End the workflow cleanly: nothing left to complete (the state machine goes to Succeed). */
export function endJoin(state: JoinState, reason: string, terminating: boolean): JoinState & { next: 'ended' } {
  if (terminating) countMetric('JoinAbortedTerminating');
  getLogger().info('join workflow ends without completing the action', { reason });
  return { ...state, next: 'ended', ended: reason, pollAfterSeconds: 0 };
}

/**
 * Heartbeat the action when due (every third of the hook's heartbeat timeout) or when `force`d.
 * @returns the state with the new heartbeat time, or null when the action is no longer active.
 */
export async function heartbeatIfDue(deps: Pick<JoinDeps, 'now' | 'autoscaling'>, state: JoinState, force: boolean): Promise<JoinState | null> {
  const t = deps.now();
  if (!force && t - state.hook.lastHeartbeatAt < (state.hook.heartbeatTimeoutSec * 1000) / 3) return state;
  const r = await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt);
  if (r === 'not-active') return null;
  return r === 'recorded' ? { ...state, hook: { ...state.hook, lastHeartbeatAt: t } } : state;
}
