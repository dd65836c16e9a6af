/** Drain task PurgeNode: purge the Nomad node record once the node is down (PURGE_NOMAD_NODE). */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultDrainDeps } from '../../src/workflows/drain/deps.js';
import { purgeNomadNode } from '../../src/workflows/drain/purge.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'PurgeNode');
    appendLifecycleKeys(state.action);
    return purgeNomadNode(state, defaultDrainDeps(), () => context?.getRemainingTimeInMillis() ?? 60_000);
  });
