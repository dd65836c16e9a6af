/**
 * Fail-safe scenarios: lifecycle events the router could not take, and
 * instances that die outside the lifecycle. They run with the schedules on,
 * so the reconcile sweep plays its part as deployed.
 */
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { standardJobs } from './jobs.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;

/** Executions per name prefix: every lifecycle action started once. */
function startedOnce(sim: Simulation): Check {
  const names = sim.sfn.list().map((e) => e.name);
  const byAction = new Map<string, number>();
  for (const n of names) {
    const m = /^(join|drain)-(i-[0-9a-f]+)-/.exec(n);
    if (m) byAction.set(`${m[1]}-${m[2]}`, (byAction.get(`${m[1]}-${m[2]}`) ?? 0) + 1);
  }
  const twice = [...byAction].filter(([, n]) => n > 1);
  return check(
    'every lifecycle action got exactly one workflow',
    twice.length === 0,
    `${byAction.size} actions${twice.length ? `; more than one: ${twice.map(([k, n]) => `${k} x${n}`).join(', ')}` : ''}`,
  );
}

const dlq = (sim: Simulation) => sim.sqs.queue(`${sim.deploy.service}-${sim.deploy.stage}-router-dlq`);

function queueChecks(sim: Simulation): Check[] {
  const queue = dlq(sim);
  // Scheduled sweeps dropped during the outage are no loss: the next one comes.
  const dropped = sim.events.dropped.filter((d) => d.target.endsWith('-lifecycleRouter'));
  return [
    check('no lifecycle event dropped', dropped.length === 0, `${dropped.length} dropped, ${sim.events.deadLettered.length} dead-lettered`),
    check(
      'dead-letter queue drained',
      (queue?.messages.length ?? -1) === 0,
      `${queue?.sent ?? 0} sent, ${queue?.deleted ?? 0} deleted, ${queue?.messages.length ?? 'no queue'} left`,
    ),
  ];
}

/**
 * The router fails for `--outage-minutes` (the Step Functions API is down, so
 * every StartExecution fails) while a pool scales out by 2 and in by 2.
 * Lambda retries each failed invocation twice, then the event goes to the
 * router's dead-letter queue; the sweep replays it once Step Functions answers.
 */
export const routerOutageScenario: Scenario = {
  name: 'router-outage',
  description: 'the lifecycle router fails for M minutes during a scale-out of 2 and a scale-in of 2 (--outage-minutes M)',
  defaults: { nodes: 6, servers: 3, outageMinutes: 10 },
  options: () => ({ schedules: true }),
  async run(sim, args) {
    const cluster = buildCluster(sim, { servers: args.servers, pools: [{ name: 'general', nodes: args.nodes, drainDeadline: '30m' }] });
    const pool = cluster.clientGroups.general as string;
    for (const job of standardJobs('general', args.nodes)) sim.hashistack.api.registerJob(job);
    await sim.clock.sleep(5 * MINUTE);
    const outage = (args.outageMinutes ?? 10) * MINUTE;
    sim.faults.set('sfn', { down: true });
    sim.recorder.event('scenario', `Step Functions API down for ${outage / MINUTE} min: the router fails`);
    sim.clock.schedule(
      outage,
      () => {
        sim.faults.set('sfn', { down: false });
        sim.recorder.event('scenario', 'Step Functions API back');
      },
      'scenario:outage-end',
    );
    sim.recorder.event('scenario', `scale-out ${args.nodes} -> ${args.nodes + 2}, and two nodes scale in`);
    sim.aws.api.setDesiredCapacity(pool, args.nodes + 2);
    await sim.clock.sleep(30_000);
    sim.aws.api.setDesiredCapacity(pool, args.nodes);
    await sim.clock.sleep(outage);
    await settle(sim, 6 * 60 * MINUTE);
    await sim.clock.until(() => dlq(sim)?.messages.length === 0, 30 * MINUTE).catch(() => undefined);
    return [...lifecycleChecks(sim), startedOnce(sim), ...queueChecks(sim)];
  },
};

