/**
 * Helpers every lifecycle workflow task shares (drain, join): task input
 * parsing, the lifecycle hook's heartbeat limits, and the time budget of a
 * watching invocation.
 */
import * as z from '../validation/zod.js';
import type { LifecycleHook, LifecycleActionRef } from '../aws/autoscaling.js';
import { InvalidInput } from '../errors/index.js';
import { BLOCKING_MARGIN_MS } from '../hashicorp/blocking.js';

/** Time kept free at the end of a watching invocation (return, state transition). */
export const SAFETY_MARGIN_MS = 20_000;
/** Extra time a blocking read may take beyond its wait: the cluster clients' HTTP timeout margin. */
export const BLOCKING_SLACK_MS = BLOCKING_MARGIN_MS;

/** Hooks default to one hour of heartbeat timeout. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SEC = 3600;
/** A lifecycle action never lasts longer than 100 × heartbeat timeout or 48 h. */
export const GLOBAL_LIMIT_MAX_MS = 48 * 3_600_000;

/** Parse a task's input. @throws InvalidInput */
export function parseTaskInput<S extends z.core.$ZodType>(schema: S, input: unknown, task: string): z.infer<S> {
  const r = z.safeParse(schema, input);
  if (!r.success) throw new InvalidInput(`${task}: invalid input: ${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * The heartbeat timeout of the action's hook and the hook's global limit
 * (epoch ms): no heartbeat extends the action past it.
 */
export function hookLimits(hooks: readonly LifecycleHook[], hookName: string, eventTime: number): { heartbeatTimeoutSec: number; heartbeatLimitAt: number } {
  const heartbeatTimeoutSec = hooks.find((h) => h.LifecycleHookName === hookName)?.HeartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT_SEC;
  return { heartbeatTimeoutSec, heartbeatLimitAt: eventTime + Math.min(100 * heartbeatTimeoutSec * 1000, GLOBAL_LIMIT_MAX_MS) };
}

/**
 * Record a lifecycle heartbeat unless the hook's global limit has passed.
 * @returns 'recorded', 'not-active' (the action was completed or expired) or 'past-limit'.
 */
export async function recordHeartbeat(
  deps: { now: () => number; autoscaling: { recordLifecycleActionHeartbeat: (ref: LifecycleActionRef) => Promise<'recorded' | 'not-active'> } },
  action: LifecycleActionRef,
  heartbeatLimitAt: number,
): Promise<'recorded' | 'not-active' | 'past-limit'> {
  if (deps.now() >= heartbeatLimitAt) return 'past-limit';
  return deps.autoscaling.recordLifecycleActionHeartbeat(action);
}
