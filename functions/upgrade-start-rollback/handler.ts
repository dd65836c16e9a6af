/** Pool upgrade step: rolls the upgrade back. */
import { describeGroup, setDesiredCapacity, terminateInstance } from '../../src/aws/autoscaling.js';
import { createLaunchTemplateVersion, setDefaultLaunchTemplateVersion } from '../../src/aws/ec2.js';
import { putEvent } from '../../src/aws/events.js';
import { clusterNomad } from '../../src/workflows/upgrade/cluster-nomad.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { startRollback, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeStartRollback',
  StepTaskSchema,
  () =>
    upgradeDeps({
      autoscaling: { describeGroup, setDesiredCapacity, terminateInstance },
      ec2: { createLaunchTemplateVersion, setDefaultLaunchTemplateVersion },
      events: { putEvent },
      nomad: clusterNomad,
    }),
  runStep(startRollback),
);
