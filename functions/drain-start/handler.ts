/** Drain task StartDrain: heartbeat, mark ineligible, start the Nomad drain (idempotent). */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultDrainDeps } from '../../src/workflows/drain/deps.js';
import { heartbeatThroughOutage } from '../../src/workflows/drain/guards.js';
import { startDrain } from '../../src/workflows/drain/start.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'StartDrain');
    appendLifecycleKeys(state.action);
    const deps = defaultDrainDeps();
    return heartbeatThroughOutage(deps, state.action, state.hook.heartbeatLimitAt, () => startDrain(state, deps));
  });
