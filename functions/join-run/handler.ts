/** Join task RunJoin (JOIN_MODE=ssm): consul join + rc-service nomad start on the node through SSM Run Command. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { runJoin } from '../../src/workflows/join/run.js';
import { JoinStateSchema, type JoinState } from '../../src/workflows/join/state.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<JoinState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(JoinStateSchema, event, 'RunJoin');
    appendLifecycleKeys(state.action);
    return runJoin(state, defaultJoinDeps());
  });
