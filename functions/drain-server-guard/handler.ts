/** Drain task ServerGuard (server branch): quorum guard before a server leaves (raft + autopilot of Nomad, Consul, Vault). */
import type { Context } from 'aws-lambda';
import { appendLifecycleKeys } from '../../src/observability/context.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { DrainStateSchema, parseTaskInput, type DrainState } from '../../src/workflows/drain/state.js';
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { guardServerRemoval } from '../../src/workflows/servers/removal-guard.js';

export const handler = async (event: unknown, context?: Context): Promise<DrainState> =>
  withInvocation(context, async () => {
    const state = parseTaskInput(DrainStateSchema, event, 'ServerGuard');
    appendLifecycleKeys(state.action);
    return guardServerRemoval(state, defaultServerDeps());
  });
