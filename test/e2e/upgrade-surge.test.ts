/**
 * The surge's give-back paths of a pool upgrade under someone else's scaling
 * and refusals: each node the upgrade surged for is taken back exactly once,
 * whoever removed it, and a rollback re-enables the old nodes it drained.
 */
import { startPoolUpgrade } from '../../sim/scenarios/pool-upgrade.js';
import { describe, expect, it } from 'vitest';
import { removeGrantedAction } from '../../sim/iam/deployed-iam.js';
import { SIM_TOKENS, type Simulation } from '../../sim/simulation.js';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { expectRolledBack, imageOfPool, lockOf } from './upgrade-expect.js';
import { clusterWorld, entered, expectDenials, MINUTE, settled } from './world.js';

const members = (sim: Simulation, asg: string): string[] => (sim.aws.api.group(asg)?.members ?? []).map((m) => m.instanceId);

/** The operator drains a node through the Nomad API (`nomad node drain -enable`): its work moves off. */
async function operatorDrain(sim: Simulation, instanceId: string): Promise<void> {
  const node = sim.hashistack.api.nodeOfInstance(instanceId);
  // The request holds the sim clock: without it the clock may jump ahead while it is on the wire, so
  // whether the cluster had settled when the drain started depended on the machine's load.
  const release = sim.clock.hold();
  const res = await fetch(`${process.env.NOMAD_ADDR}/v1/node/${node?.ID}/drain`, {
    method: 'POST',
    headers: { 'X-Nomad-Token': SIM_TOKENS.nomad, 'Content-Type': 'application/json' },
    body: JSON.stringify({ NodeID: node?.ID, DrainSpec: { Deadline: 600_000_000_000, IgnoreSystemJobs: true } }),
  }).finally(release);
  expect(res.status).toBe(200);
}

describe('poolUpgrade surge give-back', () => {
  it('a batch node someone else removed (with decrement) while the batch joined: its unit of surge is taken back by the drain step', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const [gone] = members(sim, pool).sort();
    // The operator empties the node first (maintenance), so its termination is quick: once the
    // cluster's work runs everywhere (a drain right after boot waits its deadline for migrations).
    await sim.clock.sleep(15 * MINUTE);
    await operatorDrain(sim, gone as string);
    await sim.clock.until(() => sim.hashistack.api.nodeOfInstance(gone as string)?.Drain === false, 30 * MINUTE);
    const e = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 2 });
    await sim.clock.until(() => entered(e, 'WaitJoin') > 0, 30 * MINUTE);
    // Desired 4 + surge 2 = 6; `aws autoscaling terminate-instance-in-auto-scaling-group --should-decrement-desired-capacity`: 5.
    expect(sim.aws.api.group(pool)?.desiredCapacity).toBe(6);
    sim.aws.api.terminateInstance(gone as string, true);
    await sim.clock.until(() => !members(sim, pool).includes(gone as string), 30 * MINUTE);
    expect(entered(e, 'DrainBatch')).toBe(0);
    await sim.clock.until(() => e.status !== 'RUNNING', 12 * 60 * MINUTE);
    expect(e.error ?? '').toBe('');
    expect(e.status).toBe('SUCCEEDED');
    await settled(sim);
    // The operator's scale-in is kept (4 − 1), the surge fully taken back.
    const g = sim.aws.api.group(pool);
    expect(g?.desiredCapacity).toBe(3);
    expect(g?.members).toHaveLength(3);
    expect(g?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)).toBe(true);
    expect(lockOf(sim, pool)).toBeUndefined();
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
  });

  it("a rollback after the batch's new node was removed by someone else (with decrement) takes the rest of the surge back itself", async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const before = members(sim, pool);
    const e = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 1 });
    await sim.clock.until(() => members(sim, pool).some((id) => !before.includes(id)), 30 * MINUTE);
    const fresh = members(sim, pool).find((id) => !before.includes(id)) as string;
    // The new node is taken away before it joined: the batch can never join, the upgrade stalls and rolls back.
    sim.aws.api.terminateInstance(fresh, true);
    await sim.clock.until(() => e.status !== 'RUNNING', 12 * 60 * MINUTE);
    expect(e.error).toBe('UpgradeRolledBack');
    expect(e.cause).toMatch(/UpgradeStalled/);
    await settled(sim);
    // 4 + surge 1 − the operator's 1 − the rollback's give-back of the surge: the operator's scale-in is kept.
    await expectRolledBack(sim, pool, oldImage, 3);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
  });

  it('a drain step whose termination is refused (a role without TerminateInstanceInAutoScalingGroup) rolls back and makes the old node it drained eligible again', async () => {
    const { sim, pool } = await clusterWorld({
      nodes: 2,
      iam: { edit: (iam) => removeGrantedAction(iam, 'upgradeDrainBatch', 'autoscaling:TerminateInstanceInAutoScalingGroup') },
    });
    expectDenials(sim);
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const e = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 1 });
    await sim.clock.until(() => e.status !== 'RUNNING', 12 * 60 * MINUTE);
    expect(e.error).toBe('UpgradeRolledBack');
    expect(e.cause).toMatch(/PermissionDenied/);
    expect(sim.iam.denials.map((d) => d.action)).toEqual(['autoscaling:TerminateInstanceInAutoScalingGroup']);
    await settled(sim);
    // The drained old node stayed in the group: the rollback cancelled its drain, it is eligible again.
    await expectRolledBack(sim, pool, oldImage, 2);
    expect(sim.recorder.apiCalls()['nomad:POST /v1/node/:id/drain']?.calls).toBeGreaterThanOrEqual(2);
  });
});
