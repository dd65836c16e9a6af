import { describe, expect, it } from 'vitest';
import { buildReport } from '../../sim/report.js';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { buildCluster, settle } from '../../sim/scenarios/cluster.js';
import { standardJobs } from '../../sim/scenarios/jobs.js';
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
  it('a joining node terminated while the router is down: the join ends by itself, the sweep replays the dead-lettered terminate event and drains', async () => {
    const MINUTE = 60_000;
    // The new node never boots, so its join is still running when the terminate event is replayed.
    const sim = await Simulation.start({ schedules: true, seed: 1, logLevel: 'SILENT', faults: { neverBootOrdinals: [8] } });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 4, maxSize: 8, drainDeadline: '30m', joinTimeout: '40m' }] });
      const pool = cluster.clientGroups.general as string;
      for (const job of standardJobs('general', 4)) sim.hashistack.api.registerJob(job);
      await sim.clock.sleep(2 * MINUTE);
      sim.aws.api.setDesiredCapacity(pool, 5);
      const running = () => sim.sfn.list().find((e) => e.name.startsWith('join-') && e.status === 'RUNNING');
      await sim.clock.until(() => running() !== undefined, 10 * MINUTE);
      const join = running() as NonNullable<ReturnType<typeof running>>;
      const instanceId = join.name.split('-').slice(1, 3).join('-');
      sim.faults.set('sfn', { down: true });
      sim.aws.api.terminateInstance(instanceId, true);
      await sim.clock.sleep(10 * MINUTE);
      expect(sim.events.deadLettered.filter((d) => d.target.endsWith('-lifecycleRouter'))).toHaveLength(1);
      sim.faults.set('sfn', { down: false });
      await settle(sim, 2 * 60 * MINUTE);
      const drain = sim.sfn.list().filter((e) => e.name.startsWith(`drain-${instanceId}-`));
      // The join saw the instance terminating and ended without completing (nothing left for StopExecution to stop).
      expect([join.status, JSON.parse(join.output ?? '{}').ended, drain.map((e) => e.status)]).toEqual(['SUCCEEDED', expect.any(String), ['SUCCEEDED']]);
      expect(sim.recorder.apiCalls()['sfn:StopExecution']).toBeUndefined();
      expect(lifecycleChecks(sim).filter((c) => !c.passed && !c.name.startsWith('launch actions'))).toEqual([]);
      const terminate = sim.recorder.lifecycleActions().filter((a) => a.instanceId === instanceId && a.transition.endsWith('TERMINATING'));
      expect(terminate.map((a) => `${a.result} x${a.completeCallsSucceeded}`)).toEqual(['CONTINUE x1']);
      expect(sim.sqs.queue(`${sim.deploy.service}-${sim.deploy.stage}-router-dlq`)?.messages).toHaveLength(0);
    } finally {
      await sim.stop();
    }
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
