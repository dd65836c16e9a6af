import type { Simulation } from '../simulation.js';
import { check, type Check } from './types.js';

/**
 * What must hold after any scenario: every lifecycle action completed exactly
 * once by the control plane (none expired), terminate actions with CONTINUE,
 * and no allocation lost.
 */
export function lifecycleChecks(sim: Simulation): Check[] {
  const actions = sim.recorder.lifecycleActions();
  const terminate = actions.filter((a) => a.transition.endsWith('TERMINATING'));
  const launch = actions.filter((a) => a.transition.endsWith('LAUNCHING'));
  const badTerminate = terminate.filter((a) => a.result !== 'CONTINUE' || a.completeCallsSucceeded !== 1);
  const badLaunch = launch.filter((a) => a.result === null || a.result === 'EXPIRED' || a.completeCallsSucceeded !== 1);
  const describe = (xs: typeof actions): string => xs.map((a) => `${a.instanceId} ${a.result ?? 'pending'} x${a.completeCallsSucceeded}`).join(', ');
  const results = (xs: typeof actions): string =>
    Object.entries(
      xs.reduce<Record<string, number>>((acc, a) => {
        acc[a.result ?? 'pending'] = (acc[a.result ?? 'pending'] ?? 0) + 1;
        return acc;
      }, {}),
    )
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'none';
  const lost = sim.recorder.allocations.lost;
  return [
    check(
      'terminate actions completed exactly once with CONTINUE',
      badTerminate.length === 0,
      `${results(terminate)}${badTerminate.length ? `; not: ${describe(badTerminate)}` : ''}`,
    ),
    check(
      'launch actions completed exactly once, none expired',
      badLaunch.length === 0,
      `${results(launch)}${badLaunch.length ? `; not: ${describe(badLaunch)}` : ''}`,
    ),
    check('no allocation lost', lost === 0, `${lost} lost, ${sim.recorder.allocations.migrated} migrated`),
  ];
}

/**
 * No AWS request of the control plane was refused: every call it made is
 * allowed by its roles as packaged (an unexpected AccessDenied means a role
 * lacks a permission the code needs).
 */
export function iamCheck(sim: Simulation): Check {
  const denials = sim.iam.denials;
  const shown = denials
    .slice(0, 3)
    .map((d) => `${d.principal} ${d.action} on ${d.resource}`)
    .join('; ');
  return check(
    'no AWS request denied by IAM (roles as packaged)',
    denials.length === 0,
    `${sim.iam.evaluations} requests evaluated${sim.iam.enforce ? '' : ' (enforcement off)'}, ${denials.length} denied${shown ? `: ${shown}${denials.length > 3 ? '; …' : ''}` : ''}`,
  );
}
