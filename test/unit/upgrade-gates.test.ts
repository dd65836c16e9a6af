import { describe, expect, it } from 'vitest';
import { ConfigError, PoolBusy, UpgradeAlarm, UpgradeUnhealthy } from '../../src/errors/index.js';
import type { NomadAllocation, NomadDeployment } from '../../src/hashicorp/nomad/schemas.js';
import { judgeDeployments } from '../../src/workflows/upgrade/deployments.js';
import { capPoll, requireNoAlarm } from '../../src/workflows/upgrade/gates.js';
import { checkHealthy } from '../../src/workflows/upgrade/health.js';
import { checkpointBatches, planUpgrade } from '../../src/workflows/upgrade/plan.js';
import { setLaunchTemplate } from '../../src/workflows/upgrade/rollout.js';
import type { UpgradeState } from '../../src/workflows/upgrade/state.js';
import { summarise } from '../../src/workflows/upgrade/summary.js';
import { EXECUTION, fakeGroup, NEW_AMI, upgradeFakes } from './upgrade-fakes.js';

const ALARM = 'web-5xx';

describe('checkpointBatches', () => {
  const four = [['a'], ['b'], ['c'], ['d']];
  it.each([
    { name: 'approval: after the first batch', batches: four, pcts: [], approval: true, want: [1] },
    { name: '50 %: after the second of four', batches: four, pcts: [50], approval: false, want: [2] },
    { name: '10 % rounds up to the first batch that reaches it', batches: four, pcts: [10], approval: false, want: [1] },
    { name: 'both, deduplicated and sorted', batches: four, pcts: [75, 25], approval: true, want: [1, 3] },
    { name: 'never after the last batch', batches: [['a', 'b'], ['c']], pcts: [90], approval: false, want: [] },
    { name: 'one batch: nothing to pause before', batches: [['a']], pcts: [50], approval: true, want: [] },
  ])('$name', ({ batches, pcts, approval, want }) => {
    expect(checkpointBatches(batches, pcts, approval)).toEqual(want);
  });
});

/** A planned upgrade of `web` (4 nodes, surge 1) with the alarm configured, after its first batch replaced i-web-1 by i-new-1. */
async function afterFirstBatch(knobs: Record<string, unknown> = {}) {
  const f = upgradeFakes([fakeGroup('web', 4)]);
  f.deps.config.upgradeAlarms = [ALARM];
  f.w.alarms.set(ALARM, { name: ALARM, state: 'OK', reason: 'fine', periodSeconds: 60 });
  const planned = await planUpgrade({ pool: 'web', imageId: NEW_AMI, surge: 1, ...knobs }, EXECUTION, f.deps);
  let s = await setLaunchTemplate(planned, f.deps);
  const g = f.find('web');
  g.members = g.members.filter((m) => m.id !== 'i-web-1');
  g.members.push({ id: 'i-new-1', state: 'InService', version: 2 });
  f.w.nodes.set('i-new-1', { id: 'node-new-1', drain: false, eligible: true });
  s = { ...s, progress: { ...s.progress, batchIndex: 1, batchesLeft: 3, replaced: ['i-web-1'] } };
  return { ...f, s };
}

const alloc = (fields: Partial<NomadAllocation>): NomadAllocation => ({
  ID: `alloc-${Math.random().toString(16).slice(2, 10)}`,
  Name: 'web.web[0]',
  JobID: 'web',
  Job: { Type: 'service' },
  ClientStatus: 'running',
  DesiredStatus: 'run',
  DeploymentStatus: { Healthy: true },
  ...fields,
});

