/** serverReplace task Prepare: the servers to replace; refuses when the cluster or the group is not ready. */
import type { Context } from 'aws-lambda';
import { withInvocation } from '../../src/observability/invocation.js';
import { parseTaskInput } from '../../src/workflows/task.js';
import { defaultServerDeps } from '../../src/workflows/servers/deps.js';
import { prepareReplace } from '../../src/workflows/servers/replace-prepare.js';
import { ReplaceInputSchema, type ReplaceState } from '../../src/workflows/servers/replace-state.js';

export const handler = async (event: unknown, context?: Context): Promise<ReplaceState> =>
  withInvocation(context, async () => prepareReplace(parseTaskInput(ReplaceInputSchema, event, 'ReplacePrepare'), defaultServerDeps()));
