/** Drain task WatchDrain: blocking queries until the drain ends or the invocation runs short of time. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultDrainDeps } from '../../src/workflows/drain/deps.js';
import { heartbeatThroughOutage } from '../../src/workflows/drain/guards.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';
import { watchDrain } from '../../src/workflows/drain/watch.js';

/** Without a Lambda context (local runs), assume the 900 s timeout. */
const DEFAULT_REMAINING_MS = 900_000;

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'WatchDrain');
    appendLifecycleKeys(state.action);
    const deps = defaultDrainDeps();
    const fallbackEnd = deps.now() + DEFAULT_REMAINING_MS;
    const remaining = context ? () => context.getRemainingTimeInMillis() : () => fallbackEnd - deps.now();
    return heartbeatThroughOutage(deps, state.action, state.hook.heartbeatLimitAt, () => watchDrain(state, deps, remaining));
  });
