/** EventBridge → Spot interruption warnings, rebalance recommendations and scheduled instance maintenance of the cluster's instances. */
import * as z from '../../src/validation/zod.js';
import { describeAutoScalingInstance, describeGroup, terminateInstance } from '../../src/aws/autoscaling.js';
import { startExecution } from '../../src/aws/sfn.js';
import { getConfig } from '../../src/config/index.js';
import { clusterClients } from '../../src/hashicorp/clients.js';
import { now } from '../../src/time/clock.js';
import { handleInstanceNotice, NOTICE_ENDPOINTS } from '../../src/workflows/notices/handle.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

const deps = () => ({
  config: getConfig(),
  describeAutoScalingInstance,
  describeGroup,
  nomad: clusterClients(NOTICE_ENDPOINTS).nomad,
  startExecution,
  terminateInstance,
  now,
});

/** The handler parses the event itself: anything that is not a notice about a cluster instance is ignored, not an error. */
export const handler = taskHandler('InstanceNotice', z.unknown(), deps, handleInstanceNotice);
