/** Join task Complete: CompleteLifecycleAction CONTINUE (joined) or ABANDON, with the join outcome metrics. */
import type { Context } from 'aws-lambda';
import { completeLifecycleAction } from '../../src/aws/autoscaling.js';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { now } from '../../src/time/clock.js';
import type { CompleteOutput } from '../../src/workflows/complete.js';
import { completeJoin, JoinCompleteInputSchema } from '../../src/workflows/join/complete.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<CompleteOutput> =>
  withInvocation(context, async () => {
    const input = parseTaskInput(JoinCompleteInputSchema, event, 'CompleteJoin');
    appendLifecycleKeys(input.action);
    return completeJoin(input, { completeLifecycleAction, now });
  });