/** The instance's leftovers in the cluster: Nomad node, Consul and Nomad gossip members not `left`-and-pruned. */
function leftovers(sim: Simulation, instanceId: string): string[] {
  const out: string[] = [];
  if (sim.hashistack.api.nodeOfInstance(instanceId)) out.push('nomad node');
  for (const system of ['consul', 'nomad'] as const) {
    const m = sim.hashistack.api.members(system).find((x) => x.instanceId === instanceId);
    if (m) out.push(`${system} member (status ${m.status})`);
  }
  for (const system of ['nomad', 'consul', 'vault'] as const) {
    if (sim.hashistack.api.raftPeers(system).some((p) => p.instanceId === instanceId)) out.push(`${system} raft peer`);
  }
  return out;
}

/** A client instance terminated with EC2 TerminateInstances (no lifecycle hook runs); the group replaces it. */
export const clientGoneScenario: Scenario = {
  name: 'client-gone',
  description: 'a client instance terminated out of band (EC2 TerminateInstances); the sweep removes its Nomad node and Consul member',
  defaults: { nodes: 4, servers: 3 },
  options: () => ({ schedules: true }),
  async run(sim, args) {
    const cluster = buildCluster(sim, { servers: args.servers, pools: [{ name: 'general', nodes: args.nodes, drainDeadline: '30m' }] });
    const pool = cluster.clientGroups.general as string;
    for (const job of standardJobs('general', args.nodes)) sim.hashistack.api.registerJob(job);
    await sim.clock.sleep(5 * MINUTE);
    const victim = sim.aws.api.group(pool)?.members[0]?.instanceId as string;
    sim.recorder.event('scenario', `EC2 TerminateInstances ${victim} (outside Auto Scaling)`);
    sim.aws.models.ec2.terminate(victim);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 60 * MINUTE);
    // Nomad marks the node down after missed heartbeats; the next sweeps clean up.
    await sim.clock.until(() => leftovers(sim, victim).length === 0, 30 * MINUTE).catch(() => undefined);
    const left = leftovers(sim, victim);
    return [
      ...lifecycleChecks(sim).filter((c) => !c.name.startsWith('no allocation lost')),
      check('nothing of the terminated instance left in the cluster', left.length === 0, left.length ? left.join(', ') : `${victim}: none`),
    ];
  },
};

/**
 * A server instance terminated out of band; the group launches a replacement
 * whose join gate must pass although a dead peer is still in the raft
 * configurations (Vault does not clean up dead servers by default).
 */
export const serverGoneScenario: Scenario = {
  name: 'server-gone',
  description: 'a server instance terminated out of band, then replaced: no replacement loop, failure tolerance back to its start',
  defaults: { nodes: 3, servers: 3 },
  options: () => ({ schedules: true }),
  async run(sim, args) {
    const cluster = buildCluster(sim, { servers: args.servers, pools: [{ name: 'general', nodes: args.nodes, drainDeadline: '30m' }] });
    for (const job of standardJobs('general', args.nodes)) sim.hashistack.api.registerJob(job);
    await sim.clock.sleep(5 * MINUTE);
    const tolerance = (): Record<string, number> =>
      Object.fromEntries(
        (['nomad', 'consul', 'vault'] as const).map((s) => {
          const h = sim.hashistack.api.raftHealth(s);
          return [s, h.liveVoters - h.quorum];
        }),
      );
    const start = tolerance();
    const serverGroup = cluster.serverGroup;
    const victim = sim.aws.api.group(serverGroup)?.members.find((m) => sim.hashistack.api.leader('nomad') !== m.instanceId)?.instanceId as string;
    sim.recorder.event('scenario', `EC2 TerminateInstances server ${victim} (outside Auto Scaling); tolerance at start ${JSON.stringify(start)}`);
    sim.aws.models.ec2.terminate(victim);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 2 * 60 * MINUTE);
    await sim.clock.until(() => leftovers(sim, victim).length === 0, 30 * MINUTE).catch(() => undefined);
    const end = tolerance();
    const launches = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('LAUNCHING') && a.asgName === serverGroup);
    const left = leftovers(sim, victim);
    return [
      ...lifecycleChecks(sim),
      check(
        'one replacement server, joined at the first attempt',
        launches.length === 1 && launches[0]?.result === 'CONTINUE',
        launches.map((a) => `${a.instanceId} ${a.result}`).join(', '),
      ),
      check('failure tolerance back to its start', JSON.stringify(end) === JSON.stringify(start), `start ${JSON.stringify(start)}, end ${JSON.stringify(end)}`),
      check('nothing of the terminated server left in the cluster', left.length === 0, left.length ? left.join(', ') : `${victim}: none`),
    ];
  },
};
