/** noticeReplace TerminateOld: the old instance goes through the terminate hook, desired capacity back by one. */
import { terminateInstance } from '../../src/aws/autoscaling.js';
import { finishSurge, SurgeStateSchema } from '../../src/workflows/notices/surge.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('TerminateOld', SurgeStateSchema, () => ({ terminateInstance }), finishSurge);
