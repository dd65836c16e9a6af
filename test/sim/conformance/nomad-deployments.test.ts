/**
 * Conformance of the simulated Nomad deployments with Nomad's source
 * (nomad/structs/deployment.go, scheduler/reconciler createDeployment,
 * nomad/deploymentwatcher, state_store.go updateDeploymentWithAlloc) and
 * HTTP API (/v1/deployments, /v1/deployment/:id, /v1/job/:id/deployment(s)).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_UPDATE, type JobSpec, type UpdateSpec } from '../../../sim/hashistack/cluster/state.js';
import { bootstrapCluster, startHarness, type Harness } from '../hashistack/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const MINUTE = 60_000;

interface DeploymentBody {
  ID: string;
  JobID: string;
  JobVersion: number;
  Status: string;
  StatusDescription: string;
  CreateIndex: number;
  ModifyIndex: number;
  TaskGroups: Record<
    string,
    {
      DesiredTotal: number;
      PlacedAllocs: number;
      HealthyAllocs: number;
      UnhealthyAllocs: number;
      RequireProgressBy: string;
      ProgressDeadline: number;
      AutoRevert: boolean;
    }
  >;
}

const web = (update: Partial<UpdateSpec> | null, extra: Partial<JobSpec['TaskGroups'][number]> = {}): JobSpec => ({
  ID: 'web',
  Type: 'service',
  NodePool: 'general',
  TaskGroups: [
    {
      Name: 'web',
      Count: 3,
      cpu: 200,
      memoryMB: 128,
      Migrate: { MaxParallel: 1, MinHealthyTimeMs: 10_000 },
      ...(update ? { Update: { ...DEFAULT_UPDATE, ...update } } : {}),
      ...extra,
    },
  ],
});

/**
 * A read is work in progress, as a Lambda's is: without holding the clock, an idle clock may jump past what the test
 * is about to read (min_healthy_time passing while the request is on the wire, on a loaded machine).
 */
function read<T>(path: string): Promise<T> {
  return h.clock.holding(async () => (await (await h.nomad(path)).json()) as T);
}
const deployments = (query = ''): Promise<DeploymentBody[]> => read(`/v1/deployments${query}`);
const latest = (): Promise<DeploymentBody | null> => read('/v1/job/web/deployment');
const newest = async (version: number): Promise<DeploymentBody | undefined> => (await deployments()).find((d) => d.JobVersion === version);

