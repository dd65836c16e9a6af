/**
 * Health-gated rollouts: the next batch waits for the work on the new nodes
 * to be healthy (Nomad allocations) and baked; unhealthy work, a CloudWatch
 * alarm in ALARM, or work not healthy in time roll the upgrade back;
 * checkpoints ask for approval through the alerts topic; milestones go to the bus.
 */
import { startPoolUpgrade, upgradeEnded } from '../../sim/scenarios/pool-upgrade.js';
import { describe, expect, it } from 'vitest';
import type { Execution } from '../../sim/runtime/stepfunctions.js';
import type { Simulation } from '../../sim/simulation.js';
import { MILESTONE_DETAIL_TYPES, MILESTONE_SOURCE, type MilestoneDetail, MilestoneDetailSchema } from '../../src/events/milestones.js';
import { expectRolledBack, imageOfPool, lockOf } from './upgrade-expect.js';
import { clusterWorld, entered, MINUTE } from './world.js';

const ALARM = 'hashistack-general-service-errors';

/** How often the execution entered a state. */
/** When the execution first entered a state (epoch ms). */
const enteredAt = (e: Execution, state: string): number | undefined => {
  const h = e.history.find((x) => x.type === 'StateEntered' && x.state === state);
  return h ? Date.parse(h.at) : undefined;
};

/** Milestone events of this execution put on the bus, by detail-type. */
function milestones(sim: Simulation, e: Execution): string[] {
  return sim.eventsApi.put.filter((x) => x.source === MILESTONE_SOURCE && x.resources.includes(e.executionArn)).map((x) => x['detail-type']);
}

