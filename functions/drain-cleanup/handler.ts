/** Drain task Cleanup: after the action completed, force out a Consul member that failed to leave, purge the Nomad node (PURGE_NOMAD_NODE). */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultDrainDeps } from '../../src/workflows/drain/deps.js';
import { cleanupAfterTermination } from '../../src/workflows/drain/cleanup.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'Cleanup');
    appendLifecycleKeys(state.action);
    return cleanupAfterTermination(state, defaultDrainDeps(), () => context?.getRemainingTimeInMillis() ?? 60_000);
  });
