import type { AwsEvent } from '../core/bus.js';
import type { AutoScalingGroup, LifecycleAction, LifecycleHook } from './state.js';

/**
 * The EventBridge event Auto Scaling sends when an instance enters a wait
 * state, as the Amazon EC2 Auto Scaling event reference shows it: detail-type
 * `EC2 Instance-launch Lifecycle Action` (Origin EC2, Destination
 * AutoScalingGroup) or `EC2 Instance-terminate Lifecycle Action` (Origin
 * AutoScalingGroup, Destination EC2); NotificationMetadata only when the hook
 * has some; resources hold the group's ARN. With a warm pool, Origin and
 * Destination say where the instance comes from and goes to (EC2 |
 * AutoScalingGroup | WarmPool; "Warm pool example events and patterns"): a
 * launch into the warm pool is EC2 → WarmPool, a move out of it WarmPool →
 * AutoScalingGroup, a termination from it WarmPool → EC2.
 */
export function lifecycleActionEvent(group: AutoScalingGroup, hook: LifecycleHook, action: LifecycleAction): AwsEvent {
  const launching = action.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING';
  const detail: Record<string, unknown> = {
    LifecycleActionToken: action.token,
    AutoScalingGroupName: group.name,
    LifecycleHookName: hook.name,
    EC2InstanceId: action.instanceId,
    LifecycleTransition: action.transition,
  };
  if (hook.notificationMetadata !== undefined) detail.NotificationMetadata = hook.notificationMetadata;
  detail.Origin = action.origin;
  detail.Destination = action.destination;
  return {
    source: 'aws.autoscaling',
    detailType: launching ? 'EC2 Instance-launch Lifecycle Action' : 'EC2 Instance-terminate Lifecycle Action',
    detail,
    resources: [group.arn],
  };
}
