/**
 * Adopt lifecycle actions that wait without a workflow: an instance of a
 * cluster group in `Pending:Wait` or `Terminating:Wait` with no RUNNING
 * join/drain execution of its own gets one, started through the router under
 * `join-<instance>-adopted` / `drain-<instance>-adopted` (DescribeAutoScalingGroups
 * carries no token; Auto Scaling completes the action by InstanceId). The
 * router ignores a late event of an adopted action, so either path starts it once.
 */
import { ADOPTED_TOKEN } from '../../aws/autoscaling.js';
import type { ExecutionListItem } from '../../aws/sfn.js';
import { ConfigError } from '../../errors/index.js';
import type { LifecycleAction } from '../../events/lifecycle-action.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { executionName, routeAction, type RouteResult } from '../router/route.js';
import type { ReconcileDeps } from './deps.js';

/** The executions RUNNING now, per workflow. */
export interface RunningExecutions {
  join: Pick<ExecutionListItem, 'name' | 'startDate'>[];
  drain: Pick<ExecutionListItem, 'name' | 'startDate'>[];
}

export interface AdoptOutcome {
  adopted: string[];
  /** Actions waiting with no running workflow that could not be (re)started: already handled once, yet still waiting. */
  stuck: string[];
}

const WAITING: Record<string, LifecycleAction['kind']> = { 'Pending:Wait': 'launch', 'Terminating:Wait': 'terminate' };

/** The RUNNING join and drain executions. */
export async function runningExecutions(deps: Pick<ReconcileDeps, 'config' | 'sfn'>): Promise<RunningExecutions> {
  const { joinStateMachineArn: joinArn, drainStateMachineArn: drainArn } = deps.config;
  if (!joinArn) throw new ConfigError('JOIN_STATE_MACHINE_ARN', 'is not set');
  if (!drainArn) throw new ConfigError('DRAIN_STATE_MACHINE_ARN', 'is not set');
  const [join, drain] = await Promise.all([deps.sfn.listExecutions(joinArn, 'RUNNING'), deps.sfn.listExecutions(drainArn, 'RUNNING')]);
  return { join, drain };
}

/**
 * @param handled instances whose action this sweep already routed (replayed dead letters): a
 *   workflow started for them may have ended before `running` was listed.
 */
export async function adoptStuckActions(
  deps: Pick<ReconcileDeps, 'config' | 'router' | 'autoscaling' | 'now'>,
  running: RunningExecutions,
  handled: ReadonlySet<string> = new Set(),
): Promise<AdoptOutcome> {
  const outcome: AdoptOutcome = { adopted: [], stuck: [] };
  const groups = await deps.autoscaling.describeGroupsByClusterTag(deps.config.clusterName);
  for (const group of groups) {
    for (const instance of group.Instances ?? []) {
      const kind = WAITING[instance.LifecycleState ?? ''];
      if (!kind || !instance.InstanceId || !group.AutoScalingGroupName) continue;
      const workflow = kind === 'launch' ? 'join' : 'drain';
      const prefix = `${executionName(workflow, instance.InstanceId)}-`;
      if (handled.has(instance.InstanceId) || running[workflow].some((e) => e.name?.startsWith(prefix))) continue;
      // Read again now: a workflow that started and ended since `running` was listed has completed the action.
      const now = await deps.autoscaling.describeAutoScalingInstance(instance.InstanceId);
      if (WAITING[now?.LifecycleState ?? ''] !== kind) continue;
      const action: LifecycleAction = {
        kind,
        instanceId: instance.InstanceId,
        asgName: group.AutoScalingGroupName,
        hookName: kind === 'launch' ? deps.config.launchHookName : deps.config.terminateHookName,
        token: ADOPTED_TOKEN,
        eventTime: deps.now(),
        eventId: `reconcile-${instance.InstanceId}-${kind}`,
      };
      const result: RouteResult = await routeAction(action, deps.router);
      const log = getLogger();
      if (result.routed !== 'ignored' && result.started) {
        outcome.adopted.push(result.executionName);
        countMetric('LifecycleActionAdopted');
        log.warn('lifecycle action waited without a workflow (its event was missed); adopted', {
          instanceId: instance.InstanceId,
          lifecycleState: instance.LifecycleState,
          executionName: result.executionName,
        });
      } else if (result.routed !== 'ignored') {
        outcome.stuck.push(instance.InstanceId);
        countMetric('LifecycleActionStuck');
        log.error('lifecycle action still waits although its adopted workflow has ended', {
          instanceId: instance.InstanceId,
          lifecycleState: instance.LifecycleState,
          executionName: result.executionName,
        });
      }
    }
  }
  return outcome;
}
