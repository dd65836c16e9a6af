import { describe, expect, it } from 'vitest';
import { POOL_UPGRADE as S, poolUpgrade } from '../../statemachines/definitions/pool-upgrade.js';
import { failing, named, runLocally, sequence, type Input, type Stub } from './asl-runner.js';

type Step = (state: Input) => Input;
/** The upgrade state as the step tasks see it; `progress` changes per step. */
const plan = (fields: Input = {}) => ({
  plan: { pool: 'general', role: 'client', dryRun: false, approval: false, ...fields },
  progress: { batchIndex: 0, batchesLeft: 2, phaseDone: false },
});
const progress =
  (fields: Input): Step =>
  (s) => ({ ...s, progress: { ...(s.progress as Input), ...fields } });
const summary = (outcome: string) => (t: Input) => ({ summary: { outcome }, cause: `${outcome} ${String((t.state as { plan: { pool: string } }).plan.pool)}` });
/** A step's function (one per step, its Task input is `{state}`): the answer of its step name. */
const steps =
  (answers: Record<string, Step | Stub>, step: string): Stub =>
  (t) => {
    const answer = answers[step] ?? ((s: Input) => s);
    return answer(t.state as Input);
  };
const run = (input: Input, stubs: Record<string, Stub>) => runLocally(poolUpgrade, stubs, input);
const validate =
  (fields: Input = {}) =>
  () =>
    plan(fields);
/** Every step state answered by `steps(answers, its step)`. */
const stepStates = (answers: Record<string, Step | Stub>): Record<string, Stub> =>
  Object.fromEntries(
    (
      [
        [S.takeLock, 'takeLock'],
        [S.setLaunchTemplate, 'setLaunchTemplate'],
        [S.startBatch, 'startBatch'],
        [S.checkJoined, 'checkJoined'],
        [S.drainBatch, 'drainBatch'],
        [S.checkDrained, 'checkDrained'],
        [S.checkHealthy, 'checkHealthy'],
        [S.startServerReplace, 'startServerReplace'],
        [S.checkServerReplace, 'checkServerReplace'],
        [S.finish, 'finish'],
        [S.rollback, 'startRollback'],
        [S.checkRollback, 'checkRollback'],
      ] as const
    ).map(([n, step]) => [n, steps(answers, step)]),
  );
const release = {
  [S.releaseUpgraded]: summary('upgraded'),
  [S.releaseRolledBack]: summary('rolled-back'),
  [S.releaseAfterError]: summary('failed'),
  [S.reportDryRun]: summary('dry-run'),
};
/** A client pool of two batches: each batch joins after one poll and drains at once. (New stubs per test: `sequence` counts its calls.) */
const twoBatches = () => ({
  startBatch: progress({ phaseDone: false }),
  checkJoined: sequence(progress({ phaseDone: false }), progress({ phaseDone: true })),
  drainBatch: (s: Input) =>
    progress({ phaseDone: false, batchIndex: Number((s.progress as Input).batchIndex) + 1, batchesLeft: Number((s.progress as Input).batchesLeft) - 1 })(s),
  checkDrained: progress({ phaseDone: true }),
  /** Healthy on the first check; a checkpoint after the first batch when the plan asks for approval. */
  checkHealthy: (s: Input) => {
    const p = s.progress as Input;
    const approval = (s.plan as Input).approval === true;
    return progress({ phaseDone: true, approvalDue: approval && Number(p.batchIndex) === 1 && Number(p.batchesLeft) > 0 })(s);
  },
});

