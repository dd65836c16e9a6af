import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { standardJobs } from './jobs.js';
import { batchFigures, idealMs, transitionsOf, watchEligibleFloor, type UpgradeOutput } from './upgrade-metrics.js';
import { check, type Scenario } from './types.js';

const MINUTE = 60_000;
/** Allowed end-to-end time over the ideal (see {@link batchFigures} for the ideal). */
export const UPGRADE_RATIO_TARGET = 1.15;

/**
 * A client pool of N nodes running service jobs (with migrate limits), a
 * batch job and a system job is upgraded to a newly registered AMI by a
 * poolUpgrade execution with surge 25 %, started with the input an operator
 * types in the console.
 */
export const upgradeScenario: Scenario = {
  name: 'upgrade',
  description: 'a pool of N clients is upgraded to a new AMI, surge 25 % (--nodes N, --drain-minutes M)',
  defaults: { nodes: 30, servers: 3, throttle: 0, drainMinutes: 2 },
  async run(sim, args) {
    const n = args.nodes;
    const warmup = 2 * MINUTE;
    const cluster = buildCluster(sim, {
      servers: args.servers,
      pools: [{ name: 'general', nodes: n, maxSize: n + Math.ceil(n / 4) + 2, drainDeadline: `${args.drainMinutes * 2 + 30}m`, joinTimeout: '10m' }],
    });
    const asg = cluster.clientGroups.general as string;
    // The batch allocations still need `drainMinutes` when the first batch is drained.
    for (const job of standardJobs('general', n, { batchRunTimeMs: warmup + args.drainMinutes * MINUTE })) sim.hashistack.api.registerJob(job);
    await sim.clock.sleep(warmup);
    const image = sim.aws.api.registerImage({
      architecture: 'arm64',
      name: 'hashistack-alpine-3.22-20260201',
      ownerId: 'self',
      tags: { 'hashistack:os': 'alpine' },
    });

    const floor = watchEligibleFloor(sim, 'general');
    const startedIso = sim.clock.iso();
    const input = `{"pool": "general", "imageId": "${image.imageId}", "surge": "25%"}`;
    sim.recorder.event('scenario', `operator starts poolUpgrade ${input}`);
    const e = sim.sfn.startExecution(sim.sfn.machine('poolUpgrade').arn, undefined, input);
    await sim.clock.until(() => e.status !== 'RUNNING', 24 * 60 * MINUTE);
    floor.stop();
    await settle(sim, 6 * 60 * MINUTE);

    const out = JSON.parse(e.output ?? '{}') as UpgradeOutput;
    const batches = batchFigures(sim, out);
    const ideal = idealMs(batches);
    const actual = (e.stopDate ?? sim.clock.now()) - e.startDate;
    const ratio = ideal > 0 ? actual / ideal : Number.POSITIVE_INFINITY;
    const upgradeTransitions = transitionsOf(sim, 'poolUpgrade', startedIso).reduce((a, b) => a + b, 0);
    const drains = transitionsOf(sim, 'drain', startedIso);
    const joins = transitionsOf(sim, 'join', startedIso);
    const members = cluster.group(asg).members;
    const onNewImage = members.filter((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId).length;
    const fmt = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;
    const perBatch = batches.map((b) => `[${b.oldNodes}→${b.newNodes}: join ${fmt(b.bootAndJoinMs)} + drain ${fmt(b.drainMs)}]`).join(' + ');
    return [
      ...lifecycleChecks(sim),
      check(
        'upgrade SUCCEEDED, every node on the new image',
        e.status === 'SUCCEEDED' && onNewImage === n && members.length === n,
        `${e.status}${e.error ? ` ${e.error}: ${e.cause ?? ''}` : ''}; ${onNewImage}/${members.length} members on ${image.imageId}, desired ${n}`,
      ),
      check(
        `upgrade within ${UPGRADE_RATIO_TARGET} x ideal`,
        ratio <= UPGRADE_RATIO_TARGET,
        `ratio ${ratio.toFixed(3)}: ${fmt(actual)} vs ideal ${fmt(ideal)} = ${perBatch}`,
      ),
      check(
        'eligible client capacity never below the starting desired capacity',
        floor.lowest >= n,
        `lowest ${floor.lowest} (desired ${n}) over ${floor.samples} samples`,
      ),
      check(
        'state transitions per replaced node',
        upgradeTransitions > 0,
        [
          `poolUpgrade ${upgradeTransitions} / ${n} = ${(upgradeTransitions / n).toFixed(2)} per node;`,
          `drain executions ${drains.length}, max ${Math.max(0, ...drains)}; join executions ${joins.length}, max ${Math.max(0, ...joins)}`,
        ].join(' '),
      ),
    ];
  },
};
