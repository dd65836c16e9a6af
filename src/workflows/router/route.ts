/** Route a lifecycle event of the cluster to its workflow. */
import { createHash } from 'node:crypto';
import type { describeGroup } from '../../aws/autoscaling.js';
import type { startExecution } from '../../aws/sfn.js';
import { poolFactsFromTags } from '../../cluster/pool.js';
import type { Config } from '../../config/index.js';
import { ConfigError, InvalidInput } from '../../errors/index.js';
import { parseLifecycleEvent } from '../../events/lifecycle-action.js';
import { appendLifecycleKeys } from '../../observability/context.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainInput } from '../drain/state.js';

export interface RouterDeps {
  config: Pick<Config, 'clusterName' | 'launchHookName' | 'terminateHookName' | 'drainStateMachineArn'>;
  describeGroup: typeof describeGroup;
  startExecution: typeof startExecution;
}

export type RouteResult =
  | { routed: 'ignored'; reason: string }
  | { routed: 'drain'; executionName: string; started: boolean; executionArn?: string };

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
 * Parse the event and route it: terminate → a drain execution named
 * `drain-<instanceId>-<token>` (a duplicate is fine); launch → logged only
 * (no join workflow yet; the launch action is left to its hook).
 * @throws InvalidInput for a malformed event
 */
export async function routeLifecycleEvent(event: unknown, deps: RouterDeps): Promise<RouteResult> {
  const log = getLogger();
  const parsed = parseLifecycleEvent(event);
  if (parsed.type === 'ignored') {
    log.info('event ignored', { reason: parsed.reason });
    return { routed: 'ignored', reason: parsed.reason };
  }
  const { action } = parsed;
  appendLifecycleKeys(action);
  const expectedHook = action.kind === 'launch' ? deps.config.launchHookName : deps.config.terminateHookName;
  if (action.hookName !== expectedHook) return ignore(`hook ${action.hookName} is not the configured ${action.kind} hook ${expectedHook}`);

  const group = await deps.describeGroup(action.asgName);
  if (!group) return ignore(`group ${action.asgName} does not exist (any more)`);
  let pool;
  try {
    pool = poolFactsFromTags(action.asgName, group.Tags, deps.config.clusterName);
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    countMetric('InvalidPoolTags');
    log.error('cluster group has invalid tags; lifecycle action left to its default result', { error: error.message });
    return { routed: 'ignored', reason: error.message };
  }
  if (!pool) return ignore(`group ${action.asgName} is not part of cluster ${deps.config.clusterName}`);

  if (action.kind === 'launch') {
    log.info('launch lifecycle action: no join workflow exists yet; leaving the action to its hook', { pool: pool.pool });
    return { routed: 'ignored', reason: 'no join workflow yet' };
  }
  const arn = deps.config.drainStateMachineArn;
  if (!arn) throw new ConfigError('DRAIN_STATE_MACHINE_ARN', 'is not set');
  const name = executionName('drain', action.instanceId, action.token);
  const input: DrainInput = { action, pool };
  const r = await deps.startExecution(arn, name, input);
  if (r.started) {
    countMetric('DrainWorkflowStarted');
    log.info('drain workflow started', { executionName: name, executionArn: r.executionArn });
    return { routed: 'drain', executionName: name, started: true, executionArn: r.executionArn };
  }
  log.info('drain workflow already started for this action (duplicate event)', { executionName: name });
  return { routed: 'drain', executionName: name, started: false };

  function ignore(reason: string): RouteResult {
    log.info('lifecycle action ignored', { reason });
    return { routed: 'ignored', reason };
  }
}
