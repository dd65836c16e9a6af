import { describe, expect, it } from 'vitest';
import { CLUSTER_UPGRADE as S, clusterUpgrade } from '../../statemachines/definitions/cluster-upgrade.js';
import { failing, named, runLocally, sequence, type Input, type Stub } from './asl-runner.js';

const progress = (fields: Input) => (t: Input) => ({ ...(t.state as Input), progress: { ...((t.state as Input).progress as Input), ...fields } });
const validated = () => ({ pools: ['servers', 'general'], progress: { current: null, phase: 'idle', done: false } });
const run = (stubs: Record<string, Stub>) =>
  runLocally(clusterUpgrade, { [S.validate]: validated, [S.finish]: () => ({ summary: { upgraded: 2 } }), ...stubs }, { imageId: 'ami-1' });

describe('clusterUpgrade state machine (run locally)', () => {
  it('pool after pool, each polled until it succeeded, then the summary', async () => {
    const r = await run({
      [S.startNextPool]: sequence(progress({ phase: 'running', done: false }), progress({ phase: 'running', done: false }), progress({ done: true })),
      [S.checkPool]: sequence(progress({ phase: 'running' }), progress({ phase: 'succeeded' }), progress({ phase: 'succeeded' })),
    });
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual([
      S.validate,
      S.startNextPool,
      S.allPoolsDone,
      S.waitPool,
      S.checkPool,
      S.poolResult,
      S.waitPool,
      S.checkPool,
      S.poolResult,
      S.startNextPool,
      S.allPoolsDone,
      S.waitPool,
      S.checkPool,
      S.poolResult,
      S.startNextPool,
      S.allPoolsDone,
      S.finish,
    ]);
    expect(r.result).toEqual({ upgraded: 2 });
  });
  it('stops at the first failed pool: no further pool is started', async () => {
    const r = await run({
      [S.startNextPool]: progress({ phase: 'running', done: false }),
      [S.checkPool]: (t) => ({ ...progress({ phase: 'failed', done: true })(t), cause: 'pool servers failed' }),
    });
    expect(r.calls[S.startNextPool]).toHaveLength(1);
    expect(r.entered.at(-1)).toBe(S.poolFailed);
    expect(r.error?.name).toBe('PoolUpgradeFailed');
    expect(r.error?.message).toBe('pool servers failed');
  });
  it('a transient Lambda error is retried in place; a final error fails the execution with it', async () => {
    const r = await run({
      [S.startNextPool]: failing(1, 'Lambda.ServiceException', progress({ phase: 'running', done: false })),
      [S.checkPool]: () => {
        throw named('ConfigError', 'POOL_UPGRADE_STATE_MACHINE_ARN: is not set');
      },
    });
    expect(r.retried).toEqual([S.startNextPool]);
    expect(r.entered.at(-1)).toBe(S.errored);
    expect(r.error?.name).toBe('ConfigError');
  });
  it('an invalid input fails in Validate', async () => {
    const r = await run({
      [S.validate]: () => {
        throw named('InvalidUpgradeInput', 'images: unknown pool');
      },
    });
    expect(r.entered).toEqual([S.validate]);
    expect(r.error?.name).toBe('InvalidUpgradeInput');
  });
});
