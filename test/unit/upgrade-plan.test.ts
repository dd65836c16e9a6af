import { describe, expect, it } from 'vitest';
import { InvalidUpgradeInput, PoolBusy, ServerPoolUpgradeUnavailable } from '../../src/errors/index.js';
import { planUpgrade } from '../../src/workflows/upgrade/plan.js';
import { EXECUTION, fakeGroup, NEW_AMI, OLD_AMI, upgradeFakes } from './upgrade-fakes.js';

const plan = async (n: number, knobs: Record<string, unknown>, over: Parameters<typeof fakeGroup>[2] = {}) => {
  const { deps } = upgradeFakes([fakeGroup('web', n, over)]);
  return (await planUpgrade({ pool: 'web', imageId: NEW_AMI, ...knobs }, EXECUTION, deps)).plan;
};

describe('upgrade planner: surge and batch size', () => {
  const table = [
    { name: 'default surge 25% of 4', n: 4, knobs: {}, surge: 1, batchSize: 1, batches: 4 },
    { name: '25% of 5 rounds up', n: 5, knobs: {}, surge: 2, batchSize: 2, batches: 3 },
    { name: '25% of 1 is at least 1', n: 1, knobs: {}, surge: 1, batchSize: 1, batches: 1 },
    { name: '50% of 6', n: 6, knobs: { surge: '50%' }, surge: 3, batchSize: 3, batches: 2 },
    { name: '1% of 4 rounds up to 1', n: 4, knobs: { surge: '1%' }, surge: 1, batchSize: 1, batches: 4 },
    { name: 'a number as text with spaces', n: 6, knobs: { surge: ' 3 ', batchSize: '1' }, surge: 3, batchSize: 1, batches: 6 },
    { name: 'a count', n: 6, knobs: { surge: 2 }, surge: 2, batchSize: 2, batches: 3 },
    { name: 'a count as text', n: 6, knobs: { surge: '2' }, surge: 2, batchSize: 2, batches: 3 },
    { name: 'surge larger than the pool is capped at the pool', n: 3, knobs: { surge: 10 }, surge: 3, batchSize: 3, batches: 1 },
    { name: 'surge 100% is the pool', n: 4, knobs: { surge: '100%' }, surge: 4, batchSize: 4, batches: 1 },
    { name: 'batchSize smaller than surge', n: 6, knobs: { surge: 3, batchSize: 1 }, surge: 3, batchSize: 1, batches: 6 },
    { name: 'batchSize as a percentage', n: 8, knobs: { surge: 4, batchSize: '25%' }, surge: 4, batchSize: 2, batches: 4 },
    { name: 'surge and batchSize both larger than the pool', n: 3, knobs: { surge: 10, batchSize: 5 }, surge: 3, batchSize: 3, batches: 1 },
    { name: 'batchSize larger than the pool with the default surge', n: 2, knobs: { surge: '100%', batchSize: 4 }, surge: 2, batchSize: 2, batches: 1 },
  ];
  it.each(table)('$name: surge $surge, batches of $batchSize', async ({ n, knobs, surge, batchSize, batches }) => {
    const p = await plan(n, knobs);
    expect({ surge: p.surge, batchSize: p.batchSize, batches: p.batches.length }).toEqual({ surge, batchSize, batches });
    expect(p.batches.flat().sort()).toEqual(Array.from({ length: n }, (_, i) => `i-web-${i + 1}`).sort());
    expect(p.batches.every((b) => b.length <= p.batchSize && b.length > 0)).toBe(true);
  });

  it('refuses a batchSize above the surge (eligible capacity would drop)', async () => {
    await expect(plan(6, { surge: 1, batchSize: 2 })).rejects.toThrow(/batchSize: 2 exceeds surge 1/);
  });

  it('refuses a surge the group MaxSize cannot hold, saying what to raise', async () => {
    await expect(plan(4, { surge: 2 }, { max: 5 })).rejects.toThrow(/surge: 2 extra nodes need MaxSize ≥ 6 .* \(it is 5\)/);
    await expect(plan(4, { surge: 1 }, { max: 5 })).resolves.toMatchObject({ surge: 1 });
  });
});