describe('health gate', () => {
  it('plans the alarms (their shortest period) and refuses a missing one or one in ALARM', async () => {
    const { s, deps, w } = await afterFirstBatch();
    expect(s.plan.alarms).toEqual([ALARM]);
    expect(s.plan.alarmPeriodSeconds).toBe(60);
    w.alarms.set(ALARM, { name: ALARM, state: 'ALARM', reason: 'Threshold Crossed', periodSeconds: 60 });
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(PoolBusy);
    w.alarms.clear();
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(ConfigError);
  });

  it('an alarm in ALARM stops the upgrade; polls never sleep past half an alarm period', async () => {
    const { s, deps, w } = await afterFirstBatch();
    await expect(requireNoAlarm(s, deps)).resolves.toBeUndefined();
    w.alarms.set(ALARM, { name: ALARM, state: 'ALARM', reason: 'Threshold Crossed', periodSeconds: 60 });
    await expect(requireNoAlarm(s, deps)).rejects.toThrow(UpgradeAlarm);
    expect(capPoll({ ...s, progress: { ...s.progress, pollSeconds: 300 } }).progress.pollSeconds).toBe(30);
    expect(capPoll({ ...s, progress: { ...s.progress, pollSeconds: 10 } }).progress.pollSeconds).toBe(10);
  });

  it('waits for pending work, then bakes, then opens (with a checkpoint when one follows this batch)', async () => {
    const { s, deps, w } = await afterFirstBatch({ bakeTime: '2m', checkpoints: [25] });
    w.allocations.set('node-new-1', [alloc({ ClientStatus: 'running', DeploymentStatus: null })]);
    let t: UpgradeState = await checkHealthy(s, deps);
    expect(t.progress).toMatchObject({ phaseDone: false, healthySince: null });
    w.allocations.set('node-new-1', [
      alloc({}),
      alloc({ Job: { Type: 'batch' }, DeploymentStatus: null }),
      alloc({ DesiredStatus: 'stop', ClientStatus: 'failed' }),
    ]);
    w.t += 10_000;
    t = await checkHealthy(t, deps);
    expect(t.progress).toMatchObject({ phaseDone: false, healthySince: w.t });
    w.t += 2 * 60_000;
    t = await checkHealthy(t, deps);
    expect(t.progress).toMatchObject({ phaseDone: true, approvalDue: true, healthySince: null, healthUntil: null });
  });

  it.each([
    { name: 'a failed allocation', a: { ClientStatus: 'failed' } },
    { name: 'an allocation marked unhealthy', a: { DeploymentStatus: { Healthy: false } } },
    { name: 'a lost allocation', a: { ClientStatus: 'lost' } },
  ])('rolls back on $name on the new nodes', async ({ a }) => {
    const { s, deps, w } = await afterFirstBatch();
    w.allocations.set('node-new-1', [alloc(a)]);
    await expect(checkHealthy(s, deps)).rejects.toThrow(UpgradeUnhealthy);
  });

  it('rolls back when the work is not healthy within the health timeout', async () => {
    const { s, deps, w } = await afterFirstBatch({ healthTimeout: '5m' });
    w.allocations.set('node-new-1', [alloc({ ClientStatus: 'pending', DeploymentStatus: null })]);
    const t = await checkHealthy(s, deps);
    w.t += 5 * 60_000 + 1;
    await expect(checkHealthy(t, deps)).rejects.toThrow(/not healthy within 5 min: web.web\[0\] on i-new-1 pending/);
  });
});

const deployment = (fields: Partial<NomadDeployment>): NomadDeployment => ({
  ID: 'd0000000-aaaa-bbbb-cccc-000000000000',
  Namespace: 'default',
  JobID: 'web',
  JobVersion: 1,
  Status: 'running',
  StatusDescription: 'Deployment is running',
  CreateTime: 0,
  TaskGroups: { web: { DesiredTotal: 3, HealthyAllocs: 1, UnhealthyAllocs: 0 } },
  ...fields,
});

