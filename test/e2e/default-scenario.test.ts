import { describe, expect, it } from 'vitest';
import { buildReport } from '../../sim/report.js';
import { defaultScenario } from '../../sim/scenarios/default.js';
import { Simulation } from '../../sim/simulation.js';

describe('the default scenario (npm start)', () => {
  it('plays scale-out and scale-in through the real workflows and reports them', async () => {
    const args = { nodes: 6, servers: 3, seed: 1, throttle: 0, drainMinutes: 2, neverBoot: 0 };
    const sim = await Simulation.start({ seed: 1, logLevel: 'SILENT' });
    const simStartedAt = sim.clock.now();
    const checks = await defaultScenario.run(sim, args).finally(() => sim.stop());
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    expect(sim.iam.denials).toEqual([]);
    const report = buildReport(sim, { scenario: 'default', parameters: args, simStartedAt, wallStartedAt: performance.now(), checks });
    expect(report.lifecycleActions.map((a) => `${a.transition.split(':')[1]} ${a.result}`).sort()).toEqual([
      'EC2_INSTANCE_LAUNCHING CONTINUE',
      'EC2_INSTANCE_LAUNCHING CONTINUE',
      'EC2_INSTANCE_TERMINATING CONTINUE',
      'EC2_INSTANCE_TERMINATING CONTINUE',
    ]);
    expect(report.executions.map((e) => `${e.stateMachine} ${e.status}`).sort()).toEqual([
      'drain SUCCEEDED',
      'drain SUCCEEDED',
      'join SUCCEEDED',
      'join SUCCEEDED',
    ]);
    expect(report.drains).toHaveLength(2);
    for (const d of report.drains) expect(d.lifecycleCompletedAt).not.toBeNull();
    expect(report.allocations.lost).toBe(0);
    expect(report.awsApiCalls['autoscaling:CompleteLifecycleAction']?.calls).toBe(4);
    expect(report.lowestEligibleClientCapacity).toBe(6); // never below the starting desired capacity
    expect(report.timeline.some((t) => /registered/.test(t.message))).toBe(true);
  });
});