describe('upgrade input: counts and drain deadline', () => {
  const refused = [
    { name: 'surge 0', knobs: { surge: 0 }, message: /surge: must be a count ≥ 1.*\(got 0\)/ },
    { name: 'surge "0"', knobs: { surge: '0' }, message: /surge: must be a count ≥ 1.*\(got "0"\)/ },
    { name: 'batchSize "0"', knobs: { batchSize: '0' }, message: /batchSize: must be a count ≥ 1/ },
    { name: 'batchSize 0', knobs: { surge: 2, batchSize: 0 }, message: /batchSize: must be a count ≥ 1/ },
    { name: 'surge "0%" (never silently 1)', knobs: { surge: '0%' }, message: /surge: .*above 0%.*\(got "0%"\)/ },
    { name: 'surge "150%"', knobs: { surge: '150%' }, message: /surge: .*at most 100%/ },
    { name: 'a negative count', knobs: { surge: -1 }, message: /surge: must be a count ≥ 1/ },
    { name: 'a fractional count', knobs: { batchSize: 1.5 }, message: /batchSize: must be a count ≥ 1/ },
    { name: 'a word', knobs: { surge: 'two' }, message: /surge: must be a count ≥ 1/ },
    { name: 'drainDeadline "0s" (no deadline)', knobs: { drainDeadline: '0s' }, message: /drainDeadline: must be at least "1m" and at most "24h"/ },
    { name: 'drainDeadline "30s"', knobs: { drainDeadline: '30s' }, message: /drainDeadline: must be at least "1m"/ },
    { name: 'drainDeadline "10000000h"', knobs: { drainDeadline: '10000000h' }, message: /drainDeadline: must be at least "1m" and at most "24h"/ },
    { name: 'drainDeadline not a duration', knobs: { drainDeadline: 'soon' }, message: /drainDeadline: must be a Go duration/ },
  ];
  it.each(refused)('refuses $name with a message saying what to type', async ({ knobs, message }) => {
    const { deps } = upgradeFakes([fakeGroup('web', 4)]);
    const error = await planUpgrade({ pool: 'web', imageId: NEW_AMI, ...knobs }, EXECUTION, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidUpgradeInput);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts the drain deadline bounds themselves', async () => {
    expect((await plan(4, { drainDeadline: '1m' })).drainDeadlineMs).toBe(60_000);
    expect((await plan(4, { drainDeadline: '24h' })).drainDeadlineMs).toBe(86_400_000);
  });
});

describe("upgrade input: the image must run on the pool's instance type", () => {
  it('refuses an x86_64 image for an arm64 (m6g) pool, naming both', async () => {
    const { w, deps } = upgradeFakes([fakeGroup('web', 2)]);
    w.instanceType = 'm6g.large';
    w.architectures.set(OLD_AMI, 'arm64');
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(
      `imageId: image ${NEW_AMI} is x86_64, but pool web launches m6g.large (arm64); give an arm64 image`,
    );
    w.architectures.set(NEW_AMI, 'arm64');
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).resolves.toBeDefined();
  });

  it('refuses an arm64 image for an x86_64 pool, and checks a given launch template version the same way', async () => {
    const { w, deps } = upgradeFakes([fakeGroup('web', 2)]);
    w.architectures.set(NEW_AMI, 'arm64');
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(/is arm64, but pool web launches m5\.large \(x86_64\)/);
    w.versions.set(2, NEW_AMI);
    await expect(planUpgrade({ pool: 'web', launchTemplateVersion: 2 }, EXECUTION, deps)).rejects.toThrow(/launchTemplateVersion 2: image .* is arm64/);
    expect(deps.ec2.createLaunchTemplateVersion).not.toHaveBeenCalled();
  });

  it('refuses an instance type EC2 does not know', async () => {
    const { w, deps } = upgradeFakes([fakeGroup('web', 2)]);
    w.instanceType = 'nonsense';
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(/launches instance type nonsense, which EC2 does not know/);
  });
});

