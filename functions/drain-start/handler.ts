/** Drain task StartDrain: heartbeat, mark ineligible, start the Nomad drain (idempotent). */
import { recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { drainDeps } from '../../src/workflows/drain/deps.js';
import { startDrain } from '../../src/workflows/drain/start.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('StartDrain', DrainStateSchema, () => drainDeps({ autoscaling: { recordLifecycleActionHeartbeat } }), startDrain);
