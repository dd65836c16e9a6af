import { afterEach, describe, expect, it } from 'vitest';
import { resetConfig } from '../../src/config/index.js';
import type { Simulation } from '../../sim/simulation.js';
import { lockOf } from './upgrade-expect.js';
import { clusterWorld, MINUTE } from './world.js';

const WRITES = new Set([
  'autoscaling:SetDesiredCapacity',
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'autoscaling:CreateOrUpdateTags',
  'autoscaling:DeleteTags',
  'ec2:CreateLaunchTemplateVersion',
  'ec2:CreateTags',
  'ec2:ModifyLaunchTemplate',
  'sfn:StartExecution',
]);

/** AWS write calls answered so far (StartExecution included: a cluster upgrade writes through its pools). */
function writes(sim: Simulation): number {
  return Object.entries(sim.recorder.apiCalls())
    .filter(([k]) => WRITES.has(k))
    .reduce((n, [, v]) => n + v.calls, 0);
}

function startClusterUpgrade(sim: Simulation, input: unknown) {
  return sim.sfn.startExecution(sim.sfn.machine('clusterUpgrade').arn, undefined, JSON.stringify(input));
}

async function finished(sim: Simulation, e: ReturnType<typeof startClusterUpgrade>, limitMs = 24 * 60 * MINUTE) {
  await sim.clock.until(() => e.status !== 'RUNNING', limitMs);
  return e;
}

function scheduledEvent(sim: Simulation) {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(sim.clock.now()).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}

describe('clusterUpgrade', () => {
  it('upgrades the server pool first, then the client pool, and ends SUCCEEDED with a per-pool summary', async () => {
    const { sim, cluster, pool } = await clusterWorld({ nodes: 2 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: 'self' });
    const e = await finished(sim, startClusterUpgrade(sim, { imageId: image.imageId }));
    expect(e.error ?? '').toBe('');
    expect(e.status).toBe('SUCCEEDED');
    const out = JSON.parse(e.output ?? '{}') as { outcome: string; pools: { pool: string; role: string; status: string; executionArn: string }[] };
    expect(out.outcome).toBe('upgraded');
    expect(out.pools.map((p) => [p.pool, p.role, p.status])).toEqual([
      ['servers', 'server', 'upgraded'],
      ['general', 'client', 'upgraded'],
    ]);
    // Servers first: the client pool's upgrade started after the server pool's ended.
    const runs = out.pools.map((p) => sim.recorder.executionRecords().find((r) => r.executionArn === p.executionArn));
    expect(runs.every((r) => r?.status === 'SUCCEEDED')).toBe(true);
    expect(Date.parse(String(runs[1]?.startedAt))).toBeGreaterThanOrEqual(Date.parse(String(runs[0]?.stoppedAt)));
    for (const asg of [cluster.serverGroup, pool]) {
      const g = sim.aws.api.group(asg);
      expect(g?.members.length).toBeGreaterThan(0);
      expect(g?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)).toBe(true);
    }
  });

  it('stops at the first pool that fails: servers stay upgraded, the client pool rolled itself back', async () => {
    // t0: 3 servers + 2 clients (ordinals 1-5); the server replacement launches 6-8; the client surge 9 on never boots.
    const { sim, cluster, pool } = await clusterWorld({ nodes: 2, faults: { neverBootOrdinals: [9, 10, 11, 12, 13, 14] } });
    const old = cluster.imageId;
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: 'self' });
    const e = await finished(sim, startClusterUpgrade(sim, { imageId: image.imageId }));
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('PoolUpgradeFailed');
    expect(e.cause).toContain('general');
    const servers = sim.aws.api.group(cluster.serverGroup);
    expect(servers?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)).toBe(true);
    const clients = sim.aws.api.group(pool);
    expect(clients?.members).toHaveLength(2);
    expect(clients?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId === old)).toBe(true);
    for (const m of clients?.members ?? []) expect(sim.hashistack.api.nodeOfInstance(m.instanceId)?.SchedulingEligibility).toBe('eligible');
  });

  it('refuses in its first state while a pool is being upgraded (a running poolUpgrade holds the lock)', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 2 });
    const image = sim.aws.api.registerImage({ name: 'hashistack-alpine-3.22-20260301', ownerId: 'self', architecture: 'arm64' });
    const poolUpgrade = sim.sfn.startExecution(sim.sfn.machine('poolUpgrade').arn, undefined, JSON.stringify({ pool: 'general', imageId: image.imageId }));
    await sim.clock.until(() => lockOf(sim, pool) === poolUpgrade.executionArn, 10 * MINUTE);
    const newer = sim.aws.api.registerImage({ name: 'hashistack-alpine-3.22-20260401', ownerId: 'self', architecture: 'arm64' });
    const e = await finished(sim, startClusterUpgrade(sim, { imageId: newer.imageId }));
    expect(e.status).toBe('FAILED');
    expect(e.cause).toContain(poolUpgrade.executionArn);
    expect(sim.recorder.executionRecords().find((r) => r.executionArn === e.executionArn)?.stateTransitions).toBe(1);
    await sim.clock.until(() => poolUpgrade.status !== 'RUNNING', 12 * 60 * MINUTE);
    expect(poolUpgrade.status).toBe('SUCCEEDED');
  });

  it.each([
    [{ images: { nope: 'ami-0123456789abcdef0' } }, /images: unknown pool "nope".*known pools: .*general \(hashistack-clients-general\)/],
    [{ imageId: 'ami-0123456789abcdef0' }, /image ami-0123456789abcdef0 does not exist/],
    [{ imageId: 'ami-0123456789abcdef0', surge: 'lots' }, /surge/],
    [{ imagId: 'ami-0123456789abcdef0' }, /unknown key "imagId" \(did you mean "imageId"\?\)/],
  ])('refuses %j in the first state with no AWS write', async (input, message) => {
    const { sim } = await clusterWorld({ nodes: 2 });
    const w = writes(sim);
    const e = await finished(sim, startClusterUpgrade(sim, input), 60 * MINUTE);
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('InvalidUpgradeInput');
    expect(e.cause).toMatch(message);
    expect(writes(sim)).toBe(w);
    expect(sim.recorder.executionRecords().find((r) => r.executionArn === e.executionArn)?.stateTransitions).toBe(1);
  });

  describe('images outside amiFilter', () => {
    const saved = process.env.AMI_ALLOWED_IDS;
    afterEach(() => {
      process.env.AMI_ALLOWED_IDS = saved;
      resetConfig();
    });

    it("refuses another account's public AMI in the first state, naming the rule; amiAllowedIds admits it", async () => {
      const { sim } = await clusterWorld({ nodes: 2 });
      const foreign = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: '999988887777' });
      const w = writes(sim);
      const refused = await finished(sim, startClusterUpgrade(sim, { imageId: foreign.imageId, dryRun: true }), 60 * MINUTE);
      expect(refused.error).toBe('InvalidUpgradeInput');
      expect(refused.cause).toMatch(/its owner 999988887777 is not one of amiFilter\.owners \(self\)/);
      expect(writes(sim)).toBe(w);
      process.env.AMI_ALLOWED_IDS = foreign.imageId;
      resetConfig();
      const allowed = await finished(sim, startClusterUpgrade(sim, { imageId: foreign.imageId, dryRun: true }), 60 * MINUTE);
      expect(allowed.error ?? '').toBe('');
      expect(allowed.status).toBe('SUCCEEDED');
    });
  });
});

