import { describe, expect, it } from 'vitest';
import { InvalidUpgradeInput } from '../../src/errors/index.js';
import { planClusterUpgrade } from '../../src/workflows/cluster-upgrade/plan.js';
import type { ClusterUpgradeState } from '../../src/workflows/cluster-upgrade/state.js';
import { checkPool, startNextPool, summariseClusterUpgrade } from '../../src/workflows/cluster-upgrade/steps.js';
import { fakeGroup, NEW_AMI, upgradeFakes } from './upgrade-fakes.js';

const CLUSTER_EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:clusterUpgrade:cu-1';

/** A cluster: two server pools and three client pools, listed out of order. */
function cluster() {
  const f = upgradeFakes([
    fakeGroup('web', 2),
    fakeGroup('servers-b', 3, { role: 'server' }),
    fakeGroup('batch', 2),
    fakeGroup('servers-a', 3, { role: 'server' }),
    fakeGroup('api', 2),
  ]);
  return f;
}

type Fakes = ReturnType<typeof cluster>;

/** End the running child execution of the current pool. */
function endChild(f: Fakes, state: ClusterUpgradeState, status: 'SUCCEEDED' | 'FAILED', output?: unknown): void {
  const arn = state.pools[state.progress.current ?? -1]?.executionArn;
  if (!arn) throw new Error('no running pool');
  const e = f.w.executions.get(arn)!;
  f.w.executions.set(arn, {
    ...e,
    status,
    output: output === undefined ? undefined : JSON.stringify(output),
    error: status === 'FAILED' ? 'UpgradeRolledBack' : undefined,
    cause: status === 'FAILED' ? 'batch 1 stalled' : undefined,
  });
}

describe('cluster upgrade: plan', () => {
  it('orders server pools first, then client pools, by pool name', async () => {
    const f = cluster();
    const s = await planClusterUpgrade({ imageId: NEW_AMI }, CLUSTER_EXECUTION, f.deps);
    expect(s.pools.map((p) => `${p.role}:${p.pool}`)).toEqual(['server:servers-a', 'server:servers-b', 'client:api', 'client:batch', 'client:web']);
    expect(s.pools.every((p) => p.status === 'pending')).toBe(true);
  });

  it('orders server pools by their systems (hashistack:systems): Consul servers, then Nomad, then Vault', async () => {
    const f = upgradeFakes([
      fakeGroup('a-vault', 3, { role: 'server', tags: { 'hashistack:systems': 'vault' } }),
      fakeGroup('b-nomad', 3, { role: 'server', tags: { 'hashistack:systems': 'nomad' } }),
      fakeGroup('web', 2),
      fakeGroup('c-consul', 3, { role: 'server', tags: { 'hashistack:systems': 'consul' } }),
    ]);
    const s = await planClusterUpgrade({ imageId: NEW_AMI }, CLUSTER_EXECUTION, f.deps);
    expect(s.pools.map((p) => p.pool)).toEqual(['c-consul', 'b-nomad', 'a-vault', 'web']);
  });

  it('skips pools already on the image; per-pool images name only those pools', async () => {
    const f = cluster();
    f.w.versions.set(2, NEW_AMI);
    f.find('batch').version = '2';
    const all = await planClusterUpgrade({ imageId: NEW_AMI }, CLUSTER_EXECUTION, f.deps);
    expect(all.pools.find((p) => p.pool === 'batch')).toMatchObject({ status: 'skipped', detail: `already runs ${NEW_AMI}` });
    const some = await planClusterUpgrade({ images: { web: NEW_AMI, 'servers-b': NEW_AMI } }, CLUSTER_EXECUTION, f.deps);
    expect(some.pools.map((p) => p.pool)).toEqual(['servers-b', 'web']);
  });

  it('refuses the whole cluster upgrade, writing nothing, when one pool cannot be upgraded', async () => {
    const f = cluster();
    f.find('api').max = 2;
    await expect(planClusterUpgrade({ imageId: NEW_AMI, surge: 1 }, CLUSTER_EXECUTION, f.deps)).rejects.toThrow(/surge: 1 extra nodes need MaxSize ≥ 3 on api/);
    await expect(planClusterUpgrade({ images: { nope: NEW_AMI } }, CLUSTER_EXECUTION, f.deps)).rejects.toThrow(InvalidUpgradeInput);
    expect(f.deps.sfn.startExecution).not.toHaveBeenCalled();
    expect(f.deps.ec2.createLaunchTemplateVersion).not.toHaveBeenCalled();
  });

  it.each([
    { knobs: { surge: '0' }, message: /surge: must be a count ≥ 1/ },
    { knobs: { batchSize: 0 }, message: /batchSize: must be a count ≥ 1/ },
    { knobs: { surge: '0%' }, message: /surge: .*above 0%/ },
    { knobs: { drainDeadline: '0s' }, message: /drainDeadline: must be at least "1m" and at most "24h"/ },
    { knobs: { drainDeadline: '10000000h' }, message: /drainDeadline: must be at least "1m" and at most "24h"/ },
  ])("refuses the knobs $knobs with the pool upgrade's message", async ({ knobs, message }) => {
    const f = cluster();
    await expect(planClusterUpgrade({ imageId: NEW_AMI, ...knobs }, CLUSTER_EXECUTION, f.deps)).rejects.toThrow(message);
  });

  it("refuses an image whose architecture does not match a pool's instance type", async () => {
    const f = cluster();
    f.w.instanceType = 'c7g.xlarge';
    f.w.architectures.set('ami-0000000000000000a', 'arm64');
    await expect(planClusterUpgrade({ imageId: NEW_AMI }, CLUSTER_EXECUTION, f.deps)).rejects.toThrow(/is x86_64, but pool .* launches c7g\.xlarge \(arm64\)/);
  });
});