describe('upgrade planner: zero-node pools', () => {
  it('plans no batch and no time for an empty pool (only the launch template moves)', async () => {
    const p = await plan(0, {});
    expect(p).toMatchObject({ desired: 0, batches: [], expectedDurationSeconds: 0 });
  });

  it('an empty pool whose MaxSize is 0 is not refused for a surge it never needs', async () => {
    const p = await plan(0, {}, { max: 0 });
    expect(p.batches).toEqual([]);
  });
});

describe('upgrade planner: refusals with nothing changed', () => {
  const table = [
    { name: 'unknown pool', input: { pool: 'nope', imageId: NEW_AMI }, error: InvalidUpgradeInput, message: /unknown pool "nope".*known pools: web \(web\)/ },
    { name: 'unknown image', input: { pool: 'web', imageId: 'ami-00000000000000fff' }, error: InvalidUpgradeInput, message: /does not exist/ },
    { name: 'the image the pool already runs', input: { pool: 'web', imageId: OLD_AMI }, error: InvalidUpgradeInput, message: /already runs/ },
    { name: 'a typo', input: { pool: 'web', imagId: NEW_AMI }, error: InvalidUpgradeInput, message: /did you mean "imageId"/ },
    { name: 'both image and version', input: { pool: 'web', imageId: NEW_AMI, launchTemplateVersion: 2 }, error: InvalidUpgradeInput, message: /not both/ },
  ];
  it.each(table)('$name', async ({ input, error, message }) => {
    const { w, deps, find } = upgradeFakes([fakeGroup('web', 3)]);
    const p = planUpgrade(input, EXECUTION, deps);
    await expect(p).rejects.toThrow(error);
    await expect(planUpgrade(input, EXECUTION, deps)).rejects.toThrow(message);
    expect(find('web')).toMatchObject({ desired: 3, version: '$Default', tags: {} });
    expect(w.defaultVersion).toBe(1);
    expect(deps.ec2.createLaunchTemplateVersion).not.toHaveBeenCalled();
    expect(deps.ec2.setDefaultLaunchTemplateVersion).not.toHaveBeenCalled();
  });

  it('a group that is scaling is busy', async () => {
    const g = fakeGroup('web', 3);
    g.members[1]!.state = 'Pending:Wait';
    const { deps } = upgradeFakes([g]);
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(PoolBusy);
  });

  it('a lock held by a running execution is busy; a stale lock is taken over', async () => {
    const other = 'arn:aws:states:us-east-1:123456789012:execution:poolUpgrade:other';
    const { w, deps } = upgradeFakes([fakeGroup('web', 3)]);
    w.parameters.set('/hashistack/hashistack/upgrade-lock/web', other);
    w.executions.set(other, {
      executionArn: other,
      status: 'RUNNING',
      output: undefined,
      error: undefined,
      cause: undefined,
      startDate: undefined,
      stopDate: undefined,
    });
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(PoolBusy);
    w.executions.set(other, { ...w.executions.get(other)!, status: 'FAILED' });
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).resolves.toBeDefined();
  });

  it('a running instance refresh is busy', async () => {
    const { w, deps } = upgradeFakes([fakeGroup('web', 3)]);
    w.refreshes.set('web', [{ id: 'r-1', status: 'InProgress' }]);
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(/instance refresh InProgress/);
  });

  it('a server pool without the serverReplace state machine is refused', async () => {
    const { deps } = upgradeFakes([fakeGroup('servers', 3, { role: 'server' })]);
    deps.config.serverReplaceStateMachineArn = undefined;
    await expect(planUpgrade({ pool: 'servers', imageId: NEW_AMI }, EXECUTION, deps)).rejects.toThrow(ServerPoolUpgradeUnavailable);
  });

  it('a server pool has no client batches and is not held to MaxSize for a surge', async () => {
    const { deps } = upgradeFakes([fakeGroup('servers', 3, { role: 'server', max: 3 })]);
    const p = (await planUpgrade({ pool: 'servers', imageId: NEW_AMI }, EXECUTION, deps)).plan;
    expect(p).toMatchObject({ role: 'server', batches: [], desired: 3 });
  });
});