describe('amiRefresh', () => {
  it('with autoUpgrade off (example config) reports the drift of every pool and starts nothing', async () => {
    const { sim, cluster, pool } = await clusterWorld({ nodes: 2 });
    await sim.clock.sleep(MINUTE);
    const newer = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: 'self' });
    sim.aws.api.registerImage({ architecture: 'arm64', name: 'ubuntu-24.04-20260301', ownerId: 'self' });
    const w = writes(sim);
    const r = (await sim.lambda.invoke('amiRefresh', scheduledEvent(sim))) as {
      pools: { asgName: string; currentImageId: string; newestImageId: string; drift: boolean }[];
      decision: { action: string; reason?: string };
    };
    expect(r.decision).toEqual({ action: 'report', reason: 'auto-upgrade-off' });
    expect(r.pools.map((p) => [p.asgName, p.currentImageId, p.newestImageId, p.drift]).sort()).toEqual(
      [
        [cluster.serverGroup, cluster.imageId, newer.imageId, true],
        [pool, cluster.imageId, newer.imageId, true],
      ].sort(),
    );
    expect(writes(sim)).toBe(w);
    expect(sim.sfn.list().filter((e) => e.stateMachineArn === sim.sfn.machine('clusterUpgrade').arn)).toEqual([]);
  });

  it('reports no drift when every pool runs the newest matching image', async () => {
    const { sim } = await clusterWorld({ nodes: 2 });
    const r = (await sim.lambda.invoke('amiRefresh', scheduledEvent(sim))) as { pools: { drift: boolean }[]; decision: { action: string } };
    expect(r.pools).toHaveLength(2);
    expect(r.pools.every((p) => !p.drift)).toBe(true);
    expect(r.decision.action).toBe('none');
  });

  describe('with autoUpgrade on', () => {
    const saved = { AUTO_UPGRADE: process.env.AUTO_UPGRADE, MAINTENANCE_WINDOW: process.env.MAINTENANCE_WINDOW };
    afterEach(() => {
      Object.assign(process.env, saved);
      resetConfig();
    });

    it('inside the maintenance window starts one cluster upgrade of the drifted pools; a re-delivered event starts nothing more', async () => {
      const { sim } = await clusterWorld({ nodes: 2 });
      const newer = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: 'self' });
      // The simulation starts on Monday 2026-01-05 09:00 UTC.
      Object.assign(process.env, { AUTO_UPGRADE: 'true', MAINTENANCE_WINDOW: 'Mon 08:00-12:00' });
      resetConfig();
      const event = scheduledEvent(sim);
      const first = (await sim.lambda.invoke('amiRefresh', event)) as { decision: { action: string } };
      const again = (await sim.lambda.invoke('amiRefresh', event)) as { decision: { action: string } };
      expect(first.decision.action).toBe('upgrade');
      expect(again.decision.action).toBe('upgrade');
      const upgrades = sim.sfn.list().filter((e) => e.stateMachineArn === sim.sfn.machine('clusterUpgrade').arn);
      expect(upgrades).toHaveLength(1);
      expect(JSON.parse(upgrades[0]?.input ?? '{}')).toMatchObject({ images: expect.objectContaining({}) });
      expect(upgrades[0]?.input).toContain(newer.imageId);
    });

    it('outside the maintenance window only reports', async () => {
      const { sim } = await clusterWorld({ nodes: 2 });
      sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-3.22-20260201', ownerId: 'self' });
      Object.assign(process.env, { AUTO_UPGRADE: 'true', MAINTENANCE_WINDOW: 'Sun 02:00-06:00' });
      resetConfig();
      const r = (await sim.lambda.invoke('amiRefresh', scheduledEvent(sim))) as { decision: { action: string } };
      expect(r.decision.action).toBe('report');
      expect(sim.sfn.list().filter((e) => e.stateMachineArn === sim.sfn.machine('clusterUpgrade').arn)).toEqual([]);
    });
  });
});
