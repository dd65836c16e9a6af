import { describe, expect, it } from 'vitest';
import { NotFound, UpgradeStalled } from '../../src/errors/index.js';
import { recordOperatorHolds } from '../../src/workflows/upgrade/operator-holds.js';
import { planUpgrade } from '../../src/workflows/upgrade/plan.js';
import { checkRollback, startRollback } from '../../src/workflows/upgrade/rollback.js';
import { checkDrained, checkJoined, drainBatch, finishUpgrade, setLaunchTemplate, startBatch, WAIT_SLACK_MS } from '../../src/workflows/upgrade/rollout.js';
import type { UpgradeState } from '../../src/workflows/upgrade/state.js';
import { EXECUTION, type FakeGroup, fakeGroup, NEW_AMI, OLD_AMI, upgradeFakes } from './upgrade-fakes.js';

/** A planned upgrade of pool `web` (n nodes) on the given knobs, moved to the new launch template version. */
async function started(n: number, knobs: Record<string, unknown> = {}, over: Partial<FakeGroup> = {}) {
  const f = upgradeFakes([fakeGroup('web', n, over)]);
  const planned = await planUpgrade({ pool: 'web', imageId: NEW_AMI, ...knobs }, EXECUTION, f.deps);
  const state = await setLaunchTemplate(planned, f.deps);
  return { ...f, g: f.find('web'), state };
}

/** The ASG launches the surge on the group's current version (Pending, or InService once joined). */
const launchedSoFar = new WeakMap<FakeGroup, number>();
function launch(g: FakeGroup, count: number, version: number, state: FakeGroup['members'][number]['state'] = 'InService'): string[] {
  const before = launchedSoFar.get(g) ?? 0;
  launchedSoFar.set(g, before + count);
  const ids = Array.from({ length: count }, (_, i) => `i-new-${before + i + 1}`);
  for (const id of ids) g.members.push({ id, state, version });
  return ids;
}

/** The terminated members leave the group (drain workflow done, instance gone). */
const settle = (g: FakeGroup): void => {
  g.members = g.members.filter((m) => !m.state.startsWith('Terminat'));
};

describe('rollout: launch template', () => {
  const table = [
    { name: 'a group on $Default: the new version becomes the default', groupVersion: '$Default', given: false, newVersion: 2, created: 1, defaultVersion: 2 },
    {
      name: 'a group on $Latest: the new version is the latest, the default stays',
      groupVersion: '$Latest',
      given: false,
      newVersion: 2,
      created: 1,
      defaultVersion: 1,
    },
    {
      name: 'an existing version given, group on $Default: no new version, the default moves to it',
      groupVersion: '$Default',
      given: true,
      newVersion: 2,
      created: 0,
      defaultVersion: 2,
    },
    {
      name: 'an existing version given, group on $Latest: a copy of it becomes the latest',
      groupVersion: '$Latest',
      given: true,
      newVersion: 4,
      created: 1,
      defaultVersion: 1,
    },
  ];
  it.each(table)('$name', async ({ groupVersion, given, newVersion, created, defaultVersion }) => {
    const f = upgradeFakes([fakeGroup('web', 2, { version: groupVersion })]);
    if (given) {
      f.w.versions.set(2, NEW_AMI);
      f.w.versions.set(3, OLD_AMI); // $Latest must not be taken for the given version
      if (groupVersion === '$Latest') f.w.versions.delete(3);
      if (groupVersion === '$Latest') f.w.versions.set(3, NEW_AMI);
    }
    const planned = await planUpgrade({ pool: 'web', ...(given ? { launchTemplateVersion: 2 } : { imageId: NEW_AMI }) }, EXECUTION, f.deps);
    const s = await setLaunchTemplate(planned, f.deps);
    expect(s.progress).toMatchObject({ newVersion, newVersionRef: groupVersion });
    expect(f.deps.ec2.createLaunchTemplateVersion).toHaveBeenCalledTimes(created);
    expect(f.w.versions.get(newVersion)).toBe(NEW_AMI);
    expect(f.w.defaultVersion).toBe(defaultVersion);
  });

  it('a group pinned to a version number is refused before anything changes', async () => {
    const f = upgradeFakes([fakeGroup('web', 2, { version: '1' })]);
    await expect(planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, f.deps)).rejects.toThrow(/must launch "\$Default"/);
    expect(f.deps.ec2.createLaunchTemplateVersion).not.toHaveBeenCalled();
  });
});

