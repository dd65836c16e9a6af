/**
 * The one frame of every Lambda handler (in the manner of a Powertools middy
 * middleware: the cross-cutting work lives here, a handler only names its
 * step): the invocation frame (fresh log keys, error logging, metrics
 * flushed), the input parsed with the step's schema, the production
 * dependencies, and the invocation's time budget. Lifecycle tasks (drain,
 * join, server removal, completion) also log the action's keys and heartbeat
 * the action through a cluster outage.
 */
import type { Context } from 'aws-lambda';
import type * as z from '../validation/zod.js';
import { ClusterUnreachable, MutualTlsFailed } from '../errors/index.js';
import type { LifecycleAction } from '../events/lifecycle-action.js';
import { appendLifecycleKeys } from '../observability/context.js';
import { withInvocation } from '../observability/invocation.js';
import { getLogger } from '../observability/logger.js';
import { now } from '../time/clock.js';
import { GLOBAL_LIMIT_MAX_MS, parseTaskInput, recordHeartbeat } from './task.js';

/** Without a Lambda context (a local run) an invocation gets the provider's default timeout (serverless.yml `provider.timeout`). */
export const LOCAL_TIMEOUT_MS = 60_000;

/** A step: the parsed input, its dependencies and the invocation's remaining time (ms) in, the task's output out. */
export type Step<I, D, R> = (input: I, deps: D, remainingMs: () => number) => Promise<R>;

/**
 * A Lambda handler as the Step Functions task (or schedule, or EventBridge
 * rule) invokes it, carrying the schema its input must pass: the
 * state-compatibility test parses the states an earlier version's executions
 * hold with it (a deploy swaps the code under running executions).
 */
export type TaskHandler<R> = ((event: unknown, context?: Context) => Promise<R>) & {
  readonly inputSchema: z.core.$ZodType;
  /** Build the step's production dependencies as an invocation does (no I/O): the bench counts this setup with the import. */
  readonly deps: () => unknown;
};

/** What every lifecycle task's input carries: the action, and once prepared the hook's global limit. */
export interface LifecycleTaskInput {
  action: LifecycleAction;
  hook?: { heartbeatLimitAt: number } | null;
}

/** What the outage heartbeat needs of a lifecycle task's dependencies. */
export interface HeartbeatDeps {
  now: () => number;
  autoscaling: Parameters<typeof recordHeartbeat>[0]['autoscaling'];
}

/** The invocation's remaining time: the Lambda context's, else {@link LOCAL_TIMEOUT_MS} from now. */
export function remainingTime(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined, clock: () => number = now): () => number {
  if (context) return () => context.getRemainingTimeInMillis();
  const end = clock() + LOCAL_TIMEOUT_MS;
  return () => end - clock();
}

/**
 * A handler for step `name`: parse the event with `schema` (InvalidInput
 * naming the step otherwise), build `deps`, run `step`.
 */
export function taskHandler<S extends z.core.$ZodType, D, R>(name: string, schema: S, deps: () => D, step: Step<z.output<S>, D, R>): TaskHandler<R> {
  const handler = (event: unknown, context?: Context): Promise<R> =>
    withInvocation(context, async () => {
      const input = parseTaskInput(schema, event, name);
      return step(input, deps(), remainingTime(context));
    });
  return Object.assign(handler, { inputSchema: schema, deps });
}

/**
 * A handler for lifecycle step `name`: as {@link taskHandler}, plus the
 * action's log keys and {@link heartbeatThroughOutage} around the step.
 */
export function lifecycleTaskHandler<S extends z.core.$ZodType<LifecycleTaskInput>, D extends HeartbeatDeps, R>(
  name: string,
  schema: S,
  deps: () => D,
  step: Step<z.output<S>, D, R>,
): TaskHandler<R> {
  return taskHandler(name, schema, deps, async (input, d, remainingMs) => {
    appendLifecycleKeys(input.action);
    return heartbeatThroughOutage(d, input, () => step(input, d, remainingMs));
  });
}

/**
 * Run one lifecycle step. When the cluster is unreachable the step fails (the
 * state machine waits and retries it), but AWS still answers: heartbeat the
 * lifecycle action first, so that the hook outlives the outage until
 * GIVE_UP_AFTER (drain) or the join timeout decides, instead of expiring at
 * its heartbeat timeout. Never past the hook's global limit (before Prepare
 * read the hook: AWS's 48 h cap). A refused client certificate is held the
 * same way: the instance waits for the operator's fix, with its work.
 */
export async function heartbeatThroughOutage<T>(deps: HeartbeatDeps, input: LifecycleTaskInput, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ClusterUnreachable || error instanceof MutualTlsFailed) {
      const limit = input.hook?.heartbeatLimitAt ?? input.action.eventTime + GLOBAL_LIMIT_MAX_MS;
      await recordHeartbeat(deps, input.action, limit).catch((e: unknown) =>
        getLogger().warn('heartbeat during the cluster outage failed', { error: e instanceof Error ? e.message : String(e) }),
      );
    }
    throw error;
  }
}
