/** EventBridge → lifecycle router: launch actions of the cluster start the join workflow, terminate actions the drain workflow. */
import type { Context } from 'aws-lambda';
import { describeAutoScalingInstance, describeGroup } from '../../src/aws/autoscaling.js';
import { listExecutions, startExecution, stopExecution } from '../../src/aws/sfn.js';
import { getConfig } from '../../src/config/index.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { routeLifecycleEvent, type RouteResult } from '../../src/workflows/router/route.js';

export const handler = async (event: unknown, context?: Context): Promise<RouteResult> =>
  withInvocation(context, () => routeLifecycleEvent(event, { config: getConfig(), describeGroup, describeAutoScalingInstance, startExecution, listExecutions, stopExecution }));
