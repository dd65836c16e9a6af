/** Thin wrapper over EC2 Auto Scaling: lifecycle actions, groups, hooks, capacity. */
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeInstanceRefreshesCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingGroup,
  type AutoScalingInstanceDetails,
  type LifecycleHook,
} from '@aws-sdk/client-auto-scaling';
import { awsClientOptions, awsErrorName, mapAwsError } from './client-options.js';
import { COMPLETION_THROTTLING_BASE_MS } from './retry-strategy.js';

export type { AutoScalingGroup, LifecycleHook, AutoScalingInstanceDetails };

let client: AutoScalingClient | undefined;

/** The Auto Scaling client of this container, created on first use. */
export function autoScalingClient(): AutoScalingClient {
  client ??= new AutoScalingClient(awsClientOptions());
  return client;
}

let completionClient: AutoScalingClient | undefined;

/** The client of CompleteLifecycleAction: a shorter throttling back-off base ({@link COMPLETION_THROTTLING_BASE_MS} says why). */
function lifecycleCompletionClient(): AutoScalingClient {
  completionClient ??= new AutoScalingClient(awsClientOptions(COMPLETION_THROTTLING_BASE_MS));
  return completionClient;
}

/** Identifies one lifecycle action. */
export interface LifecycleActionRef {
  asgName: string;
  hookName: string;
  instanceId: string;
  token: string;
}

/**
 * Token of a lifecycle action whose event never reached the router: the
 * reconciliation sweep adopts the action from DescribeAutoScalingGroups, which
 * carries no token. Auto Scaling completes and heartbeats such an action by
 * InstanceId alone (the token is optional when InstanceId is given).
 */
export const ADOPTED_TOKEN = 'adopted';

/**
 * Token of the drain a Spot interruption warning starts: no lifecycle action
 * exists for it, but the group may start a terminate action for the instance
 * meanwhile (Capacity Rebalancing); that one is heartbeated and completed by
 * InstanceId, so the one drain also completes it.
 */
export const INTERRUPTION_TOKEN = 'interruption';

/** Whether an action is identified by its instance alone (adopted, or an interruption's drain). */
export const isByInstanceToken = (token: string): boolean => token === ADOPTED_TOKEN || token === INTERRUPTION_TOKEN;

/** The action's token, or nothing for an action identified by its instance. */
const tokenOf = (ref: LifecycleActionRef): { LifecycleActionToken?: string } => (isByInstanceToken(ref.token) ? {} : { LifecycleActionToken: ref.token });

/** True for "ValidationError: No active Lifecycle Action found with …". */
export function isNoActiveLifecycleAction(error: unknown): boolean {
  return awsErrorName(error) === 'ValidationError' && /no active lifecycle action/i.test((error as Error).message ?? '');
}

/**
 * Complete a lifecycle action.
 * @returns 'completed', or 'already-completed' when no such action is active any more
 *   (completed before, or expired) — which counts as done.
 */
export async function completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<'completed' | 'already-completed'> {
  try {
    await lifecycleCompletionClient().send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: ref.asgName,
        LifecycleHookName: ref.hookName,
        InstanceId: ref.instanceId,
        ...tokenOf(ref),
        LifecycleActionResult: result,
      }),
    );
    return 'completed';
  } catch (error) {
    if (isNoActiveLifecycleAction(error)) return 'already-completed';
    throw mapAwsError('autoscaling', error);
  }
}

/**
 * Extend a lifecycle action's heartbeat timeout.
 * @returns 'recorded', or 'not-active' when the action is no longer active.
 */
export async function recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<'recorded' | 'not-active'> {
  try {
    await autoScalingClient().send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: ref.asgName,
        LifecycleHookName: ref.hookName,
        InstanceId: ref.instanceId,
        ...tokenOf(ref),
      }),
    );
    return 'recorded';
  } catch (error) {
    if (isNoActiveLifecycleAction(error)) return 'not-active';
    throw mapAwsError('autoscaling', error);
  }
}

/** Describe groups by name, or by filters; follows pagination. */
async function describeGroupsWith(input: { names?: string[]; filters?: { Name: string; Values: string[] }[] }): Promise<AutoScalingGroup[]> {
  const groups: AutoScalingGroup[] = [];
  try {
    for await (const page of paginateDescribeAutoScalingGroups(
      { client: autoScalingClient() },
      { AutoScalingGroupNames: input.names, Filters: input.filters },
    )) {
      groups.push(...(page.AutoScalingGroups ?? []));
    }
  } catch (error) {
    throw mapAwsError('autoscaling', error);
  }
  return groups;
}

/** One group by name, or undefined. */
export async function describeGroup(name: string): Promise<AutoScalingGroup | undefined> {
  return (await describeGroupsWith({ names: [name] }))[0];
}

/** Groups by name. */
export function describeGroups(names: string[]): Promise<AutoScalingGroup[]> {
  return describeGroupsWith({ names });
}

/** Every group tagged `hashistack:cluster = <cluster>`. */
export function describeGroupsByClusterTag(cluster: string): Promise<AutoScalingGroup[]> {
  return describeGroupsWith({ filters: [{ Name: 'tag:hashistack:cluster', Values: [cluster] }] });
}

/** The group's lifecycle hooks (optionally only the named ones). */
export async function describeLifecycleHooks(asgName: string, hookNames?: string[]): Promise<LifecycleHook[]> {
  try {
    const out = await autoScalingClient().send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: asgName, LifecycleHookNames: hookNames }));
    return out.LifecycleHooks ?? [];
  } catch (error) {
    throw mapAwsError('autoscaling', error);
  }
}

/** The instance's Auto Scaling view (group, lifecycle state), or undefined when not in a group. */
export async function describeAutoScalingInstance(instanceId: string): Promise<AutoScalingInstanceDetails | undefined> {
  try {
    const out = await autoScalingClient().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    return out.AutoScalingInstances?.[0];
  } catch (error) {
    throw mapAwsError('autoscaling', error);
  }
}

/** Set a group's desired capacity (cooldown not honoured unless asked). */
export async function setDesiredCapacity(asgName: string, desired: number, honorCooldown = false): Promise<void> {
  try {
    await autoScalingClient().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: asgName, DesiredCapacity: desired, HonorCooldown: honorCooldown }));
  } catch (error) {
    throw mapAwsError('autoscaling', error);
  }
}

/** Terminate an instance through its group (which runs the terminate hook). */
export async function terminateInstance(instanceId: string, decrementDesiredCapacity: boolean): Promise<void> {
  try {
    await autoScalingClient().send(
      new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: decrementDesiredCapacity }),
    );
  } catch (error) {
    throw mapAwsError('autoscaling', error);
  }
}

/** Instance refreshes of a group that are still under way (Pending, InProgress, Cancelling, RollbackInProgress, Baking). */
export async function activeInstanceRefreshes(asgName: string): Promise<{ id: string; status: string }[]> {
  try {
    const out = await autoScalingClient().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName }));
    return (out.InstanceRefreshes ?? [])
      .filter((r) => ['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'].includes(r.Status ?? ''))
      .map((r) => ({ id: r.InstanceRefreshId ?? '', status: r.Status ?? '' }));
  } catch (error) {
    throw mapAwsError('autoscaling', error);
  }
}
