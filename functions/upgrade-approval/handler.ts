/**
 * Pool upgrade approval (waitForTaskToken): publishes the approval request
 * (task token, the commands that approve or reject, the console link) as a
 * milestone event routed to the alerts topic; the execution waits for an answer.
 */
import { putEvent } from '../../src/aws/events.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { ApprovalTaskSchema, notifyApproval } from '../../src/workflows/upgrade/tasks.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('Approval', ApprovalTaskSchema, () => upgradeDeps({ events: { putEvent } }), notifyApproval);
