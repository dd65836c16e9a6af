import { defaultScenario } from './default.js';
import { drainOverHookLimitScenario, lambdaThrottledScenario, noRoomScenario, tokenRotationScenario } from './fail-safe.js';
import { clientGoneScenario, routerOutageScenario, serverGoneScenario } from './out-of-band.js';
import { scaleInScenario } from './scale-in.js';
import { scaleOutScenario } from './scale-out.js';
import { serverReplaceScenario, serverTerminateTwoScenario } from './server-replace.js';
import type { Scenario } from './types.js';
import { upgradeScenario } from './upgrade.js';
import { upgradeAlarmScenario, upgradeUnhealthyScenario } from './upgrade-gates.js';

/** Every scenario `npm run sim` knows, by name. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [
    defaultScenario,
    scaleInScenario,
    scaleOutScenario,
    serverReplaceScenario,
    serverTerminateTwoScenario,
    upgradeScenario,
    upgradeUnhealthyScenario,
    upgradeAlarmScenario,
    tokenRotationScenario,
    lambdaThrottledScenario,
    drainOverHookLimitScenario,
    noRoomScenario,
    routerOutageScenario,
    clientGoneScenario,
    serverGoneScenario,
  ].map((s) => [s.name, s]),
);
