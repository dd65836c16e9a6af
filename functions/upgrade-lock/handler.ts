/** Pool upgrade: release the pool's upgrade lock (if held) and summarise the execution. */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import type { UpgradeSummary } from '../../src/workflows/upgrade/summary.js';
import { ReleaseTaskSchema, releaseAndSummarise } from '../../src/workflows/upgrade/tasks.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<{ summary: UpgradeSummary; cause: string }> =>
  withInvocation(context, async () => releaseAndSummarise(parseTaskInput(ReleaseTaskSchema, event, 'Release'), defaultUpgradeDeps()));
