import type { Simulation } from '../simulation.js';
import { check, type Check } from './types.js';

/**
 * What must hold after any scenario: every terminate action completed exactly
 * once with CONTINUE and none expired; every launch action ended; no
 * allocation lost.
 */
export function lifecycleChecks(sim: Simulation): Check[] {
  const actions = sim.recorder.lifecycleActions();
  const terminate = actions.filter((a) => a.transition.endsWith('TERMINATING'));
  const launch = actions.filter((a) => a.transition.endsWith('LAUNCHING'));
  const badTerminate = terminate.filter((a) => a.result !== 'CONTINUE' || a.completeCallsSucceeded !== 1);
  const pendingLaunch = launch.filter((a) => a.result === null);
  const expiredLaunch = launch.filter((a) => a.result === 'EXPIRED');
  const lost = sim.recorder.allocations.lost;
  return [
    check(
      'terminate actions completed exactly once with CONTINUE',
      terminate.length > 0 && badTerminate.length === 0,
      `${terminate.length - badTerminate.length}/${terminate.length}` +
        (badTerminate.length ? `; not: ${badTerminate.map((a) => `${a.instanceId} ${a.result ?? 'pending'} x${a.completeCallsSucceeded}`).join(', ')}` : ''),
    ),
    check('launch actions ended', pendingLaunch.length === 0, `${launch.length - pendingLaunch.length}/${launch.length} ended, ${expiredLaunch.length} by expiry`),
    check('no allocation lost', lost === 0, `${lost} lost, ${sim.recorder.allocations.migrated} migrated`),
  ];
}
