/** The frame every handler runs in: fresh log keys, error logging, metrics flushed. */
import type { Context } from 'aws-lambda';
import { ControlPlaneError } from '../errors/index.js';
import { startInvocation } from './context.js';
import { getLogger } from './logger.js';
import { flushMetrics } from './metrics.js';

/**
 * Run a handler body. Errors are logged (name and message only) and rethrown
 * unchanged, so their `name` becomes the Step Functions error.
 */
export async function withInvocation<T>(context: Context | undefined, body: () => Promise<T>): Promise<T> {
  startInvocation(context);
  try {
    return await body();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const retryable = error instanceof ControlPlaneError ? error.retryable : undefined;
    getLogger().error('task failed', { errorName: e.name, errorMessage: e.message, retryable });
    throw e;
  } finally {
    flushMetrics();
  }
}
