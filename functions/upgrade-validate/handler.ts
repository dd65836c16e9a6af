/** Pool upgrade, first state: validate the console input and plan (reads only; dryRun ends here). */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { planUpgrade } from '../../src/workflows/upgrade/plan.js';
import type { UpgradeState } from '../../src/workflows/upgrade/state.js';
import { ValidateTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<UpgradeState> =>
  withInvocation(context, async () => {
    const task = parseTaskInput(ValidateTaskSchema, event, 'Validate');
    return planUpgrade(task.input, task.executionArn, defaultUpgradeDeps());
  });
