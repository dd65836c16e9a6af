/** Join task Watch: blocking queries on one unsatisfied gate condition at a time, heartbeating the lifecycle action. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { JoinStateSchema, type JoinState } from '../../src/workflows/join/state.js';
import { watchJoin } from '../../src/workflows/join/watch.js';
import { parseTaskInput } from '../../src/workflows/task.js';

/** Without a Lambda context (local runs), assume the 900 s timeout. */
const DEFAULT_REMAINING_MS = 900_000;

export const handler = async (event: unknown, context?: Context): Promise<JoinState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(JoinStateSchema, event, 'Watch');
    appendLifecycleKeys(state.action);
    const deps = defaultJoinDeps();
    const fallbackEnd = deps.now() + DEFAULT_REMAINING_MS;
    const remaining = context ? () => context.getRemainingTimeInMillis() : () => fallbackEnd - deps.now();
    return watchJoin(state, deps, remaining);
  });
