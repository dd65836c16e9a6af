/** Route a lifecycle event of the cluster to its workflow. */
import { createHash } from 'node:crypto';
import type { AutoScalingGroup, AutoScalingInstanceDetails } from '@aws-sdk/client-auto-scaling';
import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import type { describeAutoScalingInstance, describeGroup } from '../../aws/autoscaling.js';
import { ADOPTED_TOKEN, INTERRUPTION_TOKEN, type completeLifecycleAction } from '../../aws/autoscaling.js';
import { executionArnOf, type describeExecution, type listExecutions, type startExecution, type stopExecution } from '../../aws/sfn.js';
import { poolFactsFromTags, type PoolFacts } from '../../cluster/pool.js';
import type { Config } from '../../config/index.js';
import { ConfigError, InvalidInput } from '../../errors/index.js';
import type { LifecycleAction } from '../../events/lifecycle-action.js';
import { parseLifecycleEvent } from '../../events/lifecycle-event.js';
import { appendLifecycleKeys } from '../../observability/context.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainInput } from '../drain/state.js';
import { isTerminatingLifecycleState } from '../join/guards.js';
import type { JoinInput } from '../join/state.js';

export interface RouterDeps {
  config: Pick<Config, 'clusterName' | 'launchHookName' | 'terminateHookName' | 'drainStateMachineArn' | 'joinStateMachineArn'>;
  describeGroup: (...a: Parameters<typeof describeGroup>) => Promise<Pick<AutoScalingGroup, 'Tags'> | undefined>;
  describeAutoScalingInstance: (
    ...a: Parameters<typeof describeAutoScalingInstance>
  ) => Promise<Pick<AutoScalingInstanceDetails, 'LifecycleState'> | undefined>;
  startExecution: typeof startExecution;
  listExecutions: (...a: Parameters<typeof listExecutions>) => Promise<Pick<ExecutionListItem, 'name' | 'executionArn'>[]>;
  stopExecution: typeof stopExecution;
  describeExecution: (...a: Parameters<typeof describeExecution>) => Promise<{ status?: string | undefined } | undefined>;
  /** Completes warm pool transitions at once; the sweep, which adopts only the group's own instances, has none. */
  completeLifecycleAction?: typeof completeLifecycleAction;
}

export type RouteResult =
  /** No workflow: not the cluster's, or a warm pool transition completed at once (`completion`). */
  | { routed: 'ignored'; reason: string; completion?: 'completed' | 'already-completed' }
  | { routed: 'join'; executionName: string; started: boolean; executionArn?: string }
  | { routed: 'drain'; executionName: string; started: boolean; executionArn?: string; stoppedJoins?: string[] };

/** Step Functions error of a join execution stopped because its instance terminates. */
export const INSTANCE_TERMINATING = 'InstanceTerminating';

/**
 * A Step Functions execution name from parts: only [A-Za-z0-9_-], at most 80
 * characters (a too-long name keeps its head and a hash of the whole).
 */
export function executionName(...parts: string[]): string {
  const raw = parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');
  if (raw.length <= 80) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return `${raw.slice(0, 63)}-${hash}`;
}

/**
 * Parse the event and route it. Launch → a join execution named
 * `join-<instanceId>-<token>`, unless the instance is already terminating or
 * gone (an out-of-order event). Terminate → stop the instance's RUNNING join
 * executions (error `InstanceTerminating`), then a drain execution named
 * `drain-<instanceId>-<token>`. Duplicate events are harmless.
 * @throws InvalidInput for a malformed event, ConfigError without a state machine ARN
 */
export async function routeLifecycleEvent(event: unknown, deps: RouterDeps): Promise<RouteResult> {
  const log = getLogger();
  const parsed = parseLifecycleEvent(event);
  if (parsed.type === 'ignored') {
    log.info('event ignored', { reason: parsed.reason });
    return { routed: 'ignored', reason: parsed.reason };
  }
  return routeAction(parsed.action, deps);
}

