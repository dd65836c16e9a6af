import { defaultScenario } from './default.js';
import { mtlsScenario } from './mtls.js';
import { drainOverHookLimitScenario, lambdaOutageScenario, lambdaThrottledScenario, noRoomScenario, tokenRotationScenario } from './fail-safe.js';
import { clientGoneScenario, routerOutageScenario, serverGoneScenario } from './out-of-band.js';
import { scaleInScenario } from './scale-in.js';
import { scaleOutScenario } from './scale-out.js';
import { serverReplaceScenario, serverTerminateTwoScenario } from './server-replace.js';
import {
  rebalanceScenario,
  rebalanceSurgeScenario,
  retirementWindowScenario,
  scheduledRetirementScenario,
  spotInterruptionRebalancingScenario,
  spotInterruptionScenario,
  warmPoolScenario,
} from './spot.js';
import { snapshotFailsPlannedScenario, snapshotFailsUnplannedScenario } from './snapshots.js';
import { serverReplaceHostnameScenario, serverReplaceNoVaultScenario, serverReplaceSplitScenario } from './topologies.js';
import type { Scenario } from './types.js';
import { upgradeScenario } from './upgrade.js';
import { upgradeRaceScenario, upgradeRollbackCordonedScenario, upgradeScaleInScenario } from './upgrade-trouble.js';
import { upgradeAlarmScenario, upgradeDeploymentScenario, upgradeUnhealthyScenario } from './upgrade-gates.js';

/** Every scenario `npm run sim` knows, by name. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [
    defaultScenario,
    mtlsScenario,
    scaleInScenario,
    scaleOutScenario,
    serverReplaceScenario,
    serverTerminateTwoScenario,
    serverReplaceSplitScenario,
    serverReplaceNoVaultScenario,
    serverReplaceHostnameScenario,
    snapshotFailsPlannedScenario,
    snapshotFailsUnplannedScenario,
    upgradeScenario,
    upgradeRaceScenario,
    upgradeRollbackCordonedScenario,
    upgradeScaleInScenario,
    upgradeUnhealthyScenario,
    upgradeAlarmScenario,
    upgradeDeploymentScenario,
    tokenRotationScenario,
    lambdaThrottledScenario,
    lambdaOutageScenario,
    drainOverHookLimitScenario,
    noRoomScenario,
    routerOutageScenario,
    clientGoneScenario,
    serverGoneScenario,
    spotInterruptionScenario,
    spotInterruptionRebalancingScenario,
    rebalanceScenario,
    rebalanceSurgeScenario,
    scheduledRetirementScenario,
    retirementWindowScenario,
    warmPoolScenario,
  ].map((s) => [s.name, s]),
);
