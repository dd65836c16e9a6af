/** Pool upgrade steps that change the pool (launch template, surge, drain and terminate, finish) or poll it. */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { defaultUpgradeDeps } from '../../src/workflows/upgrade/deps.js';
import type { UpgradeState } from '../../src/workflows/upgrade/state.js';
import { runStep, StepTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<UpgradeState> =>
  withInvocation(context, async () => runStep(parseTaskInput(StepTaskSchema, event, 'UpgradeStep'), defaultUpgradeDeps()));