/**
 * Route one lifecycle action (from an event, a dead-lettered event, or adopted
 * by the reconciliation sweep with {@link ADOPTED_TOKEN}). An action the sweep
 * already adopted (`<kind>-<instanceId>-adopted`) is not started again under its token.
 */
export async function routeAction(action: LifecycleAction, deps: RouterDeps): Promise<RouteResult> {
  const log = getLogger();
  appendLifecycleKeys(action);
  const expectedHook = action.kind === 'launch' ? deps.config.launchHookName : deps.config.terminateHookName;
  if (action.hookName !== expectedHook) return ignore(`hook ${action.hookName} is not the configured ${action.kind} hook ${expectedHook}`);

  const group = await deps.describeGroup(action.asgName);
  if (!group) return ignore(`group ${action.asgName} does not exist (any more)`);
  let pool: PoolFacts | undefined;
  try {
    pool = poolFactsFromTags(action.asgName, group.Tags, deps.config.clusterName);
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    countMetric('InvalidPoolTags');
    log.error('cluster group has invalid tags; lifecycle action left to its default result', { error: error.message });
    return { routed: 'ignored', reason: error.message };
  }
  if (!pool) return ignore(`group ${action.asgName} is not part of cluster ${deps.config.clusterName}`);

  const warm = warmPoolTransition(action);
  if (warm && deps.completeLifecycleAction) {
    const completion = await deps.completeLifecycleAction(action, 'CONTINUE');
    countMetric('WarmPoolActionCompleted');
    log.info('warm pool lifecycle action completed with CONTINUE: no join gate, no drain', { reason: warm, completion });
    return { routed: 'ignored', reason: `${warm}: completed with CONTINUE`, completion };
  }

  if (action.kind === 'launch') {
    const joinArn = deps.config.joinStateMachineArn;
    if (!joinArn) throw new ConfigError('JOIN_STATE_MACHINE_ARN', 'is not set');
    const asg = await deps.describeAutoScalingInstance(action.instanceId);
    if (!asg) return ignore(`launch event for ${action.instanceId}, which is no longer in a group (out of order)`);
    if (isTerminatingLifecycleState(asg.LifecycleState))
      return ignore(`launch event for ${action.instanceId}, which is already ${asg.LifecycleState} (out of order)`);
    const joinName = executionName('join', action.instanceId, action.token);
    if (await adoptedBefore(joinArn, action, deps))
      return { routed: 'join', executionName: executionName('join', action.instanceId, ADOPTED_TOKEN), started: false };
    const joinInput: JoinInput = { action, pool };
    const j = await deps.startExecution(joinArn, joinName, joinInput);
    if (j.started) {
      countMetric('JoinWorkflowStarted');
      log.info('join workflow started', { executionName: joinName, executionArn: j.executionArn });
      return { routed: 'join', executionName: joinName, started: true, executionArn: j.executionArn };
    }
    log.info('join workflow already started for this action (duplicate event)', { executionName: joinName });
    return { routed: 'join', executionName: joinName, started: false };
  }

  const arn = deps.config.drainStateMachineArn;
  if (!arn) throw new ConfigError('DRAIN_STATE_MACHINE_ARN', 'is not set');
  if (await adoptedBefore(arn, action, deps))
    return { routed: 'drain', executionName: executionName('drain', action.instanceId, ADOPTED_TOKEN), started: false };
  if (await interruptionDrainRunning(arn, action, deps))
    return { routed: 'drain', executionName: executionName('drain', action.instanceId, INTERRUPTION_TOKEN), started: false };
  const stoppedJoins = await stopRunningJoins(action.instanceId, deps);
  const name = executionName('drain', action.instanceId, action.token);
  const input: DrainInput = { action, pool };
  const r = await deps.startExecution(arn, name, input);
  const stopped = stoppedJoins.length > 0 ? { stoppedJoins } : {};
  if (r.started) {
    countMetric('DrainWorkflowStarted');
    log.info('drain workflow started', { executionName: name, executionArn: r.executionArn });
    return { routed: 'drain', executionName: name, started: true, executionArn: r.executionArn, ...stopped };
  }
  log.info('drain workflow already started for this action (duplicate event)', { executionName: name });
  return { routed: 'drain', executionName: name, started: false, ...stopped };

  function ignore(reason: string): RouteResult {
    log.info('lifecycle action ignored', { reason });
    return { routed: 'ignored', reason };
  }
}