describe('poolUpgrade state machine (run locally)', () => {
  it('client pool: batch by batch (join polled, drained), finish, release the lock; output the summary', async () => {
    const r = await run({ pool: 'general' }, { [S.validate]: validate(), ...stepStates(twoBatches()), ...release });
    expect(r.error).toBeUndefined();
    expect(r.result).toEqual({ outcome: 'upgraded' });
    const joinPoll = [S.waitJoin, S.checkJoined, S.joined];
    const batch = (joinPolls: number) => [
      S.batchesLeft,
      S.startBatch,
      ...Array.from({ length: joinPolls }, () => joinPoll).flat(),
      S.drainBatch,
      S.waitDrain,
      S.checkDrained,
      S.drained,
      S.checkHealthy,
      S.healthy,
      S.approvalDue,
    ];
    // The first batch's new nodes join on the second poll, the second batch's on the first.
    expect(r.entered).toEqual([
      S.validate,
      S.dryRun,
      S.takeLock,
      S.setLaunchTemplate,
      S.serverPool,
      ...batch(2),
      ...batch(1),
      S.batchesLeft,
      S.finish,
      S.releaseUpgraded,
    ]);
  });
  it('dry run: the plan, nothing taken or changed', async () => {
    const r = await run({ pool: 'general', dryRun: true }, { [S.validate]: validate({ dryRun: true }), ...release });
    expect(r.entered).toEqual([S.validate, S.dryRun, S.reportDryRun]);
    expect(r.result).toEqual({ outcome: 'dry-run' });
  });
  it('approval after the first batch: approved, the upgrade goes on', async () => {
    const r = await run({ pool: 'general' }, { [S.validate]: validate({ approval: true }), ...stepStates(twoBatches()), [S.approval]: () => ({}), ...release });
    expect(r.entered.filter((s) => s === S.approval)).toHaveLength(1);
    expect(r.calls[S.approval]?.[0]).toMatchObject({
      Payload: { token: 'task-token', state: { plan: { pool: 'general' }, progress: { batchIndex: 1, batchesLeft: 1 } } },
    });
    expect(r.result).toEqual({ outcome: 'upgraded' });
  });
  it('rejected: rolls back and fails with UpgradeRolledBack', async () => {
    const r = await run(
      { pool: 'general' },
      {
        [S.validate]: validate({ approval: true }),
        ...stepStates({ ...twoBatches(), checkRollback: progress({ phaseDone: true }) }),
        [S.approval]: () => {
          throw named('UpgradeRejected', 'no');
        },
        ...release,
      },
    );
    expect(r.entered.slice(r.entered.indexOf(S.approval))).toEqual([
      S.approval,
      S.rollback,
      S.waitRollback,
      S.checkRollback,
      S.rolledBackDone,
      S.releaseRolledBack,
      S.rolledBack,
    ]);
    expect(r.calls[S.rollback]?.[0]).toMatchObject({ state: { failure: { Error: 'UpgradeRejected' } } });
    expect(r.error?.name).toBe('UpgradeRolledBack');
    expect(r.error?.message).toBe('rolled-back general');
  });
  it('a stalled batch rolls back (no retry of a final error)', async () => {
    const stalled = () => {
      throw named('UpgradeStalled', 'batch 1: 0 of 1 joined');
    };
    const r = await run(
      { pool: 'general' },
      { [S.validate]: validate(), ...stepStates({ ...twoBatches(), checkJoined: stalled, checkRollback: progress({ phaseDone: true }) }), ...release },
    );
    expect(r.retried).toEqual([]);
    expect(r.entered).toContain(S.rollback);
    expect(r.error?.name).toBe('UpgradeRolledBack');
  });
  it('a Lambda throttle or crash is retried in place: the upgrade does not roll back', async () => {
    const r = await run(
      { pool: 'general' },
      {
        [S.validate]: validate(),
        ...stepStates({ ...twoBatches(), startBatch: failing(1, 'Lambda.TooManyRequestsException', progress({})) }),
        [S.checkJoined]: failing(2, 'Lambda.Unknown', steps(twoBatches(), 'checkJoined')),
        ...release,
      },
    );
    expect(r.retried).toEqual([S.startBatch, S.checkJoined, S.checkJoined]);
    expect(r.entered).not.toContain(S.rollback);
    expect(r.result).toEqual({ outcome: 'upgraded' });
  });
  it('cluster unreachable is retried in place, then the upgrade rolls back', async () => {
    const r = await run(
      { pool: 'general' },
      {
        [S.validate]: validate(),
        ...stepStates({
          ...twoBatches(),
          drainBatch: () => {
            throw named('ClusterUnreachable');
          },
          checkRollback: progress({ phaseDone: true }),
        }),
        ...release,
      },
    );
    expect(r.retried.filter((s) => s === S.drainBatch)).toHaveLength(5);
    expect(r.error?.name).toBe('UpgradeRolledBack');
  });
  it('pool busy: refused with nothing changed and no lock released', async () => {
    const r = await run(
      { pool: 'general' },
      {
        [S.validate]: validate(),
        [S.takeLock]: () => {
          throw named('PoolBusy', 'held by another upgrade');
        },
      },
    );
    expect(r.entered).toEqual([S.validate, S.dryRun, S.takeLock, S.refused]);
    expect(r.error?.name).toBe('PoolBusy');
  });
  it('rollback fails: the lock is released and the execution fails with UpgradeFailed', async () => {
    const r = await run(
      { pool: 'general' },
      {
        [S.validate]: validate(),
        ...stepStates({
          setLaunchTemplate: () => {
            throw named('UpstreamError');
          },
          startRollback: () => {
            throw named('UpstreamError', 'rollback');
          },
        }),
        ...release,
      },
    );
    expect(r.entered).toEqual([S.validate, S.dryRun, S.takeLock, S.setLaunchTemplate, S.rollback, S.releaseAfterError, S.failed]);
    expect(r.error?.name).toBe('UpgradeFailed');
  });
  it('the lock cannot be released: UpgradeLockNotReleased', async () => {
    const r = await run(
      { pool: 'general' },
      {
        [S.validate]: validate(),
        ...stepStates({
          setLaunchTemplate: () => {
            throw named('UpstreamError');
          },
          startRollback: () => {
            throw named('UpstreamError');
          },
        }),
        [S.releaseAfterError]: () => {
          throw named('PermissionDenied');
        },
      },
    );
    expect(r.entered.at(-1)).toBe(S.lockNotReleased);
    expect(r.error?.name).toBe('UpgradeLockNotReleased');
  });
  it('server pool: serverReplace is started and polled until done', async () => {
    const r = await run(
      { pool: 'servers' },
      {
        [S.validate]: validate({ role: 'server' }),
        ...stepStates({ checkServerReplace: sequence(progress({ phaseDone: false }), progress({ phaseDone: true })) }),
        ...release,
      },
    );
    expect(r.entered).toEqual([
      S.validate,
      S.dryRun,
      S.takeLock,
      S.setLaunchTemplate,
      S.serverPool,
      S.startServerReplace,
      S.waitServers,
      S.checkServerReplace,
      S.serversDone,
      S.waitServers,
      S.checkServerReplace,
      S.serversDone,
      S.finish,
      S.releaseUpgraded,
    ]);
  });
  it('an invalid input fails in Validate with nothing changed', async () => {
    const r = await run(
      { pool: 'nope' },
      {
        [S.validate]: () => {
          throw named('InvalidUpgradeInput', 'pool: unknown pool');
        },
      },
    );
    expect(r.entered).toEqual([S.validate]);
    expect(r.error?.name).toBe('InvalidUpgradeInput');
  });
});