describe('poolUpgrade, health-gated', () => {
  it('a batch whose jobs never become healthy on the new nodes rolls back before the next batch', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-breaks-web', ownerId: 'self' });
    sim.faults.cluster.unhealthyImages.push(image.imageId);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 1 }));
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('UpgradeRolledBack');
    expect(e.cause).toMatch(/UpgradeUnhealthy: .*work on the new nodes is not healthy: .* unhealthy/);
    // One batch started, none after it.
    expect(entered(e, 'StartBatch')).toBe(1);
    await expectRolledBack(sim, pool, oldImage, 4);
    // The on-call hears of it: the alert on the topic, the rolled-back milestone on the bus.
    const alerts = sim.events.notifications.filter((n) => n.event['detail-type'] === MILESTONE_DETAIL_TYPES.alert);
    expect(alerts).toHaveLength(1);
    expect(MilestoneDetailSchema.parse(alerts[0]?.event.detail).reason).toMatch(/UpgradeUnhealthy/);
    expect(milestones(sim, e)).toEqual([MILESTONE_DETAIL_TYPES.started, MILESTONE_DETAIL_TYPES.alert, MILESTONE_DETAIL_TYPES['rolled-back']]);
  });

  it('an alarm going off mid-upgrade rolls back within one evaluation period', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const before = (sim.aws.api.group(pool)?.members ?? []).map((m) => m.instanceId).sort();
    const e = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 1 });
    // Mid-upgrade: the first old node replaced, the second batch under way.
    await sim.clock.until(() => !(sim.aws.api.group(pool)?.members ?? []).some((m) => m.instanceId === before[0]), 2 * 60 * MINUTE);
    await sim.clock.until(() => entered(e, 'StartBatch') === 2, 60 * MINUTE);
    const alarm = sim.cloudwatch.setState(ALARM, 'ALARM', 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)');
    const firedAt = sim.clock.now();
    await upgradeEnded(sim, e);
    expect(e.error).toBe('UpgradeRolledBack');
    expect(e.cause).toMatch(new RegExp(`UpgradeAlarm: alarm ${ALARM} \\(Threshold Crossed`));
    const rollbackAt = enteredAt(e, 'Rollback') as number;
    expect(rollbackAt - firedAt).toBeLessThanOrEqual(alarm.period * 1000);
    expect(entered(e, 'StartBatch')).toBe(2);
    sim.cloudwatch.setState(ALARM, 'OK', 'Threshold Crossed: no datapoint above 5');
    await expectRolledBack(sim, pool, oldImage, 4);
  });

  it('refuses to start while a gating alarm is in ALARM, with nothing written', async () => {
    const { sim } = await clusterWorld({ nodes: 2 });
    sim.cloudwatch.setState(ALARM, 'ALARM', 'Threshold Crossed');
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    expect(e.error).toBe('PoolBusy');
    expect(e.cause).toMatch(new RegExp(`alarm ${ALARM} .*is in ALARM`));
    expect(entered(e, 'TakeLock')).toBe(0);
  });

  it('checkpoints at 50 %: the approval request (commands, console link) reaches the alerts topic; approved, the upgrade bakes each batch and succeeds', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const e = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 1, checkpoints: ['50%'], bakeTime: '2m' });
    // The on-call answers as soon as the request reaches the alerts topic, with the command it carries
    // (here the in-process SendTaskSuccess; the wire path is covered by upgrade-approval.test.ts).
    let seen: { detail: MilestoneDetail; pending: string[]; batchesStarted: number } | undefined;
    sim.recorder.onEvent((x) => {
      const request = sim.events.notifications.find((n) => n.event['detail-type'] === MILESTONE_DETAIL_TYPES['waiting-for-approval']);
      if (x.source !== 'sns' || !request || seen) return;
      const detail = MilestoneDetailSchema.parse(request.event.detail);
      seen = { detail, pending: sim.sfn.pendingTasks(e.executionArn).map((t) => t.token), batchesStarted: entered(e, 'StartBatch') };
      sim.sfn.sendTask('success', detail.approval?.taskToken ?? '', { output: '{}' });
    });
    await upgradeEnded(sim, e);
    expect(e.error ?? '').toBe('');
    expect(e.status).toBe('SUCCEEDED');
    expect(lockOf(sim, pool)).toBeUndefined();
    // The request came after the second of four batches, named the waiting task and said how to answer.
    const detail = seen?.detail as MilestoneDetail;
    const token = detail.approval?.taskToken as string;
    expect(seen?.batchesStarted).toBe(2);
    expect(seen?.pending).toEqual([token]);
    expect(detail.approval?.approve).toBe(`aws stepfunctions send-task-success --task-token '${token}' --task-output '{}'`);
    expect(detail.approval?.reject).toContain(`aws stepfunctions send-task-failure --task-token '${token}' --error UpgradeRejected`);
    expect(detail.console).toBe(`https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${e.executionArn}`);
    expect(detail.progress).toMatchObject({ batchesDone: 2, batchesTotal: 4, nodesReplaced: 2, nodesTotal: 4, percentDone: 50 });
    // Each batch baked: from the end of its drain to the gate opening at least the 2 min bake time.
    const states = e.history.filter((h) => h.type === 'StateEntered');
    const gates: number[] = [];
    let gateOpenedAt = 0;
    for (const [i, h] of states.entries()) {
      if (h.state === 'CheckHealthy' && states[i - 1]?.state === 'Drained?') gateOpenedAt = Date.parse(h.at);
      if (h.state === 'ApprovalDue?') gates.push(Date.parse(h.at) - gateOpenedAt);
    }
    expect(gates).toHaveLength(4);
    for (const ms of gates) expect(ms).toBeGreaterThanOrEqual(2 * MINUTE);
    const m = milestones(sim, e);
    expect(m.filter((x) => x === MILESTONE_DETAIL_TYPES['batch-done'])).toHaveLength(4);
    expect(m[0]).toBe(MILESTONE_DETAIL_TYPES.started);
    expect(m.at(-1)).toBe(MILESTONE_DETAIL_TYPES.succeeded);
    expect(m).toContain(MILESTONE_DETAIL_TYPES['waiting-for-approval']);
  });

  it('leaves members already on the target image alone (dryRun plan)', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const group = sim.aws.api.group(pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const version = sim.aws.api.createLaunchTemplateVersion({ launchTemplateId: group?.launchTemplate.id, imageId: image.imageId });
    // Two members replaced by hand on the new image (as a stopped upgrade leaves them).
    sim.aws.api.setDefaultLaunchTemplateVersion(group?.launchTemplate.id as string, String(version.versionNumber));
    const replacedByHand = (group?.members ?? []).slice(0, 2).map((m) => m.instanceId);
    for (const id of replacedByHand) sim.aws.api.terminateInstance(id, false);
    await sim.clock.until(
      () =>
        (sim.aws.api.group(pool)?.members ?? []).length === 4 &&
        (sim.aws.api.group(pool)?.members ?? []).every((m) => m.lifecycleState === 'InService' && !replacedByHand.includes(m.instanceId)),
      60 * MINUTE,
    );
    const onNew = (sim.aws.api.group(pool)?.members ?? [])
      .filter((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId)
      .map((m) => m.instanceId);
    expect(onNew).toHaveLength(2);
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, dryRun: true }));
    expect(e.status).toBe('SUCCEEDED');
    const out = JSON.parse(e.output ?? '{}') as { plan: { batches: string[][]; skipped: string[] } };
    expect(out.plan.skipped.sort()).toEqual(onNew.sort());
    expect(out.plan.batches.flat()).toHaveLength(2);
    expect(out.plan.batches.flat().some((id) => onNew.includes(id))).toBe(false);
  });
});
