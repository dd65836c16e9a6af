import { afterEach, describe, expect, it } from 'vitest';
import type { NomadNode } from '../../../sim/hashistack/index.js';
import { bootstrapCluster, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

function mostLoaded(h: Harness, instanceIds: string[]): NomadNode {
  const nodes = instanceIds.map((id) => h.sim.api.nodeOfInstance(id)).filter((n): n is NomadNode => n !== undefined);
  const load = (n: NomadNode): number => h.sim.api.allocations(n.ID).filter((a) => a.DesiredStatus === 'run' && a.Job.Type !== 'system').length;
  const best = [...nodes].sort((a, b) => load(b) - load(a))[0];
  if (!best) throw new Error('no nodes');
  return best;
}

interface NodeBody {
  DrainStrategy: unknown;
  LastDrain: { Status: string } | null;
  SchedulingEligibility: string;
  Events: Array<{ Subsystem: string; Message: string; Details: Record<string, string> | null }>;
}

describe('hashistack sim: drains', () => {
  it('migrates service allocs within MaxParallel, keeps system allocs when ignored, and unblocks the node query only at completion', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 4);
    h.sim.api.registerJob(
      {
        ID: 'web',
        Type: 'service',
        NodePool: 'general',
        TaskGroups: [{ Name: 'web', Count: 6, cpu: 3000, memoryMB: 256, Migrate: { MaxParallel: 1, MinHealthyTimeMs: 10_000 }, KillTimeoutMs: 5_000 }],
      },
      { running: true },
    );
    h.sim.api.registerJob(
      { ID: 'agent', Type: 'system', NodePool: 'general', TaskGroups: [{ Name: 'agent', Count: 1, cpu: 100, memoryMB: 64 }] },
      { running: true },
    );
    await h.clock.until(() => h.sim.api.allocationCounts().running === 10, 60_000);
    const target = mostLoaded(
      h,
      clients.map((c) => c.instanceId),
    );
    const before = h.sim.api.allocations(target.ID).filter((a) => a.Job.Type === 'service' && a.DesiredStatus === 'run').length;
    expect(before).toBeGreaterThan(0);

    const drain = await h.nomad(`/v1/node/${target.ID}/drain`, {
      method: 'POST',
      body: JSON.stringify({ DrainSpec: { Deadline: 3_600e9, IgnoreSystemJobs: true }, MarkEligible: false }),
    });
    const { NodeModifyIndex } = (await drain.json()) as { NodeModifyIndex: number };
    const first = (await (await h.nomad(`/v1/node/${target.ID}`)).json()) as NodeBody;
    expect(first).toMatchObject({
      SchedulingEligibility: 'ineligible',
      LastDrain: { Status: 'draining' },
      DrainStrategy: { Deadline: 3_600e9, IgnoreSystemJobs: true },
    });

    let answeredAt: number | null = null;
    const blocked = h.nomad(`/v1/node/${target.ID}?index=${NodeModifyIndex}&wait=10m`).then(async (r) => {
      answeredAt = h.clock.now();
      return (await r.json()) as NodeBody;
    });
    let maxMigrating = 0;
    await h.clock.until(() => {
      const web = h.sim.api.allocations().filter((a) => a.JobID === 'web');
      const healthy = web.filter((a) => a.DesiredStatus === 'run' && a.DeploymentStatus?.Healthy === true && a.ClientStatus === 'running').length;
      maxMigrating = Math.max(maxMigrating, 6 - healthy);
      return h.recorder.drainRecords()[0]?.drainCompletedAt != null;
    }, 3_600_000);
    const completedAt = h.clock.now();
    const done = await blocked;
    expect(answeredAt).toBe(completedAt);
    expect(maxMigrating).toBe(1);
    expect(done.DrainStrategy).toBeNull();
    expect(done.LastDrain?.Status).toBe('complete');
    expect(done.SchedulingEligibility).toBe('ineligible');
    expect(done.Events.at(-1)).toMatchObject({ Subsystem: 'Drain', Message: 'Node drain complete', Details: null });
    const left = h.sim.api.allocations(target.ID).filter((a) => a.DesiredStatus === 'run' && a.ClientStatus === 'running');
    expect(left.map((a) => a.Job.Type)).toEqual(['system']);
    expect(h.sim.api.allocationCounts().migrated).toBe(before);
    expect(h.sim.api.allocations().filter((a) => a.JobID === 'web' && a.DesiredStatus === 'run').length).toBe(6);

    // Nothing changes now: the blocking query returns after its wait with the same index.
    const index = Number((await h.nomad(`/v1/node/${target.ID}`)).headers.get('x-nomad-index'));
    const t0 = h.clock.now();
    const idle = await h.nomad(`/v1/node/${target.ID}?index=${index}&wait=30s`);
    expect(Number(idle.headers.get('x-nomad-index'))).toBe(index);
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(30_000);
  });

  it('a stuck drain ends at its deadline with deadline_reached; eligible while draining is refused', async () => {
    h = await startHarness({ faults: { stuckDrainOrdinals: [4, 5] } });
    const { clients } = bootstrapCluster(h, 2);
    h.sim.api.registerJob(
      {
        ID: 'api',
        Type: 'service',
        NodePool: 'general',
        TaskGroups: [{ Name: 'api', Count: 2, cpu: 3000, memoryMB: 256, Migrate: { MaxParallel: 2, MinHealthyTimeMs: 5_000 } }],
      },
      { running: true },
    );
    const node = mostLoaded(
      h,
      clients.map((c) => c.instanceId),
    );
    await h.nomad(`/v1/node/${node.ID}/drain`, { method: 'POST', body: JSON.stringify({ DrainSpec: { Deadline: 600e9, IgnoreSystemJobs: false } }) });
    const elig = await h.nomad(`/v1/node/${node.ID}/eligibility`, { method: 'POST', body: JSON.stringify({ Eligibility: 'eligible' }) });
    expect([elig.status, await elig.text()]).toEqual([500, "can not set node's scheduling eligibility to eligible while it is draining"]);
    await h.clock.until(() => h.recorder.drainRecords()[0]?.drainCompletedAt != null, 3_600_000);
    const record = h.recorder.drainRecords()[0]!;
    expect(Date.parse(record.drainCompletedAt!) - Date.parse(record.drainStartedAt)).toBe(600_000);
    const body = (await (await h.nomad(`/v1/node/${node.ID}`)).json()) as NodeBody;
    expect(body.Events.at(-1)).toMatchObject({ Subsystem: 'Drain', Message: 'Node drain complete', Details: { deadline_reached: 'true' } });
    expect(h.recorder.drainRecords()[0]?.deadlineReached).toBe(true);
  });
});
