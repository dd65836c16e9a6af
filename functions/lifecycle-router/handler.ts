/** EventBridge → lifecycle router: launch actions of the cluster start the join workflow, terminate actions the drain workflow. */
import * as z from '../../src/validation/zod.js';
import { completeLifecycleAction, describeAutoScalingInstance, describeGroup } from '../../src/aws/autoscaling.js';
import { describeExecution, listExecutions, startExecution, stopExecution } from '../../src/aws/sfn.js';
import { getConfig } from '../../src/config/index.js';
import { routeLifecycleEvent } from '../../src/workflows/router/route.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

const deps = () => ({
  config: getConfig(),
  describeGroup,
  describeAutoScalingInstance,
  startExecution,
  listExecutions,
  stopExecution,
  describeExecution,
  completeLifecycleAction,
});

/** The router parses the event itself: anything that is not a lifecycle action of the cluster is ignored, not an error. */
export const handler = taskHandler('LifecycleRouter', z.unknown(), deps, routeLifecycleEvent);
