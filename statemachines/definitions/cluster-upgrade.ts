/** Upgrade of every pool, servers first (see README "Upgrades"). */
import { POOL_CHECK_PHASES } from '../../src/workflows/cluster-upgrade/state.js';
import type { ClusterStepName } from '../../src/workflows/cluster-upgrade/tasks.js';
import { branches, choice, fail, isTrue, lambda, machine, wait, type StateName } from '../builder/asl.js';
import { catchAll, stepTask } from '../builder/fragments.js';

/** State names as the console shows them. */
export const CLUSTER_UPGRADE = {
  validate: 'Validate',
  startNextPool: 'StartNextPool',
  allPoolsDone: 'AllPoolsDone?',
  waitPool: 'WaitPool',
  checkPool: 'CheckPool',
  poolResult: 'PoolResult?',
  finish: 'Finish',
  poolFailed: 'PoolFailed',
  errored: 'Errored',
} as const;
const S = CLUSTER_UPGRADE;

/** The function of a step: one per step (`clusterUpgradeStartNextPool`, ...), each with only its step's permissions. */
const stepFunction = (name: ClusterStepName): string => `clusterUpgrade${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
const step = (name: ClusterStepName, next: StateName | null, comment?: string) =>
  stepTask(lambda(stepFunction(name)), {
    comment,
    parameters: { 'state.$': '$' },
    timeoutSeconds: 60,
    outputPath: next === null ? '$.summary' : undefined,
    onError: [catchAll(S.errored, '$.failure')],
    next,
  });

export const clusterUpgrade = machine(
  'Upgrade every pool of the cluster to new images, one poolUpgrade execution at a time: server pools first, then client pools; stops at the first failed pool',
  1209600,
  {
    [S.validate]: stepTask(lambda('clusterUpgradeValidate'), {
      comment: 'Reads only: an unknown pool or image fails here with nothing changed',
      parameters: { 'input.$': '$', 'executionArn.$': '$$.Execution.Id' },
      timeoutSeconds: 120,
      next: S.startNextPool,
    }),
    [S.startNextPool]: step('startNextPool', S.allPoolsDone, 'StartExecution of poolUpgrade for the next pending pool (deterministic name)'),
    [S.allPoolsDone]: choice([isTrue('$.progress.done', S.finish)], S.waitPool),
    [S.waitPool]: wait({ seconds: 60 }, S.checkPool),
    [S.checkPool]: step('checkPool', S.poolResult, "DescribeExecution of the current pool's upgrade"),
    [S.poolResult]: choice(
      branches('$.progress.phase', POOL_CHECK_PHASES, { running: S.waitPool, succeeded: S.startNextPool, failed: S.poolFailed }),
      S.startNextPool,
    ),
    [S.finish]: step('finish', null),
    [S.poolFailed]: fail({
      comment: 'Pools already upgraded stay upgraded; the failed pool rolled itself back; the rest were not started',
      error: 'PoolUpgradeFailed',
      causePath: '$.cause',
    }),
    [S.errored]: fail({ errorPath: '$.failure.Error', causePath: '$.failure.Cause' }),
  },
);
