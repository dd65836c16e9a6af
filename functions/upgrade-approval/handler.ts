/**
 * Pool upgrade approval (waitForTaskToken): logs the task token and the
 * commands that approve or reject; the execution waits for one of them.
 */
import type { Context } from 'aws-lambda';
import { getLogger } from '../../src/observability/logger.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { ApprovalTaskSchema } from '../../src/workflows/upgrade/tasks.js';
import { parseTaskInput } from '../../src/workflows/task.js';

export const handler = async (event: unknown, context?: Context): Promise<{ notified: true }> =>
  withInvocation(context, async () => {
    const task = parseTaskInput(ApprovalTaskSchema, event, 'Approval');
    getLogger().warn('pool upgrade waits for approval', {
      pool: task.pool,
      executionArn: task.executionArn,
      batchesDone: task.batchesDone,
      batchesLeft: task.batchesLeft,
      taskToken: task.token,
      approve: `aws stepfunctions send-task-success --task-token '${task.token}' --task-output '{}'`,
      reject: `aws stepfunctions send-task-failure --task-token '${task.token}' --error UpgradeRejected --cause 'why'`,
    });
    return { notified: true };
  });
