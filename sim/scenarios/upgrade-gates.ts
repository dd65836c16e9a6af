/**
 * Health-gated rollouts: a pool upgrade whose new image breaks the work
 * (allocations never healthy on the new nodes), and one during which a
 * service alarm goes off. Both must roll back before another batch starts.
 */
import type { Execution } from '../runtime/stepfunctions.js';
import { startPoolUpgrade } from './pool-upgrade.js';
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { standardJobs } from './jobs.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;

const entered = (e: Execution, state: string): Array<{ at: number }> =>
  e.history.filter((h) => h.type === 'StateEntered' && h.state === state).map((h) => ({ at: Date.parse(h.at) }));

/** A pool of n clients with the standard jobs, warmed up; returns its group and its image. */
async function pool(sim: Simulation, n: number, servers: number): Promise<{ asg: string; oldImage: string | undefined }> {
  const cluster = buildCluster(sim, {
    servers,
    pools: [{ name: 'general', nodes: n, maxSize: n + Math.ceil(n / 4) + 2, drainDeadline: '30m', joinTimeout: '10m' }],
  });
  for (const job of standardJobs('general', n)) sim.hashistack.api.registerJob(job);
  await sim.clock.sleep(2 * MINUTE);
  const asg = cluster.clientGroups.general as string;
  return { asg, oldImage: sim.aws.api.instance(sim.aws.api.group(asg)?.members[0]?.instanceId ?? '')?.imageId };
}

/** The pool is back: its size, every member on the old image, InService and eligible. */
async function rolledBackChecks(sim: Simulation, asg: string, oldImage: string | undefined, n: number): Promise<Check[]> {
  await settle(sim, 6 * 60 * MINUTE);
  const ms = sim.aws.api.group(asg)?.members ?? [];
  const onOld = ms.filter((m) => sim.aws.api.instance(m.instanceId)?.imageId === oldImage && m.lifecycleState === 'InService').length;
  const eligible = sim.hashistack.api.eligibleClientCapacity('general');
  return [
    check('pool back on the old image at its size', onOld === n && ms.length === n, `${onOld}/${ms.length} members InService on ${oldImage}, desired ${n}`),
    check('every node eligible again', eligible === n, `eligible client capacity ${eligible} of ${n}`),
  ];
}

/** Start the upgrade the operator types in the console. */
const start = (sim: Simulation, imageId: string): Execution => startPoolUpgrade(sim, `{"pool": "general", "imageId": "${imageId}", "surge": 1}`);

export const upgradeUnhealthyScenario: Scenario = {
  name: 'upgrade-unhealthy',
  description: "a pool upgrade to an image on which the jobs' health checks never pass rolls back before the next batch (--nodes N)",
  defaults: { nodes: 8, servers: 3 },
  async run(sim, args) {
    const n = args.nodes;
    const { asg, oldImage } = await pool(sim, n, args.servers);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-breaks-web', ownerId: 'self' });
    sim.faults.cluster.unhealthyImages.push(image.imageId);
    sim.recorder.event('scenario', `image ${image.imageId} breaks the service jobs: their health checks never pass on it`);
    const e = start(sim, image.imageId);
    await sim.clock.until(() => e.status !== 'RUNNING', 12 * 60 * MINUTE);
    const batches = entered(e, 'StartBatch').length;
    const rollbackAt = entered(e, 'Rollback')[0]?.at;
    const drainedAt = entered(e, 'WaitDrain')[0]?.at;
    return [
      ...lifecycleChecks(sim),
      check(
        'upgrade rolled back on unhealthy work',
        e.error === 'UpgradeRolledBack' && /UpgradeUnhealthy/.test(e.cause ?? ''),
        `${e.status} ${e.error ?? ''}: ${(e.cause ?? '').slice(0, 200)}`,
      ),
      check(
        'no batch after the unhealthy one',
        batches === 1,
        `${batches} batch(es) started; rollback ${rollbackAt && drainedAt ? `${Math.round((rollbackAt - drainedAt) / 1000)} s after the batch's drain began` : 'not started'}`,
      ),
      ...(await rolledBackChecks(sim, asg, oldImage, n)),
    ];
  },
};

