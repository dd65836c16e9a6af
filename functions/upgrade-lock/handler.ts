/** Pool upgrade: release the pool's upgrade lock (if held) and summarise the execution. */
import * as events from '../../src/aws/events.js';
import * as ssm from '../../src/aws/ssm.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { ReleaseTaskSchema, releaseAndSummarise } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('Release', ReleaseTaskSchema, () => upgradeDeps({ ssm, events }), releaseAndSummarise);
