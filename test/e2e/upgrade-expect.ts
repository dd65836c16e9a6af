import { expect } from 'vitest';
import type { Simulation } from '../../sim/simulation.js';
import { lockParameterName } from '../../src/workflows/upgrade/lock.js';
import { MINUTE } from './world.js';

/** The execution ARN holding the pool's upgrade lock (its SSM parameter), if any. */
export function lockOf(sim: Simulation, asg: string): string | undefined {
  return sim.aws.api.parameter(lockParameterName(String(sim.deploy.stageConfig.clusterName), asg))?.value;
}

/** The image the pool's first member runs (its image before an upgrade). */
export function imageOfPool(sim: Simulation, asg: string): string | undefined {
  return sim.aws.api.instance(sim.aws.api.group(asg)?.members[0]?.instanceId ?? '')?.imageId;
}

/**
 * A rolled-back pool of `size` nodes in pool `general`: back at its size, every
 * member on the old image and eligible, the lock released.
 */
export async function expectRolledBack(sim: Simulation, asg: string, oldImage: string | undefined, size: number): Promise<void> {
  await sim.clock.until(() => (sim.aws.api.group(asg)?.members ?? []).every((m) => m.lifecycleState === 'InService'), 60 * MINUTE);
  const g = sim.aws.api.group(asg);
  expect(g?.desiredCapacity).toBe(size);
  expect(g?.members).toHaveLength(size);
  for (const m of g?.members ?? []) {
    expect(sim.aws.api.instance(m.instanceId)?.imageId).toBe(oldImage);
    expect(sim.hashistack.api.nodeOfInstance(m.instanceId)?.SchedulingEligibility).toBe('eligible');
  }
  expect(sim.hashistack.api.eligibleClientCapacity('general')).toBe(size);
  expect(lockOf(sim, asg)).toBeUndefined();
}
