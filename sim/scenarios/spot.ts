/** Spot interruptions, rebalance recommendations, scheduled retirements and warm pools (issue 12). */
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle, type Cluster, type PoolSpec } from './cluster.js';
import { check, type Check, type Scenario } from './types.js';
import type { JobSpec } from '../hashistack/index.js';

const MINUTE = 60_000;

/** Service work only: what a two-minute warning can move (batch work on a reclaimed node restarts elsewhere). */
function serviceJobs(pool: string, nodes: number): JobSpec[] {
  return [
    {
      ID: `web-${pool}`,
      Type: 'service',
      NodePool: pool,
      TaskGroups: [{ Name: 'web', Count: nodes, cpu: 500, memoryMB: 512, Migrate: { MaxParallel: 3, MinHealthyTimeMs: 5_000 }, KillTimeoutMs: 5_000 }],
    },
    {
      ID: `api-${pool}`,
      Type: 'service',
      NodePool: pool,
      TaskGroups: [
        {
          Name: 'api',
          Count: Math.max(2, Math.ceil(nodes / 2)),
          cpu: 1000,
          memoryMB: 1024,
          Migrate: { MaxParallel: 2, MinHealthyTimeMs: 5_000 },
          KillTimeoutMs: 5_000,
        },
      ],
    },
    { ID: `node-exporter-${pool}`, Type: 'system', NodePool: pool, TaskGroups: [{ Name: 'exporter', Count: 1, cpu: 100, memoryMB: 64 }] },
  ];
}

/** A cluster of one client pool running service work on every node, settled for five minutes. */
async function busyPool(sim: Simulation, servers: number, pool: PoolSpec): Promise<{ cluster: Cluster; group: string }> {
  const cluster = buildCluster(sim, { servers, pools: [pool] });
  for (const job of serviceJobs(pool.name, pool.nodes)) sim.hashistack.api.registerJob(job);
  await sim.clock.sleep(5 * MINUTE);
  return { cluster, group: cluster.clientGroups[pool.name] as string };
}

/** The first fifth of the group's instances (at least one): the nodes a scenario interrupts. */
const firstFifth = (cluster: Cluster, group: string, nodes: number): string[] =>
  cluster
    .group(group)
    .members.slice(0, Math.max(1, Math.round(nodes * 0.2)))
    .map((m) => m.instanceId);

/** Resolve with the sim time at which `cond` first holds (polled on every clock step), or null past `limitMs`. */
function whenTrue(sim: Simulation, cond: () => boolean, limitMs: number): Promise<number | null> {
  return sim.clock.until(cond, limitMs).then(
    () => sim.clock.now(),
    () => null,
  );
}

/** No Consul member (not left) or Nomad node remains of these instances. */
function noOrphans(sim: Simulation, instanceIds: string[], of: string): Check {
  const gone = new Set(instanceIds);
  const members = sim.hashistack.api
    .members('consul')
    .filter((m) => gone.has(m.instanceId) && m.status !== 'left')
    .map((m) => `${m.instanceId} ${m.status}`);
  const nodes = sim.hashistack.api
    .nodes()
    .filter((n) => gone.has(n.Attributes['unique.platform.aws.instance-id'] ?? ''))
    .map((n) => `${n.ID.slice(0, 8)} ${n.Status}`);
  return check(
    `no orphan Consul member or Nomad node of ${of}`,
    members.length + nodes.length === 0,
    `members: ${members.join(', ') || 'none'}; nodes: ${nodes.join(', ') || 'none'}`,
  );
}

