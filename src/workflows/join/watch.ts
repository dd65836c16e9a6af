/** Watch: block on one unsatisfied gate condition at a time until the node joined, the gate can only be polled, or time runs out. */
import { ControlPlaneError } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { BLOCKING_SLACK_MS, SAFETY_MARGIN_MS } from '../task.js';
import type { JoinDeps } from './deps.js';
import { evaluateGate, waitOn } from './gate.js';
import { endJoin, heartbeatIfDue, instanceGone } from './guards.js';
import { ACTION_NOT_ACTIVE } from './prepare.js';
import type { JoinState, JoinStateAfter } from './state.js';
import { WORKFLOW_WAIT_MS } from '../../hashicorp/blocking.js';

/** Shorter waits than this are not worth a request. */
const MIN_WAIT_MS = 5_000;
/** Poll intervals (s) for conditions without blocking queries (raft, autopilot, Vault): grows, then stays at the last. */
export const POLL_SECONDS = [5, 10, 20, 30] as const;

/** The EC2 tags that make later lookups one call. */
export const TAG_NOMAD_NODE_ID = 'hashistack:nomad-node-id';
export const TAG_CONSUL_NODE = 'hashistack:consul-node';

/**
 * Evaluate the gate; while a blockable condition is unsatisfied, block on it
 * (`?index=&wait=`), heartbeat after each return and evaluate everything
 * again. Returns `joined` (instance tagged), `poll` (only pollable conditions
 * left: the state machine Waits `pollAfterSeconds`), `watch` (invocation
 * short of time), `timeout`, `gate-failed` (a fatal condition) or `ended`.
 * @param remainingMs the Lambda context's getRemainingTimeInMillis
 * @throws ClusterUnreachable, AwsUnavailable (retried by the state machine)
 */
export async function watchJoin(state: JoinState, deps: JoinDeps, remainingMs: () => number): Promise<JoinStateAfter<'watch'>> {
  const log = getLogger();
  const { gone } = await instanceGone(deps, state.action.instanceId);
  if (gone) return endJoin(state, gone, true);
  let s = await heartbeatIfDue(deps, state, false);
  if (!s) return endJoin(state, ACTION_NOT_ACTIVE, false);

  let changed = false;
  for (;;) {
    let view: Awaited<ReturnType<typeof evaluateGate>>;
    try {
      view = await evaluateGate(s, deps);
    } catch (error) {
      // Past the deadline an unreachable cluster must not keep the node pending: time out (Diagnose records why).
      if (error instanceof ControlPlaneError && error.retryable && deps.now() >= s.deadlineAt) {
        return {
          ...s,
          next: 'timeout',
          pollAfterSeconds: 0,
          gate: { ...s.gate, conditions: [{ name: 'cluster-reachable', ok: false, fatal: false, detail: error.message }] },
        };
      }
      throw error;
    }
    const t = deps.now();
    s = { ...s, gate: { ...s.gate, conditions: view.conditions, nomadNodeId: view.nomadNodeId, consulNode: view.consulNode, checkedAt: t } };
    const failed = view.conditions.filter((c) => !c.ok).map((c) => c.name);

    if (view.joined) {
      const tags: Record<string, string> = {};
      if (view.nomadNodeId) tags[TAG_NOMAD_NODE_ID] = view.nomadNodeId;
      if (view.consulNode) tags[TAG_CONSUL_NODE] = view.consulNode;
      if (Object.keys(tags).length > 0) await deps.ec2.createTags([s.action.instanceId], tags);
      log.info('node joined: every gate condition holds', { nomadNodeId: view.nomadNodeId, consulNode: view.consulNode, exact: changed });
      return { ...s, next: 'joined', pollAfterSeconds: 0, timings: { ...s.timings, satisfiedAt: t, satisfiedExact: changed } };
    }
    if (view.fatal) {
      log.error('gate condition failed that waiting will not fix', { conditions: view.conditions.filter((c) => c.fatal) });
      return { ...s, next: 'gate-failed', pollAfterSeconds: 0 };
    }
    const untilDeadline = s.deadlineAt - t;
    if (untilDeadline <= 0) return { ...s, next: 'timeout', pollAfterSeconds: 0 };
    if (!view.blocker) {
      const pollAfterSeconds = Math.max(1, Math.min(POLL_SECONDS[Math.min(s.gate.polls, POLL_SECONDS.length - 1)] ?? 30, Math.ceil(untilDeadline / 1000)));
      log.debug('only pollable gate conditions left', { failed, pollAfterSeconds });
      return { ...s, next: 'poll', pollAfterSeconds, gate: { ...s.gate, polls: s.gate.polls + 1 } };
    }
    const budget = remainingMs() - SAFETY_MARGIN_MS - BLOCKING_SLACK_MS;
    const waitMs = Math.min(WORKFLOW_WAIT_MS, (s.hook.heartbeatTimeoutSec * 1000) / 2, budget, untilDeadline);
    if (waitMs < MIN_WAIT_MS) {
      if (untilDeadline < MIN_WAIT_MS) return { ...s, next: 'poll', pollAfterSeconds: Math.max(1, Math.ceil(untilDeadline / 1000)) };
      return { ...s, next: 'watch', pollAfterSeconds: 0 };
    }
    log.debug('blocking on a gate condition', { blocker: view.blocker.kind, failed, waitMs });
    changed = await waitOn(view.blocker, s, deps, waitMs);
    const hb = await heartbeatIfDue(deps, s, true);
    if (!hb) return endJoin(s, ACTION_NOT_ACTIVE, false);
    s = hb;
  }
}
