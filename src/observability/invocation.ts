/** The frame every handler runs in: fresh log keys, error logging, metrics flushed. */
import type { Context } from 'aws-lambda';
import { ControlPlaneError } from '../errors/index.js';
import { startInvocation } from './context.js';
import { getLogger } from './logger.js';
import { countMetric, flushMetrics } from './metrics.js';

/** Counted for every error that is not a typed one (src/errors): our own crash. The TaskCrashed alarm (serverless.yml) watches it. */
export const TASK_CRASHED_METRIC = 'TaskCrashed';

/**
 * Run a handler body. Errors are logged (name and message only) and rethrown
 * unchanged, so their `name` becomes the Step Functions error. A crash is
 * also counted: a drain task that crashes waits and loops instead of failing
 * (statemachines/builder/policy.ts), so the alarm is how the operator hears of it.
 */
export async function withInvocation<T>(context: Context | undefined, body: () => Promise<T>): Promise<T> {
  startInvocation(context);
  try {
    return await body();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const typed = error instanceof ControlPlaneError;
    if (!typed) countMetric(TASK_CRASHED_METRIC);
    getLogger().error(typed ? 'task failed' : 'task crashed', { errorName: e.name, errorMessage: e.message, retryable: typed ? error.retryable : undefined });
    throw e;
  } finally {
    flushMetrics();
  }
}
