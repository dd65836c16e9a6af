/** Drain task ServerVerify (server branch): peers gone (API removal as fallback) and every raft system healthy again. */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { verifyServerRemoval } from '../../src/workflows/servers/removal-verify.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'ServerVerify');
    appendLifecycleKeys(state.action);
    return verifyServerRemoval(state, defaultServerDeps());
  });