/**
 * Why a lifecycle action needs no workflow: an instance terminated from the
 * warm pool (Origin WarmPool) never served, so there is nothing to drain. (A
 * launch into the warm pool goes to the join workflow, whose gate for it is
 * only "booted", never the cluster join; a move from the warm pool into the
 * group is a join like any other.)
 */
export function warmPoolTransition(action: LifecycleAction): string | undefined {
  if (action.kind === 'terminate' && action.origin === 'WarmPool') return 'termination from the warm pool';
  return undefined;
}

/**
 * Whether a Spot interruption's drain of this instance is running: it drains
 * the node and completes this action by instance id, so a second drain would
 * only fight it (one drain, one completion).
 */
async function interruptionDrainRunning(stateMachineArn: string, action: LifecycleAction, deps: RouterDeps): Promise<boolean> {
  if (action.token === ADOPTED_TOKEN || action.token === INTERRUPTION_TOKEN) return false;
  const name = executionName('drain', action.instanceId, INTERRUPTION_TOKEN);
  const found = await deps.describeExecution(executionArnOf(stateMachineArn, name));
  if (found?.status !== 'RUNNING') return false;
  countMetric('TerminateActionJoinedInterruptionDrain');
  getLogger().info("the Spot interruption's drain of this instance is running and completes this action; no second drain", { executionName: name });
  return true;
}

/** Whether the sweep already adopted this action (an event arriving late, e.g. from the dead-letter queue). */
async function adoptedBefore(stateMachineArn: string, action: LifecycleAction, deps: RouterDeps): Promise<boolean> {
  if (action.token === ADOPTED_TOKEN) return false;
  const adopted = executionName(action.kind === 'launch' ? 'join' : 'drain', action.instanceId, ADOPTED_TOKEN);
  const found = await deps.describeExecution(executionArnOf(stateMachineArn, adopted));
  if (!found) return false;
  countMetric('LateEventOfAdoptedAction');
  getLogger().info('lifecycle action already adopted by the reconciliation sweep; late event ignored', { executionName: adopted, status: found.status });
  return true;
}

/**
 * Stop every RUNNING join execution of the instance (names `join-<instanceId>-…`),
 * so the drain alone handles whatever joined. Without a join state machine
 * configured there is nothing to stop.
 * @returns the names of the executions stopped.
 */
async function stopRunningJoins(instanceId: string, deps: RouterDeps): Promise<string[]> {
  const joinArn = deps.config.joinStateMachineArn;
  if (!joinArn) {
    getLogger().warn('JOIN_STATE_MACHINE_ARN is not set: not looking for join executions to stop');
    return [];
  }
  const prefix = `${executionName('join', instanceId)}-`;
  const running = (await deps.listExecutions(joinArn, 'RUNNING')).filter((e) => e.name?.startsWith(prefix) && e.executionArn);
  const stopped: string[] = [];
  for (const e of running) {
    await deps.stopExecution(e.executionArn ?? '', INSTANCE_TERMINATING, `instance ${instanceId} is terminating; the drain workflow takes over`);
    countMetric('JoinAbortedTerminating');
    stopped.push(e.name ?? '');
  }
  if (stopped.length) getLogger().info('stopped running join executions of the terminating instance', { stoppedJoins: stopped });
  return stopped;
}
