import { describe, expect, it } from 'vitest';
import {
  rebalanceScenario,
  rebalanceSurgeScenario,
  retirementWindowScenario,
  scheduledRetirementScenario,
  spotInterruptionRebalancingScenario,
  spotInterruptionScenario,
  warmPoolScenario,
} from '../../sim/scenarios/spot.js';
import { buildCluster, settle } from '../../sim/scenarios/cluster.js';
import type { Scenario, ScenarioArgs } from '../../sim/scenarios/types.js';
import { Simulation } from '../../sim/simulation.js';
import { NOTICE_LOST_DETAIL_TYPE } from '../../src/events/notice-lost.js';

async function play(scenario: Scenario, over: Partial<ScenarioArgs> = {}) {
  const args: ScenarioArgs = { nodes: 6, servers: 3, seed: 1, throttle: 0, drainMinutes: 2, neverBoot: 0, ...scenario.defaults, ...over };
  const sim = await Simulation.start({ ...scenario.options?.(args), seed: 1, logLevel: 'SILENT' });
  const checks = await scenario.run(sim, args).finally(() => sim.stop());
  return { sim, checks };
}

describe('Spot interruptions, rebalance recommendations, scheduled retirements, warm pools', () => {
  it('Spot interruption of 20 % of a pool: ineligible before it leaves Consul, drained and out of Consul before the reclaim, nothing lost', async () => {
    const { sim, checks } = await play(spotInterruptionScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    // The warning has no lifecycle action; the drain's completion by instance id found none to complete.
    expect(sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('TERMINATING'))).toEqual([]);
    expect(sim.recorder.executionRecords().filter((e) => e.name.endsWith('-interruption'))).toHaveLength(2);
  });

  it('Spot interruption while the group also terminates the instance (Capacity Rebalancing): one drain, one completion', async () => {
    const { sim, checks } = await play(spotInterruptionRebalancingScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    const drains = sim.recorder.executionRecords().filter((e) => e.name.startsWith('drain-'));
    expect(drains.map((e) => e.name.endsWith('-interruption'))).toEqual([true, true]);
    for (const a of sim.recorder.lifecycleActions().filter((x) => x.transition.endsWith('TERMINATING'))) {
      expect({ result: a.result, completed: a.completeCallsSucceeded, rejected: a.completeCallsRejected }).toEqual({
        result: 'CONTINUE',
        completed: 1,
        rejected: 0,
      });
    }
  });

  it('rebalance recommendation with Capacity Rebalancing: replacement InService before the old node is drained', async () => {
    const { checks } = await play(rebalanceScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('rebalance recommendations without Capacity Rebalancing (rebalanceReplace): surge one, drain, terminate; concurrent surges of one group add one each', async () => {
    const { sim, checks } = await play(rebalanceSurgeScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    // The two surges' +1 ran one at a time (reserved concurrency 1): the second was throttled and retried.
    expect(sim.recorder.timeline.some((t) => t.message === 'noticeSurgeStart throttled (reserved concurrency 1)')).toBe(true);
    expect(sim.recorder.apiCalls()['autoscaling:SetDesiredCapacity']?.calls).toBe(2);
  });

  it("rebalanceReplace for a group at MaxSize: no surge (MaxSize is the operator's), terminate-first with the reason; drained, nothing lost", async () => {
    const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT', config: { rebalanceReplace: true } });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'spot', nodes: 3, maxSize: 3, drainDeadline: '30m', spot: true }] });
      const group = cluster.clientGroups.spot as string;
      const victim = cluster.group(group).members[0]?.instanceId as string;
      await sim.clock.sleep(5 * 60_000);
      sim.aws.api.recommendRebalance(victim);
      await sim.clock.sleep(60_000);
      await settle(sim, 60 * 60_000);
      const surge = sim.sfn.list().find((e) => e.name === `surge-${victim}`);
      expect(surge?.status).toBe('SUCCEEDED');
      expect(JSON.parse(surge?.output ?? '{}')).toMatchObject({ surge: 'terminate-first', reason: expect.stringContaining('MaxSize 3') });
      expect(sim.recorder.apiCalls()['autoscaling:SetDesiredCapacity']).toBeUndefined();
      expect(sim.aws.api.instance(victim)?.state).toBe('terminated');
      expect(
        sim.recorder
          .executionRecords()
          .filter((e) => e.name.startsWith(`drain-${victim}-`))
          .map((e) => e.status),
      ).toEqual(['SUCCEEDED']);
      expect(cluster.group(group).members.filter((m) => m.lifecycleState === 'InService')).toHaveLength(3);
      expect(sim.recorder.lostAllocations).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  it('scheduled retirement with a maintenance window in time: both wait for the window and are replaced inside it, the repeated event schedules nothing', async () => {
    const { checks } = await play(retirementWindowScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('scheduled retirement of a client and a server (window too late): both replaced at once, before the scheduled time, quorum kept', async () => {
    const { checks } = await play(scheduledRetirementScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('warm pool: launches into the pool never join the cluster; scale-out from it is faster than a cold launch', async () => {
    const { checks } = await play(warmPoolScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('Spot warning while a scale-in drain of the node runs: no second drain, its deadline cut to end before the reclaim, the work stopped is named', async () => {
    const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT' });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'spot', nodes: 3, drainDeadline: '1h', spot: true }] });
      const group = cluster.clientGroups.spot as string;
      // Long batch work: a scale-in drain waits for it up to the pool's deadline (1 h).
      sim.hashistack.api.registerJob({
        ID: 'etl',
        Type: 'batch',
        NodePool: 'spot',
        TaskGroups: [{ Name: 'etl', Count: 3, cpu: 500, memoryMB: 512, RunTimeMs: 3 * 3_600_000 }],
      });
      await sim.clock.sleep(5 * 60_000);
      sim.aws.api.setDesiredCapacity(group, 2);
      await sim.clock.until(() => cluster.group(group).members.some((m) => m.lifecycleState === 'Terminating:Wait'), 60_000);
      const victim = cluster.group(group).members.find((m) => m.lifecycleState === 'Terminating:Wait')?.instanceId as string;
      await sim.clock.until(() => sim.hashistack.api.nodeOfInstance(victim)?.DrainStrategy != null, 60_000);
      await sim.clock.sleep(30_000);
      const { reclaimAt } = sim.aws.api.interruptSpot(victim);
      await sim.clock.sleep(5 * 60_000);
      await settle(sim, 30 * 60_000);

      const drains = sim.recorder.executionRecords().filter((e) => e.name.startsWith('drain-'));
      expect(drains).toHaveLength(1);
      expect(drains[0]?.name.endsWith('-interruption')).toBe(false);
      // The cut deadline stopped the batch allocation before the reclaim: the execution fails WorkLost naming it.
      expect(drains[0]).toMatchObject({ status: 'FAILED', error: 'WorkLost' });
      expect(drains[0]?.cause).toContain('etl');
      const action = sim.recorder.lifecycleActions().find((a) => a.instanceId === victim && a.transition.endsWith('TERMINATING'));
      expect(action).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
      expect(Date.parse(action?.endedAt ?? '')).toBeLessThan(reclaimAt);
      expect(sim.recorder.lostAllocations.map((l) => `${l.jobId} ${l.reason}`)).toEqual(['etl drain-deadline']);
    } finally {
      await sim.stop();
    }
  });
  it('a Spot interruption drain keeps the leave before the completion: Consul down once drained → the leave waits (heartbeating) and the action completes after it, before the reclaim', async () => {
    const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT' });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'spot', nodes: 3, drainDeadline: '30m', spot: true }] });
      const group = cluster.clientGroups.spot as string;
      await sim.clock.sleep(60_000);
      const victim = cluster.group(group).members[0]?.instanceId as string;
      // The group terminates the instance too (as with Capacity Rebalancing): a terminate action the drain completes.
      const { reclaimAt } = sim.aws.api.interruptSpot(victim);
      await sim.clock.until(() => sim.recorder.drainRecords().some((d) => d.instanceId === victim), 60_000);
      sim.aws.api.terminateInstance(victim, false);
      await sim.clock.until(() => sim.recorder.drainRecords().some((d) => d.instanceId === victim && d.drainCompletedAt !== null), 5 * 60_000);
      sim.faults.set('consul', { down: true });
      const consulBackAt = sim.clock.now() + 40_000;
      sim.clock.schedule(40_000, () => sim.faults.set('consul', { down: false }));
      await settle(sim, 30 * 60_000);

      const drains = sim.recorder.executionRecords().filter((e) => e.name.startsWith(`drain-${victim}`));
      expect(drains.map((e) => [e.name.endsWith('-interruption'), e.status])).toEqual([[true, 'SUCCEEDED']]);
      const action = sim.recorder.lifecycleActions().find((a) => a.instanceId === victim && a.transition.endsWith('TERMINATING'));
      expect(action).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
      expect(Date.parse(action?.endedAt ?? '')).toBeGreaterThanOrEqual(consulBackAt);
      expect(Date.parse(action?.endedAt ?? '')).toBeLessThan(reclaimAt);
    } finally {
      await sim.stop();
    }
  });
  it('instanceNotice fails every attempt on a Spot warning: the notice is dead-lettered, the sweep finds the instance reclaimed and alerts naming it', async () => {
    const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT', schedules: true });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'spot', nodes: 3, drainDeadline: '30m', spot: true }] });
      const victim = cluster.group(cluster.clientGroups.spot as string).members[0]?.instanceId as string;
      await sim.clock.sleep(5 * 60_000);
      // Auto Scaling's API fails for three minutes: the function fails at its first call, on every attempt.
      sim.faults.set('autoscaling', { down: true });
      sim.aws.api.interruptSpot(victim);
      await sim.clock.sleep(3 * 60_000);
      sim.faults.set('autoscaling', { down: false });
      await sim.clock.sleep(5 * 60_000);
      const fn = sim.deploy.functions.find((f) => f.key === 'instanceNotice')?.arn;
      expect(sim.events.deadLettered.filter((d) => d.target === fn).map((d) => d.queueArn.split(':').pop())).toEqual([
        `${sim.deploy.service}-${sim.deploy.stage}-notice-dlq`,
      ]);
      expect(sim.events.dropped.filter((d) => d.target === fn)).toEqual([]);
      const alerts = sim.events.notifications.filter((n) => n.event['detail-type'] === NOTICE_LOST_DETAIL_TYPE);
      expect(alerts.map((a) => [a.event.detail.instanceId, a.event.detail.kind])).toEqual([[victim, 'spot-interruption']]);
      expect(String(alerts[0]?.event.detail.reason)).toContain(victim);
      expect(sim.sqs.queue(`${sim.deploy.service}-${sim.deploy.stage}-notice-dlq`)?.messages).toHaveLength(0);
    } finally {
      await sim.stop();
    }
  });

  it('instanceNotice fails on a scheduled retirement: the sweep replays it from the dead-letter queue and the node is replaced, nothing lost', async () => {
    const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT', schedules: true });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 3, drainDeadline: '30m' }] });
      const group = cluster.clientGroups.general as string;
      const victim = cluster.group(group).members[0]?.instanceId as string;
      await sim.clock.sleep(5 * 60_000);
      sim.faults.set('autoscaling', { down: true });
      const scheduledAt = sim.clock.now() + 2 * 3_600_000;
      sim.aws.api.scheduleRetirement([victim], scheduledAt);
      await sim.clock.sleep(3 * 60_000);
      sim.faults.set('autoscaling', { down: false });
      // The next sweeps replay it (every reconcileSchedule, 2 min).
      await sim.clock.sleep(10 * 60_000);
      await settle(sim, 60 * 60_000);
      const fn = sim.deploy.functions.find((f) => f.key === 'instanceNotice')?.arn;
      expect(sim.events.deadLettered.filter((d) => d.target === fn)).toHaveLength(1);
      expect(sim.events.notifications.filter((n) => n.event['detail-type'] === NOTICE_LOST_DETAIL_TYPE)).toEqual([]);
      const drain = sim.recorder.executionRecords().filter((e) => e.name.startsWith(`drain-${victim}-`));
      expect(drain.map((e) => e.status)).toEqual(['SUCCEEDED']);
      expect(sim.aws.api.instance(victim)?.state).toBe('terminated');
      expect(sim.clock.now()).toBeLessThan(scheduledAt);
      expect(sim.recorder.lostAllocations).toEqual([]);
      expect(cluster.group(group).members.filter((m) => m.lifecycleState === 'InService')).toHaveLength(3);
    } finally {
      await sim.stop();
    }
  });
});
