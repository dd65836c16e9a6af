/** Prepare: find what the instance runs and decide the plan. */
import { countMetric } from '../../observability/metrics.js';
import { getLogger } from '../../observability/logger.js';
import { hookLimits } from '../task.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, nextGiveUpAt } from './guards.js';
import type { DrainInput, DrainPlan, DrainState } from './state.js';
import { WORKFLOW_WAIT_MS } from '../../hashicorp/blocking.js';


/**
 * Look up the Nomad node (by instance id), the Consul member (instance_id
 * meta, else private IP), the hook's heartbeat timeout and the pool's drain
 * deadline; decide the plan. A server is never planned as a client.
 * @throws GiveUp when GIVE_UP_AFTER has passed since the hook fired.
 */
export async function prepareDrain(input: DrainInput, deps: DrainDeps): Promise<DrainState> {
  const { action, pool } = input;
  checkGiveUp(deps, action.eventTime + deps.config.giveUpAfterMs, 'Prepare');
  const [hooks, instance] = await Promise.all([deps.autoscaling.describeLifecycleHooks(action.asgName, [action.hookName]), deps.ec2.describeInstance(action.instanceId)]);
  const { heartbeatTimeoutSec, heartbeatLimitAt } = hookLimits(hooks, action.hookName, action.eventTime);
  const privateIp = instance?.privateIp ?? null;
  const [nomadNode, consulNode] = await Promise.all([deps.nomad.findNodeByInstanceId(action.instanceId), deps.consul.findNodeByInstanceId(action.instanceId, privateIp)]);

  let plan: DrainPlan;
  if (pool.role === 'server') plan = 'server';
  else if (!nomadNode && !consulNode) plan = 'nothing-joined';
  else plan = 'client';
  if (plan === 'server') {
    countMetric('ServerRemovalStarted');
    getLogger().info('server instance is terminating: quorum-safe removal (guard, leave, verify)', { pool: pool.pool });
  }

  const drainDeadlineMs = pool.drainDeadlineMs ?? deps.config.drainDeadlineMs;
  const state: DrainState = {
    action,
    pool,
    plan,
    giveUpAt: nextGiveUpAt(deps),
    nomadNodeId: nomadNode?.ID ?? null,
    consulNode: consulNode?.Node ?? null,
    privateIp,
    hook: { heartbeatTimeoutSec, heartbeatLimitAt },
    drain: {
      deadlineNs: drainDeadlineMs * 1_000_000,
      waitMs: Math.max(1000, Math.min(WORKFLOW_WAIT_MS, (heartbeatTimeoutSec * 1000) / 2)),
      index: 0,
      done: plan === 'nothing-joined',
      mode: null,
      hookFiredAt: action.eventTime,
      startedAt: null,
      doneAt: null,
    },
    left: null,
  };
  getLogger().info('drain prepared', { plan, nomadNodeId: state.nomadNodeId, consulNode: state.consulNode, privateIp, heartbeatTimeoutSec, drainDeadlineMs });
  return state;
}
