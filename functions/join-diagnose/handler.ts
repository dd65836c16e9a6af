/** Join task Diagnose: failed gate conditions and the node's service status and log tails over SSM. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { diagnoseJoin } from '../../src/workflows/join/diagnose.js';
import { JoinStateSchema, type JoinState } from '../../src/workflows/join/state.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<JoinState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(JoinStateSchema, event, 'Diagnose');
    appendLifecycleKeys(state.action);
    return diagnoseJoin(state, defaultJoinDeps());
  });
