/** Drain task Prepare: find the node, decide the plan. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultDrainDeps } from '../../src/workflows/drain/deps.js';
import { heartbeatThroughOutage } from '../../src/workflows/drain/guards.js';
import { prepareDrain } from '../../src/workflows/drain/prepare.js';
import { DrainInputSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const input = parseTaskInput(DrainInputSchema, event, 'Prepare');
    appendLifecycleKeys(input.action);
    const deps = defaultDrainDeps();
    return heartbeatThroughOutage(deps, input.action, undefined, () => prepareDrain(input, deps));
  });
