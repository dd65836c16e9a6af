import { describe, expect, it } from 'vitest';
import { startPoolUpgrade, upgradeEnded } from '../../sim/scenarios/pool-upgrade.js';
import type { Simulation } from '../../sim/simulation.js';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { expectRolledBack, imageOfPool, lockOf } from './upgrade-expect.js';
import { upgradeRaceScenario, upgradeRollbackCordonedScenario, upgradeScaleInScenario } from '../../sim/scenarios/upgrade-trouble.js';
import { clusterWorld, MINUTE, playScenario } from './world.js';

const WRITES =
  /^(autoscaling:(SetDesiredCapacity|UpdateAutoScalingGroup|TerminateInstanceInAutoScalingGroup|CreateOrUpdateTags|DeleteTags)|ssm:(PutParameter|DeleteParameter)|ec2:(CreateLaunchTemplateVersion|CreateTags|ModifyLaunchTemplate))$/;

/** AWS write calls answered so far. */
function writes(sim: Simulation): number {
  return Object.entries(sim.recorder.apiCalls())
    .filter(([k]) => WRITES.test(k))
    .reduce((n, [, v]) => n + v.calls, 0);
}

/** The lowest eligible client capacity of a node pool from now on (sampled on every timeline event). */
function watchEligible(sim: Simulation, nodePool: string): { value: number } {
  const lowest = { value: sim.hashistack.api.eligibleClientCapacity(nodePool) };
  sim.recorder.onEvent(() => {
    lowest.value = Math.min(lowest.value, sim.hashistack.api.eligibleClientCapacity(nodePool));
  });
  return lowest;
}