describe('rollout: one batch at a time, capacity never below the start', () => {
  it('surges by the batch size, waits for the join, drains and terminates the batch, and moves on', async () => {
    const { w, g, deps, nomad, state } = await started(4, { surge: 2 });
    expect(state.plan.batches).toEqual([
      ['i-web-1', 'i-web-2'],
      ['i-web-3', 'i-web-4'],
    ]);
    let s = await startBatch(state, deps);
    expect(g.desired).toBe(6);
    expect(s.progress.waitUntil).toBe(w.t + 900_000 + WAIT_SLACK_MS);

    const [a] = launch(g, 1, 2);
    const [b] = launch(g, 1, 2, 'Pending:Wait');
    s = await checkJoined(s, deps);
    expect(s.progress.phaseDone).toBe(false);
    expect(s.progress.launched).toEqual([a, b]);
    g.members.find((m) => m.id === b)!.state = 'InService';
    s = await checkJoined(s, deps);
    expect(s.progress.phaseDone).toBe(true);
    // Old nodes are still all eligible until their replacements joined.
    expect([...w.nodes.values()].every((n) => n.eligible)).toBe(true);

    s = await drainBatch(s, deps);
    expect(nomad.drainNode).toHaveBeenCalledTimes(2);
    expect(w.nodes.get('i-web-1')).toMatchObject({ drain: true, eligible: false });
    expect(w.nodes.get('i-web-3')).toMatchObject({ drain: false, eligible: true });
    expect(g.desired).toBe(4);
    s = await checkDrained(s, deps);
    expect(s.progress).toMatchObject({ phaseDone: false, batchIndex: 0 });
    settle(g);
    s = await checkDrained(s, deps);
    expect(s.progress).toMatchObject({ phaseDone: true, batchIndex: 1, batchesLeft: 1, replaced: ['i-web-1', 'i-web-2'] });

    s = await startBatch(s, deps);
    expect(g.desired).toBe(6);
    launch(g, 2, 2);
    s = await checkJoined(s, deps);
    // Joined counts every new node of the batches so far: 4 needed, 4 InService.
    expect(s.progress.phaseDone).toBe(true);
    s = await checkDrained(await drainBatch(s, deps), deps);
    settle(g);
    s = await checkDrained(s, deps);
    expect(s.progress).toMatchObject({ batchIndex: 2, batchesLeft: 0 });
    s = await finishUpgrade(s, deps);
    expect(s.progress.done).toBe(true);
    expect(g.desired).toBe(4);
    expect(g.members.every((m) => m.version === 2)).toBe(true);
  });

  const joinTable = [
    { name: 'new nodes still Pending', states: ['Pending:Wait', 'InService'] as const, done: false },
    { name: 'a new node terminating does not count', states: ['Terminating:Wait', 'InService'] as const, done: false },
    { name: 'both InService', states: ['InService', 'InService'] as const, done: true },
  ];
  it.each(joinTable)('checkJoined: $name → done $done', async ({ states, done }) => {
    const { g, deps, state } = await started(4, { surge: 2 });
    const s = await startBatch(state, deps);
    for (const st of states) launch(g, 1, 2, st);
    expect((await checkJoined(s, deps)).progress.phaseDone).toBe(done);
  });

  it('a node launched on the old version does not count as joined', async () => {
    const { g, deps, state } = await started(2, { surge: 1 });
    const s = await startBatch(state, deps);
    launch(g, 1, 1);
    expect((await checkJoined(s, deps)).progress.phaseDone).toBe(false);
  });

  it('stalls past the join timeout + slack, not before', async () => {
    const { w, g, deps, state } = await started(2, { surge: 1 });
    const s = await startBatch(state, deps);
    launch(g, 1, 2, 'Pending:Wait');
    w.t = s.progress.waitUntil!;
    await expect(checkJoined(s, deps)).resolves.toBeDefined();
    w.t += 1;
    await expect(checkJoined(s, deps)).rejects.toThrow(UpgradeStalled);
  });

  it('drainBatch leaves a node already draining alone, tolerates a vanished node, skips members already gone', async () => {
    const { w, g, deps, nomad, state } = await started(3, { surge: 3 });
    let s = await startBatch(state, deps);
    launch(g, 3, 2);
    s = await checkJoined(s, deps);
    w.nodes.get('i-web-1')!.drain = true;
    nomad.drainNode.mockImplementationOnce(async () => {
      throw new NotFound('nomad', 'node');
    });
    g.members = g.members.filter((m) => m.id !== 'i-web-3');
    s = await drainBatch(s, deps);
    expect(nomad.drainNode).toHaveBeenCalledTimes(1);
    expect(deps.autoscaling.terminateInstance.mock.calls).toEqual([
      ['i-web-1', true],
      ['i-web-2', true],
    ]);
    expect(s.progress.waitUntil).toBe(w.t + 3_600_000 + WAIT_SLACK_MS);
  });

  it('checkDrained: a batch is done once its terminate hooks completed (Terminating:Proceed); the last batch waits until its nodes are gone', async () => {
    const { g, deps, state } = await started(2, { surge: 1 });
    let s = await checkJoined(await startBatch(state, deps), deps);
    launch(g, 1, 2);
    s = await drainBatch(await checkJoined(s, deps), deps);
    g.members.find((m) => m.id === 'i-web-1')!.state = 'Terminating:Proceed';
    s = await checkDrained(s, deps);
    expect(s.progress).toMatchObject({ phaseDone: true, batchIndex: 1, batchesLeft: 1 });
    s = await checkJoined(await startBatch(s, deps), deps);
    launch(g, 1, 2);
    s = await drainBatch(await checkJoined(s, deps), deps);
    g.members.find((m) => m.id === 'i-web-2')!.state = 'Terminating:Proceed';
    expect((await checkDrained(s, deps)).progress.phaseDone).toBe(false);
    settle(g);
    g.members = g.members.filter((m) => m.id !== 'i-web-1' && m.id !== 'i-web-2');
    expect((await checkDrained(s, deps)).progress).toMatchObject({ phaseDone: true, batchesLeft: 0 });
  });

  it('checkDrained stalls past the drain deadline + slack while an old node is still there', async () => {
    const { w, g, deps, state } = await started(2, { surge: 1 });
    let s = await startBatch(state, deps);
    launch(g, 1, 2);
    s = await drainBatch(await checkJoined(s, deps), deps);
    w.t = s.progress.waitUntil! + 1;
    await expect(checkDrained(s, deps)).rejects.toThrow(UpgradeStalled);
  });
});

