/** Pool upgrade step: writes the new launch template version (and moves $Default). */
import { createLaunchTemplateVersion, setDefaultLaunchTemplateVersion } from '../../src/aws/ec2.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { setLaunchTemplate, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeSetLaunchTemplate',
  StepTaskSchema,
  () => upgradeDeps({ ec2: { createLaunchTemplateVersion, setDefaultLaunchTemplateVersion } }),
  runStep(setLaunchTemplate),
);
