/** Scheduled: report cluster groups whose lifecycle hooks are missing or misconfigured. */
import * as z from '../../src/validation/zod.js';
import { describeGroupsByClusterTag, describeLifecycleHooks } from '../../src/aws/autoscaling.js';
import { getConfig } from '../../src/config/index.js';
import { auditHooks } from '../../src/workflows/hook-audit/audit.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

const deps = () => ({ config: getConfig(), describeGroupsByClusterTag, describeLifecycleHooks });

export const handler = taskHandler('HookAudit', z.unknown(), deps, (_event, d) => auditHooks(d));