describe('rollout: scaling by others during the upgrade is kept', () => {
  /** Someone sets the desired capacity; the ASG's default termination policy removes members on the oldest launch template version first. */
  function scaleInBy(g: FakeGroup, n: number, victims: string[]): void {
    g.desired -= n;
    for (const id of victims) g.members.find((m) => m.id === id)!.state = 'Terminating';
    settle(g);
  }

  /** Run the remaining batches to the end, launching each surge on the new version. */
  async function runToEnd(g: FakeGroup, s: UpgradeState, deps: ReturnType<typeof upgradeFakes>['deps']): Promise<UpgradeState> {
    while (s.progress.batchesLeft > 0) {
      const before = g.desired;
      s = await startBatch(s, deps);
      launch(g, g.desired - before, 2);
      s = await checkJoined(s, deps);
      expect(s.progress.phaseDone).toBe(true);
      s = await drainBatch(s, deps);
      settle(g);
      s = await checkDrained(s, deps);
      expect(s.progress.phaseDone).toBe(true);
    }
    return finishUpgrade(s, deps);
  }

  it('a scale-in by 2 between batches (old nodes of later batches removed) is kept at the end', async () => {
    const { g, deps, state } = await started(4, { surge: 1 });
    let s = await startBatch(state, deps);
    launch(g, 1, 2);
    s = await checkDrained(await drainBatch(await checkJoined(s, deps), deps), deps);
    settle(g);
    s = await checkDrained(s, deps);
    expect(g.desired).toBe(4);
    scaleInBy(g, 2, ['i-web-2', 'i-web-3']);
    s = await runToEnd(g, s, deps);
    expect(g.desired).toBe(2);
    expect(g.members.map((m) => m.version)).toEqual([2, 2]);
    // The batches whose old nodes were gone surged nothing.
    expect(deps.autoscaling.setDesiredCapacity.mock.calls.map((c) => c[1])).toEqual([5, 3]);
  });

  it("a scale-in by 2 during a batch's surge that removes that batch's own old node: the surge unit is taken back, the scale-in kept", async () => {
    const { g, deps, state } = await started(4, { surge: 1 });
    let s = await startBatch(state, deps);
    expect(g.desired).toBe(5);
    launch(g, 1, 2);
    s = await checkJoined(s, deps);
    scaleInBy(g, 2, ['i-web-1', 'i-web-2']);
    s = await drainBatch(s, deps);
    expect(g.desired).toBe(2);
    settle(g);
    s = await checkDrained(s, deps);
    s = await runToEnd(g, s, deps);
    expect(g.desired).toBe(2);
    expect(g.members.every((m) => m.version === 2)).toBe(true);
  });

  it("a later batch's node still terminating from an earlier give-back has no unit of that batch's surge: the batch's own node is terminated with a decrement", async () => {
    const { g, deps, state } = await started(4, { surge: 2 });
    const [[a, b], [c, d]] = state.plan.batches as [[string, string], [string, string]];
    let s = await startBatch(state, deps);
    expect(g.desired).toBe(6);
    launch(g, 2, 2);
    s = await checkJoined(s, deps);
    // Someone else removes a batch-1 node with a decrement; the drain step gives its unit back, and the
    // group's scale-in takes a batch-2 node for it, whose drain is still running when batch 2 starts.
    g.desired -= 1;
    g.members = g.members.filter((m) => m.id !== a);
    s = await drainBatch(s, deps);
    g.members.find((m) => m.id === c)!.state = 'Terminating:Wait';
    g.members = g.members.filter((m) => m.id !== b);
    s = await checkDrained(s, deps);
    s = await startBatch(s, deps);
    expect(s.progress.surgedFor).toEqual([d]);
    launch(g, 1, 2);
    const before = g.desired;
    s = await drainBatch(await checkJoined(s, deps), deps);
    // d takes this batch's one unit back (with a decrement): nothing is left for a replacement of d.
    expect(deps.autoscaling.terminateInstance.mock.calls.at(-1)).toEqual([d, true]);
    expect(s.progress.surgeOutstanding).toBe(0);
    expect(g.desired).toBe(before - 1);
  });

  it('drainBatch and startRollback retried on the same input (a crash after their writes) take the surge back once', async () => {
    const { g, deps, state } = await started(4, { surge: 2 });
    const s = await checkJoined(await startBatch(state, deps), deps);
    launch(g, 2, 2);
    const joined = await checkJoined(s, deps);
    await drainBatch(joined, deps);
    expect(g.desired).toBe(4);
    await drainBatch(joined, deps);
    expect(g.desired).toBe(4);
  });

  it('startRollback retried on the same input (a crash after its writes) takes the surge back once', async () => {
    const { g, deps, state } = await started(4, { surge: 2 });
    const s = await startBatch(state, deps);
    expect(g.desired).toBe(6);
    launch(g, 2, 2, 'Pending:Wait');
    const failed = { ...s, failure: { Error: 'UpgradeStalled' } } as UpgradeState;
    await startRollback(failed, deps);
    expect(g.desired).toBe(4);
    await startRollback(failed, deps);
    expect(g.desired).toBe(4);
  });

  it('a scale-out by 2 mid-upgrade is kept at the end (the finish never resets the planned size)', async () => {
    const { g, deps, state } = await started(4, { surge: 1 });
    let s = await startBatch(state, deps);
    launch(g, 1, 2);
    s = await checkDrained(await drainBatch(await checkJoined(s, deps), deps), deps);
    settle(g);
    s = await checkDrained(s, deps);
    g.desired += 2;
    launch(g, 2, 2);
    s = await runToEnd(g, s, deps);
    expect(g.desired).toBe(6);
    expect(g.members).toHaveLength(6);
  });

  it('a rollback after a scale-in takes back only its own surge', async () => {
    const { g, deps, state } = await started(4, { surge: 2 });
    const s = await startBatch(state, deps);
    expect(g.desired).toBe(6);
    launch(g, 2, 2, 'Pending:Wait');
    scaleInBy(g, 2, ['i-web-3', 'i-web-4']);
    const r = await startRollback({ ...s, failure: { Error: 'UpgradeStalled' } }, deps);
    expect(g.desired).toBe(2);
    settle(g);
    expect((await checkRollback(r, deps)).progress.phaseDone).toBe(true);
  });
});

