/** Drain task WatchDrain: blocking queries until the drain ends or the invocation runs short of time. */
import { recordLifecycleActionHeartbeat } from '../../src/aws/autoscaling.js';
import { drainDeps } from '../../src/workflows/drain/deps.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { watchDrain } from '../../src/workflows/drain/watch.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('WatchDrain', DrainStateSchema, () => drainDeps({ autoscaling: { recordLifecycleActionHeartbeat } }), watchDrain);
