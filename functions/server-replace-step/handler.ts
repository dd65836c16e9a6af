/** serverReplace task Step: launch one, wait until it is a healthy voter, terminate one old server, wait until it is removed. */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { parseTaskInput } from '../../src/workflows/task.js';
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { stepReplace } from '../../src/workflows/servers/replace-step.js';
import { ReplaceStateSchema, type ReplaceState } from '../../src/workflows/servers/replace-state.js';

export const handler = async (event: unknown, context?: Context): Promise<ReplaceState> =>
  withInvocation(context, async () => stepReplace(parseTaskInput(ReplaceStateSchema, event, 'ReplaceStep'), defaultServerDeps()));
