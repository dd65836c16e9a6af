import type { ClusterFaults } from '../../sim/core/faults.js';
import { buildCluster, settle, type Cluster, type PoolSpec } from '../../sim/scenarios/cluster.js';
import { standardJobs } from '../../sim/scenarios/jobs.js';
import type { Check, Scenario, ScenarioArgs } from '../../sim/scenarios/types.js';
import type { Execution } from '../../sim/runtime/stepfunctions.js';
import { Simulation, type SimulationOptions } from '../../sim/simulation.js';

export const MINUTE = 60_000;

const running: Simulation[] = [];

/**
 * Stop the simulations of the test that just ended and fail it on an
 * AccessDenied it did not expect. Registered for every e2e file by
 * test/setup/e2e-per-file.ts: a hook registered here, at import, would
 * attach to the first file of a worker only (the e2e files share their
 * worker's module cache), and the simulations of every later file would run
 * on unstopped and unchecked.
 */
export async function stopSimulationsOfTest(): Promise<void> {
  const sims = running.splice(0);
  for (const sim of sims) await sim.stop();
  for (const sim of sims) assertNoUnexpectedDenials(sim);
}

const denialsExpected = new WeakSet<Simulation>();

/** This test provokes AccessDenied on purpose (it checks the denials itself). */
export function expectDenials(sim: Simulation): void {
  denialsExpected.add(sim);
}

/** Every AWS call the control plane made was allowed by its roles as packaged. */
export function assertNoUnexpectedDenials(sim: Simulation): void {
  if (denialsExpected.has(sim) || sim.iam.denials.length === 0) return;
  const lines = sim.iam.denials.map((d) => `  ${d.at} ${d.principal} ${d.action} on ${d.resource}`);
  throw new Error(`unexpected AccessDenied (${sim.iam.denials.length}): a role lacks a permission its code uses\n${lines.join('\n')}`);
}

/**
 * A simulated world with the control plane deployed and a cluster of 3
 * servers and one client pool (`general`) running the standard jobs.
 */
export async function clusterWorld(
  options: {
    nodes?: number;
    faults?: Partial<ClusterFaults>;
    pool?: Partial<PoolSpec>;
    seed?: number;
    iam?: SimulationOptions['iam'];
    mtls?: SimulationOptions['mtls'];
  } = {},
): Promise<{
  sim: Simulation;
  cluster: Cluster;
  pool: string;
}> {
  const sim = await Simulation.start({
    seed: options.seed ?? 1,
    faults: options.faults,
    iam: options.iam,
    ...(options.mtls === undefined ? {} : { mtls: options.mtls }),
    logLevel: (process.env.SIM_LOG_LEVEL as 'SILENT' | undefined) ?? 'SILENT',
  });
  running.push(sim);
  const nodes = options.nodes ?? 4;
  const cluster = buildCluster(sim, {
    servers: 3,
    pools: [{ name: 'general', nodes, maxSize: nodes + 10, drainDeadline: '30m', joinTimeout: '10m', ...options.pool }],
  });
  for (const job of standardJobs('general', nodes)) sim.hashistack.api.registerJob(job);
  await sim.clock.sleep(2 * MINUTE);
  return { sim, cluster, pool: cluster.clientGroups.general as string };
}

const SCENARIO_ARGS: ScenarioArgs = { nodes: 4, servers: 3, seed: 1, throttle: 0, drainMinutes: 2, neverBoot: 0 };

/** Play a scenario of sim/scenarios with its defaults (and its simulation options), as `npm run sim -- <name>` does. */
export async function playScenario(scenario: Scenario, extra: Pick<SimulationOptions, 'mtls'> = {}): Promise<{ sim: Simulation; checks: Check[] }> {
  const args = { ...SCENARIO_ARGS, ...scenario.defaults };
  const sim = await Simulation.start({ seed: args.seed, logLevel: 'SILENT', ...scenario.options?.(args), ...extra });
  running.push(sim);
  return { sim, checks: await scenario.run(sim, args) };
}

/** Wait until nothing is in flight (6 h of sim time at most). */
export function settled(sim: Simulation): Promise<void> {
  return settle(sim, 6 * 60 * MINUTE);
}

export function terminateActions(sim: Simulation) {
  return sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('TERMINATING'));
}

export function launchActions(sim: Simulation) {
  return sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('LAUNCHING'));
}

export function executions(sim: Simulation, machine: 'drain' | 'join') {
  return sim.recorder.executionRecords().filter((e) => e.stateMachine === machine);
}

/** How many times execution `e` entered `state`. */
export const entered = (e: Execution, state: string): number => e.history.filter((h) => h.type === 'StateEntered' && h.state === state).length;
