/** Prepare: hook limits, join deadline and mode; ends at once for an instance already on its way out. */
import { PermissionDenied } from '../../errors/index.js';
import { describeFindings } from '../../hashicorp/permissions.js';
import { getLogger } from '../../observability/logger.js';
import { reportFindings } from '../preflight.js';
import { hookLimits, recordHeartbeat } from '../task.js';
import type { JoinDeps } from './deps.js';
import { endJoin, instanceGone } from './guards.js';
import type { JoinInput, JoinStateAfter } from './state.js';

/** Reason recorded when the lifecycle action was completed (or expired) by someone else. */
export const ACTION_NOT_ACTIVE = 'lifecycle action is no longer active (completed or expired)';

/**
 * Read the hook's heartbeat timeout and the instance's facts, compute the join
 * deadline (hook fired + the pool's `hashistack:join-timeout`, else
 * JOIN_TIMEOUT) and heartbeat once. Idempotent.
 */
export async function prepareJoin(input: JoinInput, deps: JoinDeps): Promise<JoinStateAfter<'prepare'>> {
  const { action, pool } = input;
  const [hooks, { gone, instance }] = await Promise.all([
    deps.autoscaling.describeLifecycleHooks(action.asgName, [action.hookName]),
    instanceGone(deps, action.instanceId),
  ]);
  const { heartbeatTimeoutSec, heartbeatLimitAt } = hookLimits(hooks, action.hookName, action.eventTime);
  const joinTimeoutMs = pool.joinTimeoutMs ?? deps.config.joinTimeoutMs;
  const t = deps.now();
  const mode = deps.config.joinMode;
  const state: JoinStateAfter<'prepare'> = {
    action,
    pool,
    mode,
    next: mode === 'ssm' ? 'run-join' : 'watch',
    pollAfterSeconds: 0,
    privateIp: instance?.privateIp ?? null,
    privateDnsName: instance?.privateDnsName ?? null,
    deadlineAt: action.eventTime + joinTimeoutMs,
    joinTimeoutMs,
    hook: { heartbeatTimeoutSec, heartbeatLimitAt, lastHeartbeatAt: t },
    join: { attempts: 0, lastResult: null },
    gate: { conditions: [], nomadNodeId: null, consulNode: null, polls: 0, checkedAt: null },
    timings: { hookFiredAt: action.eventTime, satisfiedAt: null, satisfiedExact: false },
    ended: null,
    diagnostics: null,
  };
  if (gone) return endJoin(state, gone, true);
  // A token that cannot see what the gate checks would hold every node until its join timeout: fail now, loudly.
  const findings = await deps.preflight(pool.role === 'server' ? 'join-server' : 'join-client');
  reportFindings(findings, 'join prepare');
  if (findings.length) throw new PermissionDenied(findings[0]?.system ?? 'cluster', `join gate cannot run: ${describeFindings(findings)}`);
  if ((await recordHeartbeat(deps, action, heartbeatLimitAt)) === 'not-active') return endJoin(state, ACTION_NOT_ACTIVE, false);
  if (!instance) getLogger().warn('EC2 does not describe the instance yet; matching by instance id only');
  getLogger().info('join prepared', { mode, role: pool.role, pool: pool.pool, privateIp: state.privateIp, joinTimeoutMs, heartbeatTimeoutSec });
  return state;
}
