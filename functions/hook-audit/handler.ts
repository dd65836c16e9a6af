/** Scheduled: report cluster groups whose lifecycle hooks are missing or misconfigured. */
import type { Context } from 'aws-lambda';
import { describeGroupsByClusterTag, describeLifecycleHooks } from '../../src/aws/autoscaling.js';
import { getConfig } from '../../src/config/index.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { auditHooks, type HookFinding } from '../../src/workflows/hook-audit/audit.js';

export const handler = async (_event: unknown, context?: Context): Promise<{ groups: number; findings: HookFinding[] }> =>
  withInvocation(context, () => auditHooks({ config: getConfig(), describeGroupsByClusterTag, describeLifecycleHooks }));
