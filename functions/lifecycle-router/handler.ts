/** EventBridge → lifecycle router: terminate actions of the cluster start the drain workflow. */
import type { Context } from 'aws-lambda';
import { describeGroup } from '../../src/aws/autoscaling.js';
import { startExecution } from '../../src/aws/sfn.js';
import { getConfig } from '../../src/config/index.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { routeLifecycleEvent, type RouteResult } from '../../src/workflows/router/route.js';

export const handler = async (event: unknown, context?: Context): Promise<RouteResult> =>
  withInvocation(context, () => routeLifecycleEvent(event, { config: getConfig(), describeGroup, startExecution }));
