import { describe, expect, it } from 'vitest';
import type { Check, Scenario } from '../../sim/scenarios/types.js';
import { drainOverHookLimitScenario, lambdaThrottledScenario, noRoomScenario, tokenRotationScenario } from '../../sim/scenarios/fail-safe.js';
import { Simulation } from '../../sim/simulation.js';
import { MILESTONE_DETAIL_TYPES, MILESTONE_SOURCE, MilestoneDetailSchema } from '../../src/events/milestones.js';

const ARGS = { nodes: 4, servers: 3, seed: 1, throttle: 0, drainMinutes: 2, neverBoot: 0 };

async function play(scenario: Scenario): Promise<{ sim: Simulation; checks: Check[] }> {
  const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT' });
  const checks = await scenario.run(sim, { ...ARGS, ...scenario.defaults }).finally(() => sim.stop());
  return { sim, checks };
}

/** Index of the first timeline line matching, -1 when none. */
const line = (sim: Simulation, pattern: RegExp): number => sim.recorder.timeline.findIndex((t) => pattern.test(t.message));
const lastLine = (sim: Simulation, pattern: RegExp): number => sim.recorder.timeline.findLastIndex((t) => pattern.test(t.message));
const terminate = (sim: Simulation) => sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('TERMINATING'));

describe('fail safe, never silent: the control plane in trouble during a scale-in', () => {
  it('token-rotation: tokens rotated (old revoked) mid-drain are re-read from SSM; every drain succeeds, nothing lost', async () => {
    const { sim, checks } = await play(tokenRotationScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    // The rotation happened while the drains ran: after the first drain started, before the last one completed.
    expect(line(sim, /drain started/)).toBeLessThan(line(sim, /nomad ACL token rotated/));
    expect(line(sim, /consul ACL token rotated/)).toBeLessThan(lastLine(sim, /drain complete on/));
    expect(sim.recorder.executionRecords().map((e) => `${e.stateMachine} ${e.status}`)).toEqual(['drain SUCCEEDED', 'drain SUCCEEDED']);
    expect(sim.recorder.allocations.lost).toBe(0);
    expect(terminate(sim).map((a) => [a.result, a.completeCallsSucceeded])).toEqual([
      ['CONTINUE', 1],
      ['CONTINUE', 1],
    ]);
  });

  it('lambda-throttled: 10 s of TooManyRequestsException mid-drain waits and loops; nothing completed early, nothing lost', async () => {
    const { sim, checks } = await play(lambdaThrottledScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    const throttled = sim.recorder.timeline.filter((t) => t.source === 'lambda' && /throttled \(injected\)/.test(t.message));
    expect(throttled.length).toBeGreaterThan(3); // more than the in-place retries: the wait-and-loop took over
    expect(line(sim, /drain started/)).toBeLessThan(line(sim, /throttled \(injected\)/));
    expect(lastLine(sim, /throttled \(injected\)/)).toBeLessThan(line(sim, /drain complete on/));
    expect(sim.recorder.executionRecords().map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(sim.recorder.allocations.lost).toBe(0);
  });

  it('drain-over-hook-limit: the deadline is capped below the hook limit; the work it stops is named by a WorkLost alert; the action never expires', async () => {
    const { sim, checks } = await play(drainOverHookLimitScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    const lost = sim.recorder.lostAllocations;
    expect(lost.map((l) => `${l.jobId} ${l.reason}`)).toEqual(['etl drain-deadline', 'etl drain-deadline']);
    const failed = sim.recorder.executionRecords().filter((e) => e.status === 'FAILED');
    expect(failed.map((e) => e.error)).toEqual(['WorkLost', 'WorkLost']);
    for (const l of lost) expect(failed.filter((e) => e.cause?.includes(l.allocId))).toHaveLength(1);
    for (const a of terminate(sim)) expect([a.result, a.completeCallsSucceeded]).toEqual(['CONTINUE', 1]);
    // One loss, one message on the alerts topic (the failed execution), and one alert milestone on the bus naming the
    // instance, the group and the allocations: an operator subscribed to the topic and to the milestones hears once each.
    const alerts = sim.eventsApi.put.filter((e) => e.source === MILESTONE_SOURCE && e['detail-type'] === MILESTONE_DETAIL_TYPES.alert);
    for (const e of failed) {
      const onTopic = sim.events.notifications.filter((n) => n.message.includes(e.executionArn) || JSON.stringify(n.event).includes(e.executionArn));
      expect(onTopic).toHaveLength(1);
      const mine = alerts.map((a) => MilestoneDetailSchema.parse(a.detail)).filter((d) => d.executionArn === e.executionArn);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ workflow: 'drain', error: 'WorkLost', asgName: expect.any(String), instance: expect.stringMatching(/^i-/) });
      expect(e.name).toContain(mine[0]?.instance);
      expect(mine[0]?.allocations?.length).toBeGreaterThan(0);
      expect(mine[0]?.allocations?.every((a) => e.cause?.includes(a.id))).toBe(true);
    }
    // Every drain reached its (capped) deadline before its action ended, and before the hook's global limit (50 min).
    for (const d of sim.recorder.drainRecords()) {
      const action = terminate(sim).find((a) => a.instanceId === d.instanceId);
      expect(d.deadlineReached).toBe(true);
      expect(Date.parse(d.drainCompletedAt ?? '')).toBeLessThanOrEqual(Date.parse(action?.endedAt ?? ''));
      expect(Date.parse(action?.endedAt ?? '') - Date.parse(action?.startedAt ?? '')).toBeLessThan(50 * 60_000);
    }
  });

  it('no-room: work with nowhere to go is counted lost with its reason and named by a WorkLost alert', async () => {
    const { sim, checks } = await play(noRoomScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    const lost = sim.recorder.lostAllocations;
    expect(lost.some((l) => l.reason === 'no-room')).toBe(true);
    expect(lost.every((l) => l.jobId === 'web')).toBe(true);
    const failed = sim.recorder.executionRecords().filter((e) => e.status === 'FAILED');
    expect(failed.map((e) => e.error)).toEqual(['WorkLost', 'WorkLost']);
    for (const l of lost) expect(failed.some((e) => e.cause?.includes(l.allocId))).toBe(true);
    for (const a of terminate(sim)) expect([a.result, a.completeCallsSucceeded]).toEqual(['CONTINUE', 1]);
  });
});