const fmt = (ms: number | null): string =>
  ms === null || !Number.isFinite(ms) ? 'never' : Math.abs(ms) >= 2 * 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 1000).toFixed(1)} s`;

/**
 * A Spot pool of N nodes running service work; EC2 interrupts 20 % of them at
 * once (two-minute warning, then the reclaim). The other nodes have room.
 * With Capacity Rebalancing the group also starts a terminate lifecycle
 * action for each interrupted instance: the interruption's drain completes
 * it, no second drain starts.
 */
function spotInterruption(capacityRebalance: boolean): Scenario {
  return {
    name: capacityRebalance ? 'spot-with-rebalancing' : 'spot-interruption',
    description: capacityRebalance
      ? 'EC2 interrupts 20 % of a Spot pool with Capacity Rebalancing: the group also terminates them through the hook; one drain, one completion (--nodes N)'
      : 'EC2 interrupts 20 % of a Spot pool (two-minute warning, then reclaim); the rest has room (--nodes N)',
    defaults: { nodes: 10, servers: 3 },
    async run(sim, args) {
      const { cluster, group } = await busyPool(sim, args.servers, { name: 'spot', nodes: args.nodes, drainDeadline: '30m', spot: true, capacityRebalance });

      const victims = firstFifth(cluster, group, args.nodes);
      const warnedAt = sim.clock.now();
      sim.recorder.event('scenario', `EC2 interrupts ${victims.length} of ${args.nodes} Spot nodes: ${victims.join(', ')}`);
      const timings = victims.map((id) => {
        const { reclaimAt } = sim.aws.api.interruptSpot(id);
        const node = sim.hashistack.api.nodeOfInstance(id);
        return {
          id,
          reclaimAt,
          ineligibleAt: whenTrue(sim, () => sim.hashistack.api.nodeOfInstance(id)?.SchedulingEligibility === 'ineligible', 5 * MINUTE),
          leftAt: whenTrue(sim, () => sim.hashistack.api.members('consul').find((m) => m.instanceId === id)?.status === 'left', 5 * MINUTE),
          node: node?.ID ?? null,
        };
      });
      await sim.clock.sleep(3 * MINUTE);
      await settle(sim, 60 * MINUTE);
      await sim.clock.sleep(5 * MINUTE);

      const rows = await Promise.all(timings.map(async (t) => ({ ...t, ineligible: await t.ineligibleAt, left: await t.leftAt })));
      const toIneligible = rows.map((r) => (r.ineligible === null ? null : r.ineligible - warnedAt));
      const leftBefore = rows.map((r) => (r.left === null ? null : r.reclaimAt - r.left));
      const maxIneligible = toIneligible.some((x) => x === null) ? null : Math.max(...(toIneligible as number[]));
      const minMargin = leftBefore.some((x) => x === null) ? null : Math.min(...(leftBefore as number[]));
      const drains = sim.recorder.executionRecords().filter((e) => e.name.startsWith('drain-'));
      const terminates = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('TERMINATING') && victims.includes(a.instanceId));
      const summary = `warning → ineligible max ${fmt(maxIneligible)}; Consul leave ${fmt(minMargin)} (min) before the reclaim`;
      sim.recorder.event('scenario', summary);
      return [
        ...lifecycleChecks(sim),
        check(
          'each interrupted node ineligible before it left Consul, before the reclaim',
          rows.every((r) => r.ineligible !== null && r.left !== null && r.ineligible <= r.left && r.ineligible < r.reclaimAt),
          `warning → ineligible max ${fmt(maxIneligible)} over ${victims.length}`,
          maxIneligible ?? undefined,
        ),
        check(
          'each interrupted node out of Consul before EC2 reclaims it',
          minMargin !== null && minMargin > 0,
          `left ${fmt(minMargin)} (min) before the reclaim`,
        ),
        noOrphans(sim, victims, 'a reclaimed instance'),
        check(
          'one drain per interrupted node, each succeeded',
          drains.length === victims.length && drains.every((e) => e.status === 'SUCCEEDED'),
          drains.map((e) => `${e.name} ${e.status}${e.error ? ` ${e.error}` : ''}`).join(', '),
        ),
        check(
          capacityRebalance
            ? "each interrupted instance's terminate action completed once, by the interruption's drain"
            : 'no terminate action (EC2 took the instances)',
          capacityRebalance ? terminates.length === victims.length && terminates.every((a) => a.completeCallsSucceeded === 1) : terminates.length === 0,
          `${terminates.length} terminate actions: ${terminates.map((a) => `${a.instanceId} ${a.result ?? 'pending'} x${a.completeCallsSucceeded}`).join(', ') || 'none'}`,
        ),
      ];
    },
  };
}

export const spotInterruptionScenario = spotInterruption(false);
export const spotInterruptionRebalancingScenario = spotInterruption(true);

/**
 * A Spot pool with Capacity Rebalancing: EC2 recommends rebalancing 20 % of
 * it. The group launches replacements (our join gate lets them in), then
 * terminates the at-risk nodes through the terminate hook (our drain).
 */
export const rebalanceScenario: Scenario = {
  name: 'rebalance',
  description: 'rebalance recommendations for 20 % of a Spot pool with Capacity Rebalancing (--nodes N)',
  defaults: { nodes: 10, servers: 3 },
  async run(sim, args) {
    const { cluster, group } = await busyPool(sim, args.servers, {
      name: 'spot',
      nodes: args.nodes,
      drainDeadline: '30m',
      spot: true,
      capacityRebalance: true,
    });
    const victims = firstFifth(cluster, group, args.nodes);
    const recommendedAt = sim.clock.now();
    sim.recorder.event('scenario', `rebalance recommendations for ${victims.join(', ')}`);
    const watch = victims.map((id) => ({
      id,
      ineligibleAt: whenTrue(sim, () => sim.hashistack.api.nodeOfInstance(id)?.SchedulingEligibility === 'ineligible', 10 * MINUTE),
      drainStartedAt: whenTrue(sim, () => sim.hashistack.api.nodeOfInstance(id)?.DrainStrategy != null, 60 * MINUTE),
    }));
    for (const id of victims) sim.aws.api.recommendRebalance(id);
    // Which replacement Capacity Rebalancing launched for which node.
    const member = (id: string) => cluster.group(group).members.find((m) => m.instanceId === id);
    await sim.clock.until(() => victims.every((id) => member(id)?.replacedBy !== undefined), 5 * MINUTE);
    const replacementOf = new Map(victims.map((id) => [id, member(id)?.replacedBy]));
    await sim.clock.sleep(MINUTE);
    await settle(sim, 60 * MINUTE);

    const rows = await Promise.all(watch.map(async (w) => ({ id: w.id, ineligible: await w.ineligibleAt, drain: await w.drainStartedAt })));
    const launches = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('LAUNCHING') && a.asgName === group);
    const inServiceAt = (id: string | undefined) => {
      const a = launches.find((l) => l.instanceId === id && l.result === 'CONTINUE');
      return a?.endedAt ? Date.parse(a.endedAt) : Number.POSITIVE_INFINITY;
    };
    // Per node: its replacement completed the launch hook (InService) before its drain started.
    const order = rows.map((r) => ({ id: r.id, margin: (r.drain ?? Number.NEGATIVE_INFINITY) - inServiceAt(replacementOf.get(r.id)) }));
    const maxIneligible = Math.max(...rows.map((r) => (r.ineligible ?? Number.POSITIVE_INFINITY) - recommendedAt));
    return [
      ...lifecycleChecks(sim),
      check(
        'each recommended node ineligible before its replacement went InService (no new work while it waits)',
        rows.every((r) => r.ineligible !== null && r.ineligible < inServiceAt(replacementOf.get(r.id))),
        `recommendation → ineligible max ${fmt(maxIneligible)}`,
        maxIneligible,
      ),
      check(
        'each replacement InService before its old node is drained',
        launches.length === victims.length && order.every((o) => o.margin >= 0),
        order.map((o) => `${o.id}: drain ${fmt(o.margin)} after its replacement went InService`).join('; '),
      ),
      noOrphans(sim, victims, 'a replaced instance'),
    ];
  },
};

/**
 * A Spot pool without Capacity Rebalancing and `rebalanceReplace: true`: EC2
 * recommends rebalancing 20 % of it at once. Each node is replaced surge
 * first by its own noticeReplace execution (+1, the replacement joins, then
 * the old node is terminated with decrement through the terminate hook); the
 * concurrent surges of the one group must add one instance each and leave the
 * group at its size.
 */
export const rebalanceSurgeScenario: Scenario = {
  name: 'rebalance-surge',
  description: 'rebalance recommendations for 20 % of a Spot pool without Capacity Rebalancing, rebalanceReplace: surge one, drain, terminate (--nodes N)',
  defaults: { nodes: 10, servers: 3 },
  options: () => ({ config: { rebalanceReplace: true } }),
  async run(sim, args) {
    const { cluster, group } = await busyPool(sim, args.servers, {
      name: 'spot',
      nodes: args.nodes,
      drainDeadline: '30m',
      spot: true,
      capacityRebalance: false,
    });
    const sizeBefore = cluster.group(group).desiredCapacity;
    const victims = firstFifth(cluster, group, args.nodes);
    const before = new Set(cluster.group(group).members.map((m) => m.instanceId));
    const recommendedAt = sim.clock.now();
    sim.recorder.event('scenario', `rebalance recommendations for ${victims.join(', ')} (no Capacity Rebalancing)`);
    const watch = victims.map((id) => ({
      id,
      ineligibleAt: whenTrue(sim, () => sim.hashistack.api.nodeOfInstance(id)?.SchedulingEligibility === 'ineligible', 10 * MINUTE),
      drainStartedAt: whenTrue(sim, () => sim.hashistack.api.nodeOfInstance(id)?.DrainStrategy != null, 60 * MINUTE),
    }));
    let peak = sizeBefore;
    const peakWatch = whenTrue(
      sim,
      () => {
        peak = Math.max(peak, cluster.group(group).desiredCapacity);
        return false;
      },
      60 * MINUTE,
    );
    for (const id of victims) sim.aws.api.recommendRebalance(id);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 60 * MINUTE);
    await peakWatch;

    const rows = await Promise.all(watch.map(async (w) => ({ id: w.id, ineligible: await w.ineligibleAt, drain: await w.drainStartedAt })));
    const launches = sim.recorder
      .lifecycleActions()
      .filter((a) => a.transition.endsWith('LAUNCHING') && a.asgName === group && !before.has(a.instanceId) && a.result === 'CONTINUE');
    const inServiceTimes = launches.map((a) => Date.parse(a.endedAt ?? '')).sort((a, b) => a - b);
    // Every old node's drain starts after a replacement of its own went InService (the k-th drain after the k-th replacement).
    const drains = rows.map((r) => r.drain ?? Number.NEGATIVE_INFINITY).sort((a, b) => a - b);
    const margins = drains.map((d, k) => d - (inServiceTimes[k] ?? Number.POSITIVE_INFINITY));
    const maxIneligible = Math.max(...rows.map((r) => (r.ineligible ?? Number.POSITIVE_INFINITY) - recommendedAt));
    const surges = sim.recorder.executionRecords().filter((e) => e.name.startsWith('surge-'));
    const g = cluster.group(group);
    const gone = victims.filter((id) => sim.aws.api.instance(id)?.state === 'terminated');
    return [
      ...lifecycleChecks(sim),
      check(
        'each recommended node ineligible before the first replacement went InService (no new work while it waits)',
        rows.every((r) => r.ineligible !== null && r.ineligible < (inServiceTimes[0] ?? Number.POSITIVE_INFINITY)),
        `recommendation → ineligible max ${fmt(maxIneligible)}`,
        maxIneligible,
      ),
      check(
        'one surge replacement per node, each succeeded',
        surges.length === victims.length && surges.every((e) => e.status === 'SUCCEEDED'),
        surges.map((e) => `${e.name} ${e.status}`).join('; '),
      ),
      check(
        'each replacement InService before an old node is drained',
        launches.length === victims.length && margins.every((m) => m >= 0),
        margins.map((m) => `drain ${fmt(m)} after a replacement went InService`).join('; '),
      ),
      check(
        'the surges added one instance each, the group is back at its size',
        peak === sizeBefore + victims.length && g.desiredCapacity === sizeBefore && g.members.length === sizeBefore,
        `desired ${sizeBefore} → peak ${peak} → ${g.desiredCapacity}; ${g.members.length} members`,
      ),
      check('every recommended instance terminated', gone.length === victims.length, `${gone.length}/${victims.length}`),
      noOrphans(sim, victims, 'a replaced instance'),
    ];
  },
};

/**
 * AWS Health schedules the retirement of a client and a server a day ahead,
 * with a maintenance window (Mon 12:00-14:00 UTC) that opens three hours
 * later: both wait for the window (one noticeReplace execution each; the
 * Health event sent again starts nothing new), then are replaced inside it,
 * well before the scheduled time.
 */
export const retirementWindowScenario: Scenario = {
  name: 'retirement-window',
  description:
    'AWS Health schedules a client and a server for retirement a day ahead; both replaced inside the maintenance window that opens 3 h later (--nodes N)',
  defaults: { nodes: 6, servers: 3 },
  options: () => ({ config: { maintenanceWindow: 'Mon 12:00-14:00' } }),
  async run(sim, args) {
    const { cluster, group } = await busyPool(sim, args.servers, { name: 'general', nodes: args.nodes, drainDeadline: '30m' });
    const client = cluster.group(group).members[0]?.instanceId as string;
    const server = cluster.group(cluster.serverGroup).members[0]?.instanceId as string;
    const scheduledAt = sim.clock.now() + 24 * 60 * MINUTE;
    const windowOpens = Date.parse('2026-01-05T12:00:00Z');
    const windowCloses = Date.parse('2026-01-05T14:00:00Z');
    const terminatingAt = (id: string) =>
      whenTrue(
        sim,
        () =>
          (sim.aws.api.instance(id)?.state ?? 'terminated') !== 'running' ||
          sim.recorder.lifecycleActions().some((a) => a.instanceId === id && a.transition.endsWith('TERMINATING')),
        5 * 60 * MINUTE,
      );
    const watch = [terminatingAt(client), terminatingAt(server)];
    sim.aws.api.scheduleRetirement([client, server], scheduledAt);
    await sim.clock.sleep(30 * MINUTE);
    // AWS Health sends the event again (its status changed): nothing new is scheduled.
    sim.aws.api.scheduleRetirement([client, server], scheduledAt);
    await sim.clock.sleep(MINUTE);
    const waiting = sim.sfn.list().filter((e) => e.name.startsWith('retire-') && e.status === 'RUNNING').length;
    await sim.clock.until(() => sim.clock.now() >= windowOpens, 5 * 60 * MINUTE);
    await settle(sim, 3 * 60 * MINUTE);
    const [clientAt = null, serverAt = null] = await Promise.all(watch);
    // When the last lifecycle action of the replacements ended (the old instances drained and gone, the new ones joined).
    const settledAt = Math.max(...sim.recorder.lifecycleActions().map((a) => (a.endedAt ? Date.parse(a.endedAt) : Number.POSITIVE_INFINITY)));
    const retire = sim.recorder.executionRecords().filter((e) => e.name.startsWith('retire-'));
    const gone = (id: string) => sim.aws.api.instance(id)?.state === 'terminated';
    const raft = sim.hashistack.api.raftHealth('nomad');
    const inWindow = (t: number | null) => t !== null && t >= windowOpens && t < windowCloses;
    return [
      ...lifecycleChecks(sim),
      check(
        'one replacement scheduled per instance, waiting for the window (the repeated event scheduled nothing)',
        waiting === 2 && retire.length === 2 && retire.every((e) => e.status === 'SUCCEEDED'),
        `${waiting} waiting after the repeated event; ${retire.map((e) => `${e.name} ${e.status}`).join('; ')}`,
      ),
      check(
        'both replaced inside the window (done before it closes), before the scheduled time',
        inWindow(clientAt) && inWindow(serverAt) && gone(client) && gone(server) && settledAt < windowCloses,
        `termination started ${fmt((clientAt ?? Number.NaN) - windowOpens)} (client), ${fmt((serverAt ?? Number.NaN) - windowOpens)} (server) after the window opened; last lifecycle action ended ${fmt(scheduledAt - settledAt)} before the scheduled time, ${fmt(settledAt - windowOpens)} after the window opened`,
      ),
      check(
        'servers: quorum kept, a full set of voters again',
        raft.voters === args.servers && raft.liveVoters === args.servers && raft.leader !== null,
        `${raft.liveVoters}/${raft.voters} live voters, leader ${raft.leader ?? 'none'}`,
      ),
      noOrphans(sim, [client], 'the retired client'),
    ];
  },
};

/**
 * AWS Health schedules the retirement of one client and one server a day
 * ahead; the maintenance window (the example's, Sundays) opens too late, so
 * both are replaced at once, long before (the server quorum-safely).
 */
export const scheduledRetirementScenario: Scenario = {
  name: 'scheduled-retirement',
  description:
    'AWS Health schedules the retirement of a client and a server a day ahead, the maintenance window is too late: both replaced at once (--nodes N)',
  defaults: { nodes: 6, servers: 3 },
  async run(sim, args) {
    const { cluster, group } = await busyPool(sim, args.servers, { name: 'general', nodes: args.nodes, drainDeadline: '30m' });
    const client = cluster.group(group).members[0]?.instanceId as string;
    const server = cluster.group(cluster.serverGroup).members[0]?.instanceId as string;
    const scheduledAt = sim.clock.now() + 24 * 60 * MINUTE;
    sim.aws.api.scheduleRetirement([client, server], scheduledAt);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 6 * 60 * MINUTE);
    const settledAt = sim.clock.now();
    const gone = (id: string) => sim.aws.api.instance(id)?.state === 'terminated';
    const raft = sim.hashistack.api.raftHealth('nomad');
    return [
      ...lifecycleChecks(sim),
      check(
        'both replaced before the scheduled time',
        gone(client) && gone(server) && settledAt < scheduledAt,
        `replaced and settled ${fmt(scheduledAt - settledAt)} before the scheduled time`,
      ),
      check(
        'servers: quorum kept, a full set of voters again',
        raft.voters === args.servers && raft.liveVoters === args.servers && raft.leader !== null,
        `${raft.liveVoters}/${raft.voters} live voters, leader ${raft.leader ?? 'none'}`,
      ),
      noOrphans(sim, [client], 'the retired client'),
    ];
  },
};

/**
 * Scale-out from a warm pool (stopped instances, prepared) against a cold
 * launch in a second pool: how long from the scale-out to InService (the
 * join gate passed). Instances entering the warm pool are completed at once
 * without the gate and leave nothing behind in the cluster.
 */
export const warmPoolScenario: Scenario = {
  name: 'warm-pool',
  description: 'scale-out by N from a warm pool (Stopped) vs a cold launch; warm pool launches skip the gate (--nodes N)',
  defaults: { nodes: 3, servers: 3 },
  async run(sim, args) {
    const n = args.nodes;
    const cluster = buildCluster(sim, {
      servers: args.servers,
      pools: [
        { name: 'warm', nodes: 2, maxSize: 2 + n, warmPool: { minSize: n, poolState: 'Stopped' } },
        { name: 'cold', nodes: 2, maxSize: 2 + n },
      ],
    });
    const warm = cluster.clientGroups.warm as string;
    const cold = cluster.clientGroups.cold as string;
    await sim.clock.sleep(MINUTE);
    await sim.clock.until(() => cluster.group(warm).members.filter((m) => m.lifecycleState === 'Warmed:Stopped').length === n, 30 * MINUTE);
    const intoPool = sim.recorder.lifecycleActions().filter((a) => a.asgName === warm && a.transition.endsWith('LAUNCHING'));
    const warmIds = new Set(intoPool.map((a) => a.instanceId));
    const membersWhileWarm = sim.hashistack.api.members('consul').filter((m) => warmIds.has(m.instanceId)).length;
    const nodesWhileWarm = sim.hashistack.api.nodes().filter((x) => warmIds.has(x.Attributes['unique.platform.aws.instance-id'] ?? '')).length;
    sim.recorder.event('scenario', `warm pool ready: ${n} instances Warmed:Stopped`);

    const gateTimes = async (group: string): Promise<number[]> => {
      const before = new Set(sim.recorder.lifecycleActions().map((a) => a.token));
      // Only the instances that scale out: not the warm pool's refill launched after them.
      const ready = new Set(
        cluster
          .group(group)
          .members.filter((m) => m.lifecycleState === 'Warmed:Stopped')
          .map((m) => m.instanceId),
      );
      const t0 = sim.clock.now();
      sim.aws.api.setDesiredCapacity(group, 2 + n);
      await sim.clock.sleep(MINUTE);
      await settle(sim, 60 * MINUTE);
      return sim.recorder
        .lifecycleActions()
        .filter(
          (a) =>
            !before.has(a.token) &&
            a.asgName === group &&
            a.transition.endsWith('LAUNCHING') &&
            a.result === 'CONTINUE' &&
            (ready.size === 0 || ready.has(a.instanceId)),
        )
        .map((a) => (a.endedAt === null ? Number.POSITIVE_INFINITY : Date.parse(a.endedAt)) - t0);
    };
    const warmTimes = await gateTimes(warm);
    const coldTimes = await gateTimes(cold);
    const max = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
    sim.recorder.event('scenario', `scale-out to InService: warm pool max ${fmt(max(warmTimes))}, cold launch max ${fmt(max(coldTimes))}`);

    // The warm pool is emptied (MinSize 0, no prepared capacity left): terminations from the pool, Origin WarmPool.
    await sim.clock.until(() => cluster.group(warm).members.filter((m) => m.lifecycleState === 'Warmed:Stopped').length === n, 30 * MINUTE);
    const refilled = cluster
      .group(warm)
      .members.filter((m) => m.lifecycleState === 'Warmed:Stopped')
      .map((m) => m.instanceId);
    sim.aws.api.putWarmPool(warm, { minSize: 0, maxGroupPreparedCapacity: 2 + n, poolState: 'Stopped' });
    await sim.clock.until(() => refilled.every((id) => sim.aws.api.instance(id)?.state === 'terminated'), 30 * MINUTE);
    const fromPool = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('TERMINATING') && refilled.includes(a.instanceId));
    const drainsOfPool = sim.recorder.executionRecords().filter((e) => e.name.startsWith('drain-') && refilled.some((id) => e.name.includes(id)));
    const joins = sim.recorder.executionRecords().filter((e) => e.name.startsWith('join-'));
    const warmJoins = joins.filter((e) => [...warmIds].some((id) => e.name.includes(id)));
    const poolLaunches = intoPool.filter((a) => a.result === 'CONTINUE' && a.completeCallsSucceeded === 1);
    return [
      ...lifecycleChecks(sim),
      check('launches into the warm pool completed CONTINUE, none abandoned', poolLaunches.length >= n, `${poolLaunches.length} of ${intoPool.length}`),
      check(
        'terminations from the warm pool completed at once, without a drain',
        fromPool.length === n && fromPool.every((a) => a.result === 'CONTINUE' && a.completeCallsSucceeded === 1) && drainsOfPool.length === 0,
        `${fromPool.length} terminate actions (${fromPool.map((a) => a.result).join(', ')}), ${drainsOfPool.length} drains`,
      ),
      check(
        'no Consul member or Nomad node while in the warm pool',
        membersWhileWarm + nodesWhileWarm === 0,
        `${membersWhileWarm} members, ${nodesWhileWarm} nodes`,
      ),
      check(
        'launches into the pool wait only for the boot; moves out of it pass the join gate',
        warmJoins.length === 2 * n && warmJoins.every((e) => e.status === 'SUCCEEDED'),
        `${warmJoins.length} join executions (into the pool and out of it), ${warmJoins.filter((e) => e.status === 'SUCCEEDED').length} succeeded`,
      ),
      check(
        'scale-out from the warm pool faster than a cold launch',
        warmTimes.length === n && coldTimes.length === n && (max(warmTimes) ?? 0) < (max(coldTimes) ?? 0),
        `warm max ${fmt(max(warmTimes))} (${warmTimes.map(fmt).join(', ')}); cold max ${fmt(max(coldTimes))} (${coldTimes.map(fmt).join(', ')})`,
      ),
    ] satisfies Check[];
  },
};
