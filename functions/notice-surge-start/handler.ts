/** noticeReplace SurgeStart: +1 desired capacity for a rebalance replacement (one at a time: reserved concurrency 1). */
import { describeGroup, setDesiredCapacity, terminateInstance } from '../../src/aws/autoscaling.js';
import { createTags, describeInstance } from '../../src/aws/ec2.js';
import { startSurge, SurgeStateSchema } from '../../src/workflows/notices/surge.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'SurgeStart',
  SurgeStateSchema,
  () => ({ describeGroup, setDesiredCapacity, terminateInstance, describeInstance, createTags }),
  startSurge,
);