describe('poolUpgrade', () => {
  it('replaces every node of a client pool with the new image, surge first, never below the starting eligible capacity', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: 'self' });
    const before = sim.aws.api.group(pool)?.members.map((m) => m.instanceId) ?? [];
    const lowest = watchEligible(sim, 'general');
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: '25%' }));
    expect(e.error ?? '').toBe('');
    expect(e.status).toBe('SUCCEEDED');
    const g = sim.aws.api.group(pool);
    expect(g?.desiredCapacity).toBe(4);
    expect(g?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)).toBe(true);
    expect(g?.members.some((m) => before.includes(m.instanceId))).toBe(false);
    expect(lockOf(sim, pool)).toBeUndefined();
    expect(lowest.value).toBeGreaterThanOrEqual(4);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    const out = JSON.parse(e.output ?? '{}') as { outcome: string; replaced: string[]; timeline: Record<string, unknown[]> };
    expect(out.outcome).toBe('upgraded');
    expect(out.replaced.sort()).toEqual([...before].sort());
  });

  it('rolls a pool to an existing launch template version (launchTemplateVersion): the template default moves to it', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 2 });
    const group = sim.aws.api.group(pool);
    const image = sim.aws.api.registerImage({ name: 'hashistack-alpine-3.22-20260301', ownerId: 'self', architecture: 'arm64' });
    const version = sim.aws.api.createLaunchTemplateVersion({ launchTemplateId: group?.launchTemplate.id, imageId: image.imageId });
    const before = group?.members.map((m) => m.instanceId) ?? [];
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', launchTemplateVersion: version.versionNumber }));
    expect(`${e.error ?? ''} ${e.cause ?? ''}`.trim()).toBe('');
    expect(e.status).toBe('SUCCEEDED');
    const g = sim.aws.api.group(pool);
    expect(g?.launchTemplate.version).toBe('$Default');
    expect(sim.aws.models.ec2.findTemplate({ id: g?.launchTemplate.id }).defaultVersion).toBe(version.versionNumber);
    expect(sim.recorder.apiCalls()['autoscaling:UpdateAutoScalingGroup']).toBeUndefined();
    expect(g?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)).toBe(true);
    expect(g?.members.some((m) => before.includes(m.instanceId))).toBe(false);
  });

  it.each([
    [{ pool: 'nope', imageId: 'ami-0123456789abcdef0' }, /unknown pool "nope".*known pools: .*general \(hashistack-clients-general\)/],
    [{ pool: 'general', imageId: 'ami-0123456789abcdef0' }, /image ami-0123456789abcdef0 does not exist/],
    [{ pool: 'general', imageId: 'ami-0123456789abcdef0', launchTemplateVersion: 2 }, /imageId or launchTemplateVersion, not both/],
    [{ pool: 'general', imagId: 'ami-0123456789abcdef0' }, /unknown key "imagId" \(did you mean "imageId"\?\)/],
    [{ pool: 'general', imageId: 'ubuntu' }, /imageId: must be an AMI id/],
    [{ pool: 'general', launchTemplateVersion: 99 }, /version 99 .* does not exist/],
    [{ pool: 'general', imageId: 'ami-0123456789abcdef0', surge: 'lots' }, /surge/],
  ])('refuses %j in the first state with no AWS write', async (input, message) => {
    const { sim } = await clusterWorld({ nodes: 2 });
    const w = writes(sim);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, input));
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('InvalidUpgradeInput');
    expect(e.cause).toMatch(message);
    expect(writes(sim)).toBe(w);
    const run = sim.recorder.executionRecords().find((r) => r.executionArn === e.executionArn);
    expect(run?.stateTransitions).toBe(1);
  });

  it("refuses images outside amiFilter (another account's public AMI, a foreign name) in the first state, naming the rule, with no AWS write", async () => {
    const { sim } = await clusterWorld({ nodes: 2 });
    const foreign = sim.aws.api.registerImage({
      architecture: 'arm64',
      name: 'hashistack-alpine-3.22-20260201',
      ownerId: '999988887777',
      tags: { 'hashistack:os': 'alpine' },
    });
    const misnamed = sim.aws.api.registerImage({ architecture: 'arm64', name: 'ubuntu-24.04-base', ownerId: 'self' });
    const w = writes(sim);
    for (const [image, rule] of [
      [foreign.imageId, /its owner 999988887777 is not one of amiFilter\.owners \(self\)/],
      [misnamed.imageId, /its name "ubuntu-24\.04-base" does not match amiFilter\.namePattern "hashistack-alpine-\*"/],
    ] as const) {
      const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image }));
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('InvalidUpgradeInput');
      expect(e.cause).toMatch(rule);
      expect(e.cause).toMatch(/amiAllowedIds/);
    }
    expect(writes(sim)).toBe(w);
  });

  it('a group on $Default: the upgrade only adds a version and moves the default (never UpdateAutoScalingGroup); the rollback moves it back', async () => {
    // 3 servers and 2 clients launched first: every later launch never boots.
    const never = Array.from({ length: 60 }, (_, i) => i + 6);
    const { sim, pool } = await clusterWorld({ nodes: 2, faults: { neverBootOrdinals: never } });
    const lt = sim.aws.api.group(pool)?.launchTemplate;
    expect(lt?.version).toBe('$Default');
    const template = sim.aws.models.ec2.templates.get(lt?.id ?? '');
    const defaultBefore = template?.defaultVersion;
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-broken', ownerId: 'self' });
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.error).toBe('UpgradeRolledBack');
    expect(sim.recorder.apiCalls()['autoscaling:UpdateAutoScalingGroup']).toBeUndefined();
    expect(sim.recorder.apiCalls()['ec2:ModifyLaunchTemplate']?.calls ?? 0).toBe(2);
    expect(template?.defaultVersion).toBe(defaultBefore);
    expect(sim.aws.api.group(pool)?.launchTemplate.version).toBe('$Default');
    await expectRolledBack(sim, pool, oldImage, 2);
  });

  it('a group on $Latest: upgraded by a new latest version, rolled back by a copy of the old one', async () => {
    const never = Array.from({ length: 60 }, (_, i) => i + 6);
    const { sim, pool } = await clusterWorld({ nodes: 2, pool: { launchTemplateVersion: '$Latest' }, faults: { neverBootOrdinals: never } });
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-broken', ownerId: 'self' });
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.error).toBe('UpgradeRolledBack');
    expect(sim.recorder.apiCalls()['autoscaling:UpdateAutoScalingGroup']).toBeUndefined();
    await expectRolledBack(sim, pool, oldImage, 2);
  });

  it('refuses a group pinned to a launch template version, saying to use $Default', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 2 });
    const lt = sim.aws.api.group(pool)?.launchTemplate;
    sim.aws.api.updateAutoScalingGroup(pool, { launchTemplate: { id: lt?.id, version: '1' } });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const w = writes(sim);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.error).toBe('InvalidUpgradeInput');
    expect(e.cause).toMatch(/launches version 1 of launch template .*must launch "\$Default"/);
    expect(writes(sim)).toBe(w);
  });

  it('dryRun returns the plan and writes nothing', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const w = writes(sim);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool, imageId: image.imageId, dryRun: true }));
    expect(e.status).toBe('SUCCEEDED');
    const out = JSON.parse(e.output ?? '{}') as { outcome: string; plan: { batches: string[][]; surge: number; expectedDurationSeconds: number } };
    expect(out.outcome).toBe('dry-run');
    expect(out.plan.surge).toBe(1);
    expect(out.plan.batches).toHaveLength(4);
    expect(out.plan.expectedDurationSeconds).toBeGreaterThan(0);
    expect(writes(sim)).toBe(w);
  });

  it('rolls back when the new nodes never join: old image, every old node eligible, original size, lock released', async () => {
    const never = Array.from({ length: 60 }, (_, i) => i + 8);
    const { sim, pool } = await clusterWorld({ nodes: 4, faults: { neverBootOrdinals: never } });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-broken', ownerId: 'self' });
    const oldImage = imageOfPool(sim, pool);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('UpgradeRolledBack');
    expect(e.cause).toMatch(/UpgradeStalled/);
    await expectRolledBack(sim, pool, oldImage, 4);
  });

  it('refuses a second upgrade of a locked pool, in its first state, with no AWS write', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 2 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const first = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId });
    await sim.clock.until(() => lockOf(sim, pool) === first.executionArn, 10 * MINUTE);
    const second = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }), 10 * MINUTE);
    expect(second.status).toBe('FAILED');
    expect(second.error).toBe('PoolBusy');
    expect(second.cause).toContain(first.executionArn);
    // Refused in Validate (reads only): one state, nothing written by it.
    expect(sim.recorder.executionRecords().find((r) => r.executionArn === second.executionArn)?.stateTransitions).toBe(1);
    expect(lockOf(sim, pool)).toBe(first.executionArn);
    await upgradeEnded(sim, first);
    expect(first.status).toBe('SUCCEEDED');
  });

  it('a crash mid-upgrade (upgradeDrainBatch killed after its side effects) is retried in place: the step is idempotent, the upgrade completes', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 2, faults: { lambdaCrashes: [{ functionName: 'upgradeDrainBatch', onCall: 1 }] } });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.error ?? '').toBe('');
    expect(e.status).toBe('SUCCEEDED');
    expect(e.history.filter((h) => h.type === 'StateRetried')).toHaveLength(1);
    const g = sim.aws.api.group(pool);
    expect(g?.desiredCapacity).toBe(2);
    expect(g?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)).toBe(true);
    expect(lockOf(sim, pool)).toBeUndefined();
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
  });

  it('a step that keeps crashing (past its retries) rolls back and releases the lock', async () => {
    const lambdaCrashes = [1, 2, 3, 4].map((onCall) => ({ functionName: 'upgradeDrainBatch', onCall }));
    const { sim, pool } = await clusterWorld({ nodes: 2, faults: { lambdaCrashes } });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const crashed = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(crashed.status).toBe('FAILED');
    expect(crashed.error).toBe('UpgradeRolledBack');
    expect(crashed.cause).toMatch(/Lambda\.Unknown/);
    expect(lockOf(sim, pool)).toBeUndefined();
  });

  it('refuses an x86_64 image for the arm64 (m6g) pool in the first state, with no AWS write; EC2 itself would refuse the launch', async () => {
    const { sim } = await clusterWorld({ nodes: 2 });
    const image = sim.aws.api.registerImage({ architecture: 'x86_64', name: 'hashistack-alpine-amd64', ownerId: 'self' });
    const w = writes(sim);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.error).toBe('InvalidUpgradeInput');
    expect(e.cause).toContain(`imageId: image ${image.imageId} is x86_64, but pool general launches m6g.xlarge (arm64); give an arm64 image`);
    expect(writes(sim)).toBe(w);
    expect(sim.recorder.apiCalls()['ec2:DescribeInstanceTypes']?.calls).toBeGreaterThan(0);
  });

  it('a stopped execution (no Catch runs) leaves a stale lock that the next upgrade takes over', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 2 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const stopped = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId });
    await sim.clock.until(() => lockOf(sim, pool) === stopped.executionArn, 10 * MINUTE);
    sim.sfn.stopExecution(stopped.executionArn);
    await upgradeEnded(sim, stopped);
    expect(lockOf(sim, pool)).toBe(stopped.executionArn);
    await sim.clock.sleep(30 * MINUTE);
    // The stopped upgrade had already made its image the template's default: the next one brings another.
    const next = await upgradeEnded(
      sim,
      startPoolUpgrade(sim, {
        pool: 'general',
        imageId: sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-after', ownerId: 'self' }).imageId,
      }),
    );
    expect(next.error ?? '').toBe('');
    expect(next.status).toBe('SUCCEEDED');
    expect(lockOf(sim, pool)).toBeUndefined();
    // The takeover claim on the stopped holder was removed once the lock was overwritten.
    expect([...sim.aws.models.ssm.parameters.keys()].filter((k) => k.includes('upgrade-lock'))).toEqual([]);
    expect(sim.recorder.apiCalls()['ssm:DeleteParameter']?.calls).toBe(2);
  });

  // Upgrades that respect others: the scenarios of sim/scenarios/upgrade-trouble.ts, with their checks.
  it.each([upgradeRaceScenario, upgradeRollbackCordonedScenario, upgradeScaleInScenario])('$name: $description', async (scenario) => {
    const { sim, checks } = await playScenario(scenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    if (scenario === upgradeRollbackCordonedScenario) {
      // The operator's call is the only eligibility change besides the rollback's own: nothing re-enabled that it did not drain.
      expect(sim.recorder.apiCalls()['nomad:POST /v1/node/:id/eligibility']?.calls).toBe(1);
    }
  });
});
