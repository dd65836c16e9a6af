/** Join task RunJoin (JOIN_MODE=ssm): consul join + rc-service nomad start on the node through SSM Run Command. */
import { defaultJoinDeps } from '../../src/workflows/join/deps.js';
import { runJoin } from '../../src/workflows/join/run.js';
import { JoinStateSchema } from '../../src/workflows/join/state.js';
import { lifecycleTaskHandler } from '../../src/workflows/task-handler.js';

export const handler = lifecycleTaskHandler('RunJoin', JoinStateSchema, defaultJoinDeps, runJoin);