export const upgradeDeploymentScenario: Scenario = {
  name: 'upgrade-deployment',
  description:
    'a job update during a pool upgrade whose Nomad deployment fails: the upgrade rolls back before the next batch, naming the job and the deployment (--nodes N)',
  defaults: { nodes: 8, servers: 3 },
  async run(sim, args) {
    const n = args.nodes;
    const { asg, oldImage } = await pool(sim, n, args.servers);
    const web = standardJobs('general', n)[0];
    const group = web?.TaskGroups[0];
    if (!web || !group) throw new Error('standard jobs changed: no web job');
    // The web team rolls its service out with deployments (auto_revert, no progress deadline: the first
    // unhealthy allocation fails a deployment); version 1 rolls out and becomes the stable version.
    const update = { MaxParallel: 1, MinHealthyTimeMs: 10_000, HealthyDeadlineMs: 3 * MINUTE, ProgressDeadlineMs: 0, AutoRevert: true };
    sim.hashistack.api.registerJob({ ...web, TaskGroups: [{ ...group, Update: update }] });
    await sim.clock.until(() => sim.hashistack.api.deployments().some((d) => d.JobID === web.ID && d.Status === 'successful'), 30 * MINUTE);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const e = start(sim, image.imageId);
    await sim.clock.until(() => entered(e, 'StartBatch').length === 1 || e.status !== 'RUNNING', 10 * MINUTE);
    sim.recorder.event('scenario', `version 2 of ${web.ID}, whose health checks never pass, is registered while the upgrade runs`);
    sim.hashistack.api.registerJob({ ...web, TaskGroups: [{ ...group, Update: update, ChecksFail: true }] });
    await sim.clock.until(() => e.status !== 'RUNNING', 12 * 60 * MINUTE);
    const deployment = sim.hashistack.api.deployments().find((d) => d.JobID === web.ID && d.JobVersion === 2);
    const batches = entered(e, 'StartBatch').length;
    const failedAt = deployment ? deployment.ModifyTime / 1e6 : undefined;
    const rollbackAt = entered(e, 'Rollback')[0]?.at;
    return [
      ...lifecycleChecks(sim),
      check(
        'the job update made a deployment, and it failed (auto-reverted)',
        deployment?.Status === 'failed',
        deployment ? `deployment ${deployment.ID.slice(0, 8)} ${deployment.Status}: ${deployment.StatusDescription}` : 'no deployment',
      ),
      check(
        'upgrade rolled back naming the job and the deployment',
        e.error === 'UpgradeRolledBack' &&
          /UpgradeUnhealthy/.test(e.cause ?? '') &&
          e.cause?.includes(`deployment ${deployment?.ID.slice(0, 8)} of job ${web.ID}`) === true,
        `${e.status} ${e.error ?? ''}: ${(e.cause ?? '').slice(0, 300)}`,
      ),
      check(
        'no batch after the failed deployment',
        batches === 1,
        `${batches} batch(es) started; rollback ${rollbackAt && failedAt ? `${Math.round((rollbackAt - failedAt) / 1000)} s after the deployment failed` : 'not started'}`,
      ),
      ...(await rolledBackChecks(sim, asg, oldImage, n)),
    ];
  },
};

export const upgradeAlarmScenario: Scenario = {
  name: 'upgrade-alarm',
  description: 'a service alarm goes off in the middle of a pool upgrade: it rolls back within one evaluation period (--nodes N)',
  defaults: { nodes: 8, servers: 3 },
  async run(sim, args) {
    const n = args.nodes;
    const alarmName = String((sim.deploy.stageConfig.upgradeAlarms as string[] | undefined)?.[0] ?? '');
    const { asg, oldImage } = await pool(sim, n, args.servers);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const e = start(sim, image.imageId);
    // Mid-upgrade: the second batch's new node is joining.
    await sim.clock.until(() => entered(e, 'StartBatch').length === 2 || e.status !== 'RUNNING', 6 * 60 * MINUTE);
    const alarm = sim.cloudwatch.setState(alarmName, 'ALARM', 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)');
    const firedAt = sim.clock.now();
    await sim.clock.until(() => e.status !== 'RUNNING', 12 * 60 * MINUTE);
    const rollbackAt = entered(e, 'Rollback')[0]?.at;
    const detected = rollbackAt === undefined ? Number.POSITIVE_INFINITY : rollbackAt - firedAt;
    sim.cloudwatch.setState(alarmName, 'OK', 'Threshold Crossed: no datapoint above 5');
    // A new node the rollback terminated while it was still joining: its launch action ends with the instance (AWS
    // abandons it), its join stopped by the router; every other launch action completed exactly once.
    const launches = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('LAUNCHING'));
    const cutShort = (a: (typeof launches)[number]): boolean =>
      a.result === 'ABANDON' && a.completeCallsSucceeded === 0 && sim.aws.api.instance(a.instanceId)?.imageId === image.imageId;
    const badLaunch = launches.filter((a) => !cutShort(a) && (a.result !== 'CONTINUE' || a.completeCallsSucceeded !== 1));
    return [
      ...lifecycleChecks(sim).filter((c) => !c.name.startsWith('launch actions')),
      check(
        'launch actions completed exactly once, or ended by the rollback terminating a joining node',
        badLaunch.length === 0,
        `${launches.length - badLaunch.length} of ${launches.length} (${launches.filter(cutShort).length} cut short by the rollback)${badLaunch.length ? `; not: ${badLaunch.map((a) => `${a.instanceId} ${a.result ?? 'pending'} x${a.completeCallsSucceeded}`).join(', ')}` : ''}`,
      ),
      check(
        'upgrade rolled back on the alarm',
        e.error === 'UpgradeRolledBack' && /UpgradeAlarm/.test(e.cause ?? ''),
        `${e.status} ${e.error ?? ''}: ${(e.cause ?? '').slice(0, 200)}`,
      ),
      check(
        'rollback within one evaluation period',
        detected <= alarm.period * 1000,
        `rollback started ${(detected / 1000).toFixed(1)} s after ${alarmName} went to ALARM (period ${alarm.period} s); ${entered(e, 'StartBatch').length} batches started`,
      ),
      ...(await rolledBackChecks(sim, asg, oldImage, n)),
    ];
  },
};
