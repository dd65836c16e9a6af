/**
 * Pool upgrade approval (waitForTaskToken): logs the task token and the
 * commands that approve or reject; the execution waits for one of them.
 */
import { getLogger } from '../../src/observability/logger.js';
import { ApprovalTaskSchema, notifyApproval } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('Approval', ApprovalTaskSchema, getLogger, notifyApproval);
