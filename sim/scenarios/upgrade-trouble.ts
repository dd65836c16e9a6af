/**
 * Upgrades that respect others (issue: fail safe): an operator or the ASG's
 * own scaling acting while a poolUpgrade runs. Each ends with the lock
 * released and every lifecycle action completed once.
 */
import { SIM_TOKENS, type Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { startPoolUpgrade, upgradeEnded } from './pool-upgrade.js';
import { buildCluster, settle } from './cluster.js';
import { standardJobs } from './jobs.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;
/** Instances launched after the 3 servers and 4 clients (ordinals 8…) never boot: every upgrade batch stalls. */
const NEW_NODES_NEVER_BOOT = Array.from({ length: 60 }, (_, i) => i + 8);

async function generalPool(sim: Simulation, nodes: number): Promise<string> {
  const cluster = buildCluster(sim, {
    servers: 3,
    pools: [{ name: 'general', nodes, maxSize: nodes + 10, drainDeadline: '30m', joinTimeout: '10m' }],
  });
  for (const job of standardJobs('general', nodes)) sim.hashistack.api.registerJob(job);
  await sim.clock.sleep(2 * MINUTE);
  return cluster.clientGroups.general as string;
}

const newImage = (sim: Simulation, name: string) => sim.aws.api.registerImage({ architecture: 'arm64', name, ownerId: 'self' });
const lockHeld = (sim: Simulation) => [...sim.aws.models.ssm.parameters.keys()].filter((k) => k.includes('upgrade-lock'));

function endChecks(sim: Simulation, pool: string, imageId: string, desired: number): Check[] {
  const g = sim.aws.api.group(pool);
  const onImage = g?.members.filter((m) => sim.aws.api.instance(m.instanceId)?.imageId === imageId).length ?? 0;
  return [
    ...lifecycleChecks(sim),
    check('upgrade lock released', lockHeld(sim).length === 0, lockHeld(sim).join(', ') || 'none held'),
    check(
      `pool at desired ${desired}, every node on the new image`,
      g?.desiredCapacity === desired && onImage === desired,
      `desired ${g?.desiredCapacity}, ${onImage} on ${imageId}`,
    ),
  ];
}

/**
 * Launch actions when the rollback gives the surge back: a node it terminates
 * while Pending:Wait ends its launch action (ABANDON) without a completion;
 * none may expire, stay pending or be completed twice.
 */
function launchesEnded(sim: Simulation): Check {
  const launches = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('LAUNCHING'));
  const bad = launches.filter((a) => a.result === null || a.result === 'EXPIRED' || a.completeCallsSucceeded > 1);
  return check(
    'launch actions ended, none expired or completed twice',
    bad.length === 0,
    launches.map((a) => `${a.instanceId} ${a.result ?? 'pending'} x${a.completeCallsSucceeded}`).join(', '),
  );
}

export const upgradeRaceScenario: Scenario = {
  name: 'upgrade-race',
  description: 'two operators start a poolUpgrade of the same pool at the same instant: exactly one proceeds, the other fails PoolBusy naming the holder',
  defaults: { nodes: 2 },
  async run(sim, args) {
    const pool = await generalPool(sim, args.nodes);
    const image = newImage(sim, 'hashistack-alpine-next');
    const a = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId });
    const b = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId });
    await Promise.all([upgradeEnded(sim, a), upgradeEnded(sim, b)]);
    await settle(sim, 6 * 60 * MINUTE);
    const [won, lost] = a.status === 'SUCCEEDED' ? [a, b] : [b, a];
    return [
      check('one upgrade SUCCEEDED', won.status === 'SUCCEEDED', `${a.status} / ${b.status}`),
      check(
        'the other FAILED PoolBusy naming the holder, before any change',
        lost.status === 'FAILED' && lost.error === 'PoolBusy' && (lost.cause ?? '').includes(won.executionArn),
        `${lost.status} ${lost.error ?? ''}: ${lost.cause ?? ''}`,
      ),
      ...endChecks(sim, pool, image.imageId, args.nodes),
    ];
  },
};

