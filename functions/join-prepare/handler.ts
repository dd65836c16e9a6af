/** Join task Prepare: hook limits, join deadline and mode; ends at once for an instance already going. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { prepareJoin } from '../../src/workflows/join/prepare.js';
import { JoinInputSchema, type JoinState } from '../../src/workflows/join/state.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<JoinState> =>
  withInvocation(context, async () => {
    const input = parseTaskInput(JoinInputSchema, event, 'Prepare');
    appendLifecycleKeys(input.action);
    return prepareJoin(input, defaultJoinDeps());
  });
