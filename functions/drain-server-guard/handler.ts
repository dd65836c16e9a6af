/** Drain task ServerGuard (server branch): quorum guard before a server leaves (raft + autopilot of Nomad, Consul, Vault). */
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { guardServerRemoval } from '../../src/workflows/servers/removal-guard.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('ServerGuard', DrainStateSchema, defaultServerDeps, guardServerRemoval);
