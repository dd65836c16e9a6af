import { describe, expect, it } from 'vitest';
import { PoolBusy } from '../../src/errors/index.js';
import { lockParameterName, releaseLock, takeLock, takeoverParameterName } from '../../src/workflows/upgrade/lock.js';
import { planUpgrade } from '../../src/workflows/upgrade/plan.js';
import type { UpgradeState } from '../../src/workflows/upgrade/state.js';
import { EXECUTION, fakeGroup, NEW_AMI, upgradeFakes } from './upgrade-fakes.js';

const OTHER = 'arn:aws:states:us-east-1:123456789012:execution:poolUpgrade:up-2';
const LOCK = lockParameterName('hashistack', 'web');

async function planned() {
  const f = upgradeFakes([fakeGroup('web', 3)]);
  const mine = await planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, f.deps);
  const theirs: UpgradeState = { ...mine, executionArn: OTHER };
  const running = (arn: string, status: 'RUNNING' | 'FAILED' | 'ABORTED') =>
    f.w.executions.set(arn, { executionArn: arn, status, output: undefined, error: undefined, cause: undefined, startDate: undefined, stopDate: undefined });
  running(EXECUTION, 'RUNNING');
  running(OTHER, 'RUNNING');
  return { ...f, mine, theirs, running };
}

describe('upgrade lock (SSM parameter, conditional create)', () => {
  it('two upgrades taking the lock at the same instant: exactly one holds it, the other is PoolBusy naming the holder', async () => {
    const { w, deps, mine, theirs } = await planned();
    const results = await Promise.allSettled([takeLock(mine, deps), takeLock(theirs, deps)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const holder = w.parameters.get(LOCK);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(PoolBusy);
    expect(String(loser.reason.message)).toContain(holder);
    expect(deps.ssm.overwriteParameter).not.toHaveBeenCalled();
  });

  it('a retried take by the holder is a no-op; release deletes only its own lock', async () => {
    const { w, deps, mine, theirs } = await planned();
    await takeLock(mine, deps);
    await takeLock(mine, deps);
    expect(w.parameters.get(LOCK)).toBe(EXECUTION);
    await releaseLock(theirs, deps);
    expect(w.parameters.get(LOCK)).toBe(EXECUTION);
    await releaseLock(mine, deps);
    expect(w.parameters.has(LOCK)).toBe(false);
    await releaseLock(mine, deps);
  });

  it('a stale lock (holder no longer RUNNING) is taken over, and the takeover claim is removed', async () => {
    const { w, deps, mine, running } = await planned();
    w.parameters.set(LOCK, OTHER);
    running(OTHER, 'ABORTED');
    await takeLock(mine, deps);
    expect(w.parameters.get(LOCK)).toBe(EXECUTION);
    expect([...w.parameters.keys()]).toEqual([LOCK]);
  });

  it('two upgrades taking over the same stale lock at the same instant: exactly one wins', async () => {
    const { w, deps, mine, theirs, running } = await planned();
    const stale = 'arn:aws:states:us-east-1:123456789012:execution:poolUpgrade:crashed';
    w.parameters.set(LOCK, stale);
    running(stale, 'FAILED');
    const results = await Promise.allSettled([takeLock(mine, deps), takeLock(theirs, deps)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = results[0]?.status === 'fulfilled' ? EXECUTION : OTHER;
    expect(w.parameters.get(LOCK)).toBe(winner);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(PoolBusy);
  });

  it('a slow taker that read the stale holder before another took over fails on the re-read, leaving the new holder', async () => {
    const { w, deps, mine, running } = await planned();
    const stale = 'arn:aws:states:us-east-1:123456789012:execution:poolUpgrade:crashed';
    running(stale, 'FAILED');
    // Another upgrade already took the lock over from `stale` and removed its claim; we still believe `stale` holds it.
    w.parameters.set(LOCK, OTHER);
    let first = true;
    deps.ssm.readParameter.mockImplementation(async (name: string) => {
      if (first && name === LOCK) {
        first = false;
        return stale;
      }
      return w.parameters.get(name);
    });
    await expect(takeLock(mine, deps)).rejects.toThrow(new RegExp(`changed hands to ${OTHER}`));
    expect(w.parameters.get(LOCK)).toBe(OTHER);
    expect(w.parameters.has(takeoverParameterName('hashistack', 'web', stale))).toBe(false);
  });

  it('a lock held by a RUNNING execution refuses, naming it', async () => {
    const { w, deps, mine } = await planned();
    w.parameters.set(LOCK, OTHER);
    await expect(takeLock(mine, deps)).rejects.toThrow(new RegExp(`being upgraded by ${OTHER}`));
    expect(w.parameters.get(LOCK)).toBe(OTHER);
  });
});
