import { describe, expect, it } from 'vitest';
import { buildReport } from '../../sim/report.js';
import { clientGoneScenario, routerOutageScenario, serverGoneScenario } from '../../sim/scenarios/out-of-band.js';
import type { Scenario, ScenarioArgs } from '../../sim/scenarios/types.js';
import { Simulation } from '../../sim/simulation.js';

async function play(scenario: Scenario, over: Partial<ScenarioArgs> = {}) {
  const args: ScenarioArgs = { nodes: 6, servers: 3, seed: 1, throttle: 0, drainMinutes: 2, neverBoot: 0, ...scenario.defaults, ...over };
  const sim = await Simulation.start({ ...scenario.options?.(args), seed: 1, logLevel: 'SILENT' });
  const simStartedAt = sim.clock.now();
  const checks = await scenario.run(sim, args).finally(() => sim.stop());
  const report = buildReport(sim, { scenario: scenario.name, parameters: { ...args }, simStartedAt, wallStartedAt: performance.now(), checks });
  return { sim, checks, report };
}

describe('fail safe: missed events and out-of-band deaths', () => {
  it('router failing for 10 minutes: every event dead-lettered after Lambda retries, replayed by the sweep; each action completed once', async () => {
    const { sim, checks, report } = await play(routerOutageScenario, { outageMinutes: 10 });
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.lifecycleActions.map((a) => `${a.transition.split(':')[1]} ${a.result} x${a.completeCallsSucceeded}`).sort()).toEqual([
      'EC2_INSTANCE_LAUNCHING CONTINUE x1',
      'EC2_INSTANCE_LAUNCHING CONTINUE x1',
      'EC2_INSTANCE_TERMINATING CONTINUE x1',
      'EC2_INSTANCE_TERMINATING CONTINUE x1',
    ]);
    // Three attempts per event (the first and Lambda's two retries), then the queue.
    expect(sim.events.deadLettered.filter((d) => d.target.endsWith('-lifecycleRouter'))).toHaveLength(4);
    const queue = sim.sqs.queue(`${sim.deploy.service}-${sim.deploy.stage}-router-dlq`);
    expect({ sent: queue?.sent, deleted: queue?.deleted, left: queue?.messages.length }).toEqual({ sent: 4, deleted: 4, left: 0 });
    expect(report.executions.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    // Every dead-lettered action is started after the outage ends, never before.
    const outageEnd = sim.recorder.timeline.find((t) => t.message === 'Step Functions API back')?.at ?? '';
    for (const e of report.executions) expect(e.startedAt >= outageEnd).toBe(true);
  });
  it('router failing for 2 minutes: nothing dead-lettered; whichever comes first (a Lambda retry or the sweep) starts the one workflow', async () => {
    const { sim, checks } = await play(routerOutageScenario, { outageMinutes: 2 });
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    expect(sim.events.deadLettered).toHaveLength(0);
    expect(sim.sfn.list().map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });
  it('a client terminated out of band: its Nomad node and Consul member are removed by the sweep, the replacement joins', async () => {
    const { checks, report } = await play(clientGoneScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.lifecycleActions.map((a) => `${a.transition.split(':')[1]} ${a.result}`)).toEqual(['EC2_INSTANCE_LAUNCHING CONTINUE']);
  });
  it('a server terminated out of band: one replacement, joined at once, dead peers removed, tolerance restored', async () => {
    const { checks, report } = await play(serverGoneScenario);
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.lifecycleActions.filter((a) => a.result === 'ABANDON')).toEqual([]);
  });
});
