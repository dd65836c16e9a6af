import { afterEach, describe, expect, it } from 'vitest';
import { resetConfig } from '../../src/config/index.js';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { buildCluster, settle } from '../../sim/scenarios/cluster.js';
import { Simulation } from '../../sim/simulation.js';
import { assertNoUnexpectedDenials } from './world.js';

const MINUTE = 60_000;
let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  if (sim) assertNoUnexpectedDenials(sim);
  sim = undefined;
  process.env.JOIN_MODE = 'auto';
  resetConfig();
});

describe('scale-out with joinMode: ssm', () => {
  it('joins a launching node over SSM Run Command (consul join, rc-service nomad start), then lets it in', async () => {
    sim = await Simulation.start({ logLevel: 'SILENT', joinMode: 'ssm' });
    // The stage's joinMode as a deploy with `joinMode: ssm` would set it (the example stage uses auto).
    process.env.JOIN_MODE = 'ssm';
    resetConfig();
    const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 1, maxSize: 4, joinTimeout: '10m' }] });
    await sim.clock.sleep(2 * MINUTE);
    sim.aws.api.setDesiredCapacity(cluster.clientGroups.general as string, 2);
    await settle(sim, 60 * MINUTE);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    const joins = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'join');
    expect(joins.length).toBeGreaterThan(0);
    expect(joins.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(sim.aws.api.commands().some((c) => c.commands.some((line) => /consul join/.test(line)))).toBe(true);
  });
});
