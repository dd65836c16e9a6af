/** Complete a lifecycle action with the given result and record the workflow outcome (any workflow). */
import type { Context } from 'aws-lambda';
import { completeLifecycleAction } from '../../src/aws/autoscaling.js';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { now } from '../../src/time/clock.js';
import { parseTaskInput } from '../../src/workflows/drain/state.js';
import { completeLifecycle, CompleteInputSchema, type CompleteOutput } from '../../src/workflows/complete.js';

export const handler = async (event: unknown, context?: Context): Promise<CompleteOutput> =>
  withInvocation(context, async () => {
    const input = parseTaskInput(CompleteInputSchema, event, 'CompleteLifecycle');
    appendLifecycleKeys(input.action);
    return completeLifecycle(input, { completeLifecycleAction, now });
  });
