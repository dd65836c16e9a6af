/** Pool upgrade step: takes the pool's upgrade lock and records the nodes the operator holds. */
import { describeGroup } from '../../src/aws/autoscaling.js';
import { putEvent } from '../../src/aws/events.js';
import { describeExecution } from '../../src/aws/sfn.js';
import { createParameterIfAbsent, deleteParameter, overwriteParameter, readParameter } from '../../src/aws/ssm.js';
import { clusterNomad } from '../../src/workflows/upgrade/cluster-nomad.js';
import { upgradeDeps } from '../../src/workflows/upgrade/deps.js';
import { takeLock, runStep, StepTaskSchema } from '../../src/workflows/upgrade/steps.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler(
  'UpgradeTakeLock',
  StepTaskSchema,
  () =>
    upgradeDeps({
      autoscaling: { describeGroup },
      sfn: { describeExecution },
      ssm: { createParameterIfAbsent, readParameter, overwriteParameter, deleteParameter },
      events: { putEvent },
      nomad: clusterNomad,
    }),
  runStep(takeLock),
);
