/** Join task Watch: blocking queries on one unsatisfied gate condition at a time, heartbeating the lifecycle action. */
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { JoinStateSchema } from '../../src/workflows/join/state.js';
import { watchJoin } from '../../src/workflows/join/watch.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('Watch', JoinStateSchema, () => defaultJoinDeps(['nomad', 'consul']), watchJoin);
