/** Join task Diagnose: failed gate conditions and the node's service status and log tails over SSM. */
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { diagnoseJoin } from '../../src/workflows/join/diagnose.js';
import { JoinStateSchema } from '../../src/workflows/join/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('Diagnose', JoinStateSchema, () => defaultJoinDeps(['nomad', 'consul']), diagnoseJoin);