describe('cluster upgrade: one pool at a time, stop at the first failure', () => {
  const table = [
    { failAt: null, upgraded: 5, notStarted: [] as string[] },
    { failAt: 0, upgraded: 0, notStarted: ['servers-b', 'api', 'batch', 'web'] },
    { failAt: 2, upgraded: 2, notStarted: ['batch', 'web'] },
    { failAt: 4, upgraded: 4, notStarted: [] },
  ];
  it.each(table)('pool #$failAt fails → $upgraded upgraded, not started: $notStarted', async ({ failAt, upgraded, notStarted }) => {
    const f = cluster();
    let s = await planClusterUpgrade({ imageId: NEW_AMI, surge: 1 }, CLUSTER_EXECUTION, f.deps);
    const started: string[] = [];
    for (let i = 0; i < 10; i++) {
      s = await startNextPool(s, f.deps);
      if (s.progress.done) break;
      const run = s.pools[s.progress.current!]!;
      started.push(run.pool);
      // Polled while running, then ended.
      expect((await checkPool(s, f.deps)).progress.phase).toBe('running');
      endChild(f, s, s.progress.current === failAt ? 'FAILED' : 'SUCCEEDED', { outcome: 'upgraded' });
      s = await checkPool(s, f.deps);
      if (s.progress.phase === 'failed') break;
      expect(s.progress.phase).toBe('succeeded');
    }
    expect(started).toEqual(['servers-a', 'servers-b', 'api', 'batch', 'web'].slice(0, failAt === null ? 5 : failAt + 1));
    expect(s.pools.filter((p) => p.status === 'upgraded')).toHaveLength(upgraded);
    expect(s.pools.filter((p) => p.status === 'not-started').map((p) => p.pool)).toEqual(notStarted);
    if (failAt === null) {
      expect(s.progress.done).toBe(true);
      expect(summariseClusterUpgrade(s, f.deps).outcome).toBe('upgraded');
    } else {
      const failed = s.pools[failAt]!;
      expect(failed).toMatchObject({ status: 'failed', detail: 'FAILED: UpgradeRolledBack: batch 1 stalled' });
      expect(s.cause).toContain(`pool ${failed.pool} (${failed.asgName}) failed to upgrade to ${NEW_AMI} and stopped the cluster upgrade`);
      expect(s.progress).toMatchObject({ phase: 'failed', done: true });
    }
  });

  it('starts each pool upgrade with its group, the image and the knobs, under a deterministic name; a retried start finds the same execution', async () => {
    const f = cluster();
    const planned = await planClusterUpgrade({ imageId: NEW_AMI, surge: 1, approval: true }, CLUSTER_EXECUTION, f.deps);
    const a = await startNextPool(planned, f.deps);
    const b = await startNextPool(planned, f.deps);
    expect(f.deps.sfn.startExecution.mock.calls[0]?.[2]).toEqual({ pool: 'servers-a', imageId: NEW_AMI, surge: 1, approval: true });
    expect(a.pools[0]?.executionArn).toBe(b.pools[0]?.executionArn);
    expect(f.w.executions.size).toBe(1);
  });

  it('a pool whose execution vanished counts as failed', async () => {
    const f = cluster();
    let s = await startNextPool(await planClusterUpgrade({ imageId: NEW_AMI, surge: 1 }, CLUSTER_EXECUTION, f.deps), f.deps);
    f.w.executions.clear();
    s = await checkPool(s, f.deps);
    expect(s.pools[0]).toMatchObject({ status: 'failed', detail: expect.stringMatching(/not found/) });
  });

  it('dry runs and skipped pools are summarised as such', async () => {
    const f = cluster();
    f.w.versions.set(2, NEW_AMI);
    for (const g of f.w.groups) g.version = '2';
    const skipped = await planClusterUpgrade({ imageId: NEW_AMI }, CLUSTER_EXECUTION, f.deps);
    expect(summariseClusterUpgrade(await startNextPool(skipped, f.deps), f.deps).outcome).toBe('nothing-to-do');

    const g = cluster();
    let s = await planClusterUpgrade({ images: { web: NEW_AMI }, dryRun: true }, CLUSTER_EXECUTION, g.deps);
    s = await startNextPool(s, g.deps);
    endChild(g, s, 'SUCCEEDED', { outcome: 'dry-run' });
    s = await startNextPool(await checkPool(s, g.deps), g.deps);
    expect(s.progress.done).toBe(true);
    expect(summariseClusterUpgrade(s, g.deps).outcome).toBe('dry-run');
  });
});
