/** Join task Complete: CompleteLifecycleAction CONTINUE (joined) or ABANDON, with the join outcome metrics. */
import { defaultCompleteDeps } from '../../src/workflows/complete.js';
import { completeJoin, JoinCompleteInputSchema } from '../../src/workflows/join/complete.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('CompleteJoin', JoinCompleteInputSchema, defaultCompleteDeps, completeJoin);
