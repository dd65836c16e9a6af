/** Pool upgrade: release the pool's upgrade lock (if held) and summarise the execution. */
import { putEvent } from '../../src/aws/events.js';
import { deleteParameter, readParameter } from '../../src/aws/ssm.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { ReleaseTaskSchema, releaseAndSummarise } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'Release',
  ReleaseTaskSchema,
  () => upgradeDeps({ ssm: { readParameter, deleteParameter }, events: { putEvent } }),
  releaseAndSummarise,
);