describe('rollback', () => {
  /** An upgrade of 4 nodes (surge 2) stopped in its first batch, after the surge joined. */
  async function failedInFirstBatch() {
    const f = await started(4, { surge: 2 });
    let s = await startBatch(f.state, f.deps);
    launch(f.g, 2, 2);
    s = await checkJoined(s, f.deps);
    return { ...f, s: { ...s, failure: { Error: 'UpgradeRejected' } } as UpgradeState };
  }

  it('during the surge: version back, new nodes terminated with the surge decremented, desired back to the start', async () => {
    const { w, g, deps, s } = await failedInFirstBatch();
    const r = await startRollback(s, deps);
    expect(w.defaultVersion).toBe(1);
    expect(r.rollback?.terminated).toEqual(['i-new-1', 'i-new-2']);
    expect(deps.autoscaling.terminateInstance.mock.calls).toEqual([
      ['i-new-1', true],
      ['i-new-2', true],
    ]);
    expect(g.desired).toBe(4);
    expect((await checkRollback(r, deps)).progress.phaseDone).toBe(false);
    settle(g);
    expect((await checkRollback(r, deps)).progress.phaseDone).toBe(true);
  });

  it('after a batch was drained: its old nodes are gone, new nodes are replaced (not decremented); nodes the operator cordoned or drains stay so', async () => {
    const { w, g, deps, s: s0 } = await failedInFirstBatch();
    let s = await drainBatch(s0, deps);
    settle(g);
    s = await checkDrained(s, deps);
    s = await startBatch(s, deps);
    launch(g, 1, 2, 'Pending:Wait');
    // The operator cordons one old node and drains another for maintenance, mid-upgrade.
    w.nodes.get('i-web-3')!.eligible = false;
    w.nodes.get('i-web-4')!.drain = true;
    const r = await startRollback({ ...s, failure: { Error: 'UpgradeStalled' } }, deps);
    // desired 6 (surged) → the 3 new nodes: two decrement back to 4, the third is replaced on the old version.
    expect(deps.autoscaling.terminateInstance.mock.calls.slice(-3)).toEqual([
      ['i-new-1', true],
      ['i-new-2', true],
      ['i-new-3', false],
    ]);
    expect(g.desired).toBe(4);
    expect(w.nodes.get('i-web-3')).toMatchObject({ eligible: false });
    expect(w.nodes.get('i-web-4')).toMatchObject({ drain: true });
    expect(deps.nomad().cancelDrain).not.toHaveBeenCalled();
    expect(deps.nomad().setEligibility).not.toHaveBeenCalled();
    settle(g);
    launch(g, 2, 1);
    expect((await checkRollback(r, deps)).progress.phaseDone).toBe(true);
  });

  it('re-enables only the nodes the upgrade drained: one cordoned before the upgrade stays cordoned, one draining stays draining', async () => {
    const f = upgradeFakes([fakeGroup('web', 4)]);
    f.w.nodes.get('i-web-1')!.eligible = false; // cordoned by the operator before the upgrade (and in batch 1)
    f.w.nodes.get('i-web-4')!.drain = true; // drained for maintenance before the upgrade
    f.w.nodes.get('i-web-4')!.eligible = false;
    const planned = await planUpgrade({ pool: 'web', imageId: NEW_AMI, surge: 2 }, EXECUTION, f.deps);
    let s = await recordOperatorHolds(planned, f.deps);
    expect(s.progress.heldByOperator).toEqual(['i-web-1', 'i-web-4']);
    s = await setLaunchTemplate(s, f.deps);
    const g = f.find('web');
    s = await startBatch(s, f.deps);
    launch(g, 2, 2);
    s = await checkJoined(s, f.deps);
    // The batch's old nodes are drained, but their termination does not happen (e.g. it is refused): they stay in the group.
    f.deps.autoscaling.terminateInstance.mockImplementation(async () => undefined);
    s = await drainBatch(s, f.deps);
    expect(s.progress.madeIneligible).toEqual(['i-web-2']);
    expect(f.w.nodes.get('i-web-2')).toMatchObject({ drain: true, eligible: false });
    await startRollback({ ...s, failure: { Error: 'UpgradeStalled' } }, f.deps);
    expect(f.w.nodes.get('i-web-2')).toMatchObject({ drain: false, eligible: true });
    expect(f.w.nodes.get('i-web-1')).toMatchObject({ eligible: false });
    expect(f.w.nodes.get('i-web-4')).toMatchObject({ drain: true, eligible: false });
    expect(f.nomad.cancelDrain.mock.calls).toEqual([['node-i-web-2', true]]);
  });

  it('before the launch template moved: nothing to undo', async () => {
    const f = upgradeFakes([fakeGroup('web', 3)]);
    const planned = await planUpgrade({ pool: 'web', imageId: NEW_AMI }, EXECUTION, f.deps);
    const r = await startRollback(planned, f.deps);
    expect(f.deps.ec2.setDefaultLaunchTemplateVersion).not.toHaveBeenCalled();
    expect(f.deps.ec2.createLaunchTemplateVersion).not.toHaveBeenCalled();
    expect(f.deps.autoscaling.terminateInstance).not.toHaveBeenCalled();
    expect((await checkRollback(r, f.deps)).progress.phaseDone).toBe(true);
  });

  it('a group on $Latest gets a new version copying the old image (it cannot point back)', async () => {
    const { w, g, deps, state } = await started(2, { surge: 1 }, { version: '$Latest' });
    const r = await startRollback({ ...state, failure: { Error: 'X' } }, deps);
    expect(g.version).toBe('$Latest');
    expect(w.versions.get(3)).toBe(OLD_AMI);
    expect(r.rollback).toBeDefined();
  });

  it('stalls when the rollback does not settle in time', async () => {
    const { w, deps, s } = await failedInFirstBatch();
    const r = await startRollback(s, deps);
    w.t = r.rollback!.waitUntil + 1;
    await expect(checkRollback(r, deps)).rejects.toThrow(UpgradeStalled);
  });
});
