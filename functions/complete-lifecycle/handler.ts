/** Complete a lifecycle action with the given result and record the workflow outcome (any workflow). */
import { CompleteInputSchema, completeLifecycle, defaultCompleteDeps } from '../../src/workflows/complete.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('CompleteLifecycle', CompleteInputSchema, defaultCompleteDeps, completeLifecycle);
