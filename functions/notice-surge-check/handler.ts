/** noticeReplace CheckReplacement: is the surge's replacement InService (joined)? */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { checkSurge, SurgeStateSchema } from '../../src/workflows/notices/surge.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('CheckReplacement', SurgeStateSchema, () => ({ describeGroup }), checkSurge);