describe('judgeDeployments', () => {
  const START = Date.parse('2026-01-05T10:00:00Z');
  const before = (START - 60_000) * 1e6;
  const during = (START + 60_000) * 1e6;
  const jobs = new Set(['default/web']);
  it.each([
    { name: 'running during the upgrade: wait', d: [deployment({ CreateTime: during })], want: { failed: 0, running: 1, failedBefore: 0 } },
    {
      name: 'paused (active): wait',
      d: [deployment({ CreateTime: during, Status: 'paused', StatusDescription: 'Deployment is paused' })],
      want: { failed: 0, running: 1, failedBefore: 0 },
    },
    {
      name: 'failed during the upgrade: roll back',
      d: [deployment({ CreateTime: during, Status: 'failed', StatusDescription: 'Failed due to progress deadline' })],
      want: { failed: 1, running: 0, failedBefore: 0 },
    },
    {
      name: 'failed during, auto-reverted and the revert succeeded: still a rollback',
      d: [
        deployment({ CreateTime: during, Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations - rolling back to job version 0' }),
        deployment({ ID: 'd1', CreateTime: during + 1e9, JobVersion: 2, Status: 'successful' }),
      ],
      want: { failed: 1, running: 0, failedBefore: 0 },
    },
    {
      name: 'failed before the upgrade and still the latest: reported, no rollback',
      d: [deployment({ CreateTime: before, Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations' })],
      want: { failed: 0, running: 0, failedBefore: 1 },
    },
    {
      name: 'failed before, then a successful one: history',
      d: [deployment({ CreateTime: before, Status: 'failed' }), deployment({ ID: 'd1', CreateTime: before + 1e9, Status: 'successful' })],
      want: { failed: 0, running: 0, failedBefore: 0 },
    },
    {
      name: 'successful or cancelled: nothing',
      d: [deployment({ CreateTime: during, Status: 'cancelled' }), deployment({ ID: 'd1', CreateTime: during, Status: 'successful' })],
      want: { failed: 0, running: 0, failedBefore: 0 },
    },
    {
      name: 'a job with no work on the new nodes, or another namespace: ignored',
      d: [deployment({ JobID: 'api', CreateTime: during, Status: 'failed' }), deployment({ Namespace: 'prod', CreateTime: during, Status: 'failed' })],
      want: { failed: 0, running: 0, failedBefore: 0 },
    },
  ])('$name', ({ d, want }) => {
    const v = judgeDeployments(d, jobs, START);
    expect({ failed: v.failed.length, running: v.running.length, failedBefore: v.failedBefore.length }).toEqual(want);
  });
});

describe('health gate: deployments', () => {
  it('waits while a deployment of a job on the new nodes runs, with one deployments list per check', async () => {
    const { s, deps, w, nomad } = await afterFirstBatch();
    w.allocations.set('node-new-1', [alloc({})]);
    w.deployments = [deployment({ CreateTime: (s.progress.startedAt + 1) * 1e6 })];
    const t = await checkHealthy(s, deps);
    expect(t.progress.phaseDone).toBe(false);
    expect(nomad.deployments).toHaveBeenCalledTimes(1);
    w.deployments = [deployment({ CreateTime: (s.progress.startedAt + 1) * 1e6, Status: 'successful' })];
    expect((await checkHealthy(t, deps)).progress.phaseDone).toBe(true);
  });

  it('rolls back naming the job and the deployment when one started during the upgrade failed', async () => {
    const { s, deps, w } = await afterFirstBatch();
    w.allocations.set('node-new-1', [alloc({})]);
    w.deployments = [deployment({ CreateTime: (s.progress.startedAt + 1) * 1e6, Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations' })];
    await expect(checkHealthy(s, deps)).rejects.toThrow(
      /deployment of a job on the new nodes failed during the upgrade: deployment d0000000 of job web \(version 1\) failed: Failed due to unhealthy allocations/,
    );
  });

  it('a deployment failed before the upgrade: no rollback, named in the output', async () => {
    const { s, deps, w } = await afterFirstBatch();
    w.allocations.set('node-new-1', [alloc({})]);
    w.deployments = [deployment({ CreateTime: (s.progress.startedAt - 1) * 1e6, Status: 'failed', StatusDescription: 'Failed due to progress deadline' })];
    const t = await checkHealthy(s, deps);
    expect(t.progress.phaseDone).toBe(true);
    expect(t.progress.deploymentsFailedBefore).toEqual([
      'deployment d0000000 of job web (version 1) failed before the upgrade started (Failed due to progress deadline): not rolled back for',
    ]);
    expect(summarise(t, 'upgraded', w.t).deploymentsFailedBefore).toEqual(t.progress.deploymentsFailedBefore);
  });

  it('no work on the new nodes: no deployments call', async () => {
    const { s, deps, nomad } = await afterFirstBatch();
    await checkHealthy(s, deps);
    expect(nomad.deployments).not.toHaveBeenCalled();
  });
});

describe('plan: members already on the target image', () => {
  it('are skipped; an upgrade with every member there is refused', async () => {
    const f = upgradeFakes([fakeGroup('web', 4)]);
    f.w.versions.set(2, NEW_AMI);
    const g = f.find('web');
    for (const m of g.members.slice(0, 2)) m.version = 2;
    const s = await planUpgrade({ pool: 'web', imageId: NEW_AMI, surge: 1 }, EXECUTION, f.deps);
    expect(s.plan.skipped).toEqual(['i-web-1', 'i-web-2']);
    expect(s.plan.batches).toEqual([['i-web-3'], ['i-web-4']]);
    f.w.defaultVersion = 2;
    for (const m of g.members) m.version = 2;
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, f.deps)).rejects.toThrow(/already runs/);
  });
});