export const upgradeRollbackCordonedScenario: Scenario = {
  name: 'upgrade-rollback-cordoned',
  description:
    'an operator cordoned one node for maintenance; then an upgrade to an image whose nodes never boot rolls back: the cordoned node stays ineligible, only the drained ones are re-enabled',
  defaults: { nodes: 4 },
  options: () => ({ faults: { neverBootOrdinals: NEW_NODES_NEVER_BOOT } }),
  async run(sim, args) {
    const pool = await generalPool(sim, args.nodes);
    const members = (sim.aws.api.group(pool)?.members ?? []).map((m) => m.instanceId).sort();
    const cordoned = sim.hashistack.api.nodeOfInstance(members[0] as string);
    // The operator: `nomad node eligibility -disable <node>`, through the HTTP API.
    sim.recorder.event('scenario', `operator cordons ${cordoned?.Name}`);
    const res = await fetch(`${process.env.NOMAD_ADDR}/v1/node/${cordoned?.ID}/eligibility`, {
      method: 'POST',
      headers: { 'X-Nomad-Token': SIM_TOKENS.nomad, 'Content-Type': 'application/json' },
      body: JSON.stringify({ NodeID: cordoned?.ID, Eligibility: 'ineligible' }),
    });
    const image = newImage(sim, 'hashistack-alpine-broken');
    const e = await upgradeEnded(sim, startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId }));
    await settle(sim, 6 * 60 * MINUTE);
    const eligibility = (id: string) => sim.hashistack.api.nodeOfInstance(id)?.SchedulingEligibility;
    const reenabled = members.slice(1).filter((id) => eligibility(id) === 'eligible').length;
    const g = sim.aws.api.group(pool);
    const oldImage = g?.members.every((m) => sim.aws.api.instance(m.instanceId)?.imageId !== image.imageId) ?? false;
    return [
      check('the operator cordoned the node (HTTP 200)', res.status === 200, `HTTP ${res.status}`),
      check('the upgrade rolled back', e.status === 'FAILED' && e.error === 'UpgradeRolledBack', `${e.status} ${e.error ?? ''}`),
      check(
        'the cordoned node is still ineligible',
        eligibility(members[0] as string) === 'ineligible',
        `${cordoned?.Name}: ${eligibility(members[0] as string)}`,
      ),
      check('every other old node eligible again', reenabled === members.length - 1, `${reenabled} of ${members.length - 1}`),
      check('pool back at its size, on the old image', g?.desiredCapacity === args.nodes && oldImage, `desired ${g?.desiredCapacity}; old image: ${oldImage}`),
      ...lifecycleChecks(sim).filter((c) => !c.name.startsWith('launch actions')),
      launchesEnded(sim),
      check('upgrade lock released', lockHeld(sim).length === 0, lockHeld(sim).join(', ') || 'none held'),
    ];
  },
};

export const upgradeScaleInScenario: Scenario = {
  name: 'upgrade-scale-in',
  description: 'someone scales the pool in by 2 (SetDesiredCapacity) in the middle of an upgrade: the upgrade completes and keeps the smaller size',
  defaults: { nodes: 4 },
  async run(sim, args) {
    const pool = await generalPool(sim, args.nodes);
    const image = newImage(sim, 'hashistack-alpine-next');
    const first = (sim.aws.api.group(pool)?.members ?? []).map((m) => m.instanceId).sort()[0];
    const e = startPoolUpgrade(sim, { pool: 'general', imageId: image.imageId, surge: 1 });
    // Mid-upgrade: the first old node replaced while the upgrade waits on its batch's drain (no step of it running:
    // a change inside a step's read-then-write of the desired capacity is lost, README: Concurrent scaling).
    const lastState = (): string | undefined => e.history.findLast((h) => h.type === 'StateEntered')?.state;
    await sim.clock.until(() => !(sim.aws.api.group(pool)?.members ?? []).some((m) => m.instanceId === first) && lastState() === 'WaitDrain', 2 * 60 * MINUTE);
    const desired = sim.aws.api.group(pool)?.desiredCapacity ?? 0;
    sim.recorder.event('scenario', `someone else: SetDesiredCapacity ${pool} ${desired} -> ${desired - 2}`);
    sim.aws.api.setDesiredCapacity(pool, desired - 2);
    await upgradeEnded(sim, e);
    await settle(sim, 6 * 60 * MINUTE);
    return [check('the upgrade SUCCEEDED', e.status === 'SUCCEEDED', `${e.status} ${e.error ?? ''}`), ...endChecks(sim, pool, image.imageId, args.nodes - 2)];
  },
};
