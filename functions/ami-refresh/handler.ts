/** Scheduled: report AMI drift per pool; with auto-upgrade on and inside the maintenance window, start a cluster upgrade. */
import type { Context } from 'aws-lambda';
import * as autoscaling from '../../src/aws/autoscaling.js';
import * as ec2 from '../../src/aws/ec2.js';
import * as sfn from '../../src/aws/sfn.js';
import { getConfig } from '../../src/config/index.js';
import { withInvocation } from '../../src/observability/invocation.js';
import { now } from '../../src/time/clock.js';
import { refreshAmis, ScheduledEventSchema, type AmiRefreshResult } from '../../src/workflows/ami-refresh/refresh.js';
import { parseTaskInput } from '../../src/workflows/task.js';

// Cold start: an invalid MAINTENANCE_WINDOW (or any other variable) fails the container with ConfigError.
getConfig();

export const handler = async (event: unknown, context?: Context): Promise<AmiRefreshResult> =>
  withInvocation(context, () => refreshAmis(parseTaskInput(ScheduledEventSchema, event, 'AmiRefresh'), { config: getConfig(), autoscaling, ec2, sfn, now }));
