/** Scheduled: report AMI drift per pool; with auto-upgrade on and inside the maintenance window, start a cluster upgrade. */
import { describeGroupsByClusterTag } from '../../src/aws/autoscaling.js';
import { describeImages, describeLaunchTemplateVersions } from '../../src/aws/ec2.js';
import { startExecution } from '../../src/aws/sfn.js';
import { getConfig } from '../../src/config/index.js';
import { now } from '../../src/time/clock.js';
import { refreshAmis, ScheduledEventSchema } from '../../src/workflows/ami-refresh/refresh.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

// Cold start: an invalid MAINTENANCE_WINDOW (or any other variable) fails the container with ConfigError.
getConfig();

export const handler = taskHandler(
  'AmiRefresh',
  ScheduledEventSchema,
  () => ({
    config: getConfig(),
    autoscaling: { describeGroupsByClusterTag },
    ec2: { describeImages, describeLaunchTemplateVersions },
    sfn: { startExecution },
    now,
  }),
  refreshAmis,
);