describe('Nomad deployments', () => {
  it('a service job with an update block registered: a running deployment that succeeds once the allocations are healthy for min_healthy_time', async () => {
    h = await startHarness();
    bootstrapCluster(h, 3);
    await h.clock.sleep(20_000);
    h.sim.api.registerJob(web({ MinHealthyTimeMs: 30_000 }));
    const d = await latest();
    expect(d).toMatchObject({ JobID: 'web', JobVersion: 0, Status: 'running', StatusDescription: 'Deployment is running' });
    expect(d?.TaskGroups.web).toMatchObject({ DesiredTotal: 3, PlacedAllocs: 3, HealthyAllocs: 0, AutoRevert: false, ProgressDeadline: 600e9 });
    // RequireProgressBy: the first placement + progress_deadline.
    const placedAt = Math.min(...h.sim.api.allocations().map((a) => a.CreateTime / 1e6));
    expect(Date.parse(d?.TaskGroups.web?.RequireProgressBy ?? '') - placedAt).toBe(10 * MINUTE);
    await h.clock.sleep(20_000);
    expect((await latest())?.Status).toBe('running');
    await h.clock.until(() => h.sim.api.allocations().filter((a) => a.DeploymentStatus?.Healthy).length === 3, 2 * MINUTE);
    await h.clock.sleep(1_000);
    const done = await latest();
    expect(done).toMatchObject({ Status: 'successful', StatusDescription: 'Deployment completed successfully' });
    expect(done?.TaskGroups.web).toMatchObject({ HealthyAllocs: 3, UnhealthyAllocs: 0 });
    const one = (await (await h.nomad(`/v1/deployment/${done?.ID}`)).json()) as DeploymentBody;
    expect(one.ID).toBe(done?.ID);
    const missing = await h.nomad('/v1/deployment/00000000-0000-0000-0000-000000000000');
    expect([missing.status, await missing.text()]).toEqual([404, 'deployment not found']);
    expect((await (await h.nomad('/v1/job/web/deployments')).json()) as DeploymentBody[]).toHaveLength(1);
  });

  it('a job without an update block has no deployment (null), and the list is empty', async () => {
    h = await startHarness();
    bootstrapCluster(h, 2);
    h.sim.api.registerJob(web(null));
    await h.clock.sleep(MINUTE);
    expect(await latest()).toBeNull();
    expect(await deployments('?namespace=*')).toEqual([]);
  });

  it('a job update rolls out max_parallel at a time, cancels the older running deployment, and marks the new one successful', async () => {
    h = await startHarness();
    bootstrapCluster(h, 3);
    h.sim.api.registerJob(web({ MaxParallel: 1 }));
    h.sim.api.registerJob(web({ MaxParallel: 1 }, { cpu: 250 }));
    const [first, second] = await deployments();
    expect(first).toMatchObject({ JobVersion: 0, Status: 'cancelled', StatusDescription: 'Cancelled due to newer version of job' });
    expect(second).toMatchObject({ JobVersion: 1, Status: 'running' });
    // Re-registering the same spec is no new version.
    h.sim.api.registerJob(web({ MaxParallel: 1 }, { cpu: 250 }));
    expect(await deployments()).toHaveLength(2);
    let maxInFlight = 0;
    await h.clock.until(() => {
      const inFlight = h.sim.api
        .allocations()
        .filter(
          (a) => a.DeploymentID === second?.ID && a.DesiredStatus === 'run' && a.ClientStatus !== 'complete' && a.DeploymentStatus?.Healthy !== true,
        ).length;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return h.sim.api.allocations().filter((a) => a.Job.Version === 1 && a.DeploymentStatus?.Healthy).length === 3;
    }, 10 * MINUTE);
    await h.clock.sleep(1_000);
    expect((await newest(1))?.Status).toBe('successful');
    expect(h.sim.api.allocations().filter((a) => a.DesiredStatus === 'run' && a.Job.Version === 0)).toHaveLength(0);
    expect(maxInFlight).toBe(1);
  });

  it('an update whose checks never pass: without a progress deadline the first unhealthy allocation fails it; the other old allocations stay', async () => {
    h = await startHarness();
    bootstrapCluster(h, 3);
    h.sim.api.registerJob(web({ ProgressDeadlineMs: 0, HealthyDeadlineMs: 2 * MINUTE }), { running: true });
    expect((await latest())?.Status).toBe('successful');
    h.sim.api.registerJob(web({ ProgressDeadlineMs: 0, HealthyDeadlineMs: 2 * MINUTE }, { ChecksFail: true }));
    await h.clock.until(() => h.sim.api.allocations().some((a) => a.DeploymentStatus?.Healthy === false), 5 * MINUTE);
    await h.clock.sleep(1_000);
    const d = await newest(1);
    expect(d).toMatchObject({ Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations' });
    expect(d?.TaskGroups.web).toMatchObject({ PlacedAllocs: 1, UnhealthyAllocs: 1 });
    await h.clock.sleep(5 * MINUTE);
    expect(h.sim.api.allocations().filter((a) => a.DesiredStatus === 'run' && a.Job.Version === 0)).toHaveLength(2);
  });

  it('with a progress deadline the deployment fails at RequireProgressBy; auto_revert registers the last stable version again', async () => {
    h = await startHarness();
    bootstrapCluster(h, 3);
    const update = { ProgressDeadlineMs: 4 * MINUTE, HealthyDeadlineMs: 2 * MINUTE, AutoRevert: true };
    h.sim.api.registerJob(web(update), { running: true });
    h.sim.api.registerJob(web(update, { ChecksFail: true }));
    const started = h.clock.now();
    const requireBy = Date.parse((await newest(1))?.TaskGroups.web?.RequireProgressBy ?? '');
    await h.clock.until(() => h.sim.api.allocations().some((a) => a.DeploymentStatus?.Healthy === false), 5 * MINUTE);
    await h.clock.sleep(1_000);
    // Unhealthy, but the progress deadline has not passed: still running.
    expect((await newest(1))?.Status).toBe('running');
    await h.clock.sleep(requireBy - h.clock.now() + 1_000);
    expect(await newest(1)).toMatchObject({ Status: 'failed', StatusDescription: 'Failed due to progress deadline - rolling back to job version 0' });
    expect(requireBy - started).toBeGreaterThanOrEqual(4 * MINUTE);
    // The revert is version 2 with version 0's spec, rolled out by its own deployment.
    await h.clock.until(() => h.sim.api.allocations().filter((a) => a.Job.Version === 2 && a.DeploymentStatus?.Healthy).length === 3, 10 * MINUTE);
    await h.clock.sleep(1_000);
    expect(await newest(2)).toMatchObject({ Status: 'successful' });
  });

  it('a node drain migrates allocations without a new deployment (no spec change: createDeployment returns nil)', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 3);
    h.sim.api.registerJob(web({}), { running: true });
    const before = await deployments();
    expect(before).toHaveLength(1);
    const node = h.sim.api.nodeOfInstance(clients[0]?.instanceId ?? '');
    await h.nomad(`/v1/node/${node?.ID}/drain`, { method: 'POST', body: JSON.stringify({ DrainSpec: { Deadline: 3_600e9 }, MarkEligible: false }) });
    await h.clock.until(() => h.sim.api.allocations().filter((a) => a.PreviousAllocation && a.DeploymentStatus?.Healthy).length > 0, 5 * MINUTE);
    const migrated = h.sim.api.allocations().filter((a) => a.PreviousAllocation);
    expect(migrated.length).toBeGreaterThan(0);
    expect(migrated.every((a) => a.DeploymentID === '')).toBe(true);
    expect(await deployments()).toEqual(before);
  });

  it('a blocking /v1/deployments wakes on a deployment write, not on a node write', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 2);
    const first = await h.nomad('/v1/deployments');
    const index = Number(first.headers.get('x-nomad-index'));
    // Two holds: sim time stands still while the query is parked (one hold lets a parked wait jump ahead).
    const release = h.clock.hold();
    const busy = h.clock.hold();
    const start = h.clock.now();
    try {
      const pending = h.nomad(`/v1/deployments?index=${index}&wait=5m`);
      let answered = false;
      void pending.then(() => {
        answered = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      const node = h.sim.api.nodeOfInstance(clients[0]?.instanceId ?? '');
      await h.nomad(`/v1/node/${node?.ID}/eligibility`, { method: 'POST', body: JSON.stringify({ Eligibility: 'ineligible' }) });
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toBe(false);
      h.sim.api.registerJob(web({}));
      const res = await pending;
      expect(Number(res.headers.get('x-nomad-index'))).toBeGreaterThan(index);
      expect(((await res.json()) as DeploymentBody[]).map((d) => d.JobID)).toEqual(['web']);
      expect(h.clock.now() - start).toBeLessThan(MINUTE);
    } finally {
      busy();
      release();
    }
  });
});
