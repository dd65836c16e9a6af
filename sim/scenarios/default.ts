import { buildCluster, settle } from './cluster.js';
import { standardJobs } from './jobs.js';
import { lifecycleChecks } from './checks.js';
import type { Scenario } from './types.js';

const MINUTE = 60_000;

/**
 * What `npm start` plays: the cluster that exists at t0 (3 servers, a client
 * pool), its jobs placed, a scale-out of two nodes through the launch hook,
 * then a scale-in of two nodes through the terminate hook.
 */
export const defaultScenario: Scenario = {
  name: 'default',
  description: 'a cluster living: jobs placed, a scale-out of 2 nodes, a scale-in of 2 nodes',
  defaults: { nodes: 6, servers: 3 },
  async run(sim, args) {
    const cluster = buildCluster(sim, { servers: args.servers, pools: [{ name: 'general', nodes: args.nodes, drainDeadline: '30m' }] });
    const pool = cluster.clientGroups.general as string;
    for (const job of standardJobs('general', args.nodes)) sim.hashistack.api.registerJob(job);
    sim.recorder.event('scenario', `cluster up: ${args.servers} servers, ${args.nodes} clients in pool general; jobs registered`);
    await sim.clock.sleep(5 * MINUTE);
    const running = sim.hashistack.api.allocations().filter((a) => a.ClientStatus === 'running');
    const byJob = new Map<string, number>();
    for (const a of running) byJob.set(a.JobID, (byJob.get(a.JobID) ?? 0) + 1);
    sim.recorder.event(
      'scenario',
      `jobs placed: ${running.length} allocations running on ${new Set(running.map((a) => a.NodeID)).size} nodes (${[...byJob].map(([j, n]) => `${j} ${n}`).join(', ')})`,
    );

    sim.recorder.event('scenario', `scale-out: ${pool} desired ${args.nodes} -> ${args.nodes + 2}`);
    sim.aws.api.setDesiredCapacity(pool, args.nodes + 2);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 6 * 60 * MINUTE);
    await sim.clock.sleep(5 * MINUTE);

    sim.recorder.event('scenario', `scale-in: ${pool} desired ${args.nodes + 2} -> ${args.nodes}`);
    sim.aws.api.setDesiredCapacity(pool, args.nodes);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 6 * 60 * MINUTE);
    sim.recorder.event('scenario', 'settled');
    return lifecycleChecks(sim);
  },
};
