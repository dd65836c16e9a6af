/** Drain task ServerLeave (server branch): Nomad leadership transfer, then graceful leave of every system on the server through SSM. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { leaveServer } from '../../src/workflows/servers/removal-leave.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'ServerLeave');
    appendLifecycleKeys(state.action);
    return leaveServer(state, defaultServerDeps());
  });
