import { describe, expect, it } from 'vitest';
import { SERVER_REPLACE as S, serverReplace } from '../../statemachines/definitions/server-replace.js';
import { failing, named, runLocally, sequence, type Input, type Stub } from './asl-runner.js';

const run = (stubs: Record<string, Stub>) => runLocally(serverReplace, stubs, { asgName: 'servers' });
const next =
  (n: string, extra: Input = {}) =>
  (i: Input) => ({ ...i, next: n, pollAfterSeconds: 0, ...extra });
const done = next('done', { summary: { replaced: ['i-1'] } });

describe('serverReplace state machine (run locally)', () => {
  it('one server: launch, wait for the new one, terminate the old, wait for its removal, done with the summary', async () => {
    const r = await run({ [S.prepare]: next('launch'), [S.step]: sequence(next('wait-new'), next('terminate'), next('wait-removed'), done) });
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual([
      S.prepare,
      S.nextStep,
      S.step,
      S.nextStep,
      S.waitForServers,
      S.step,
      S.nextStep,
      S.step,
      S.nextStep,
      S.waitForServers,
      S.step,
      S.nextStep,
      S.replaced,
    ]);
    expect(r.result).toEqual({ replaced: ['i-1'] });
  });
  it('loops server after server until none is left', async () => {
    const r = await run({
      [S.prepare]: next('launch'),
      [S.step]: sequence(next('terminate'), next('launch'), next('terminate'), next('launch'), next('terminate'), done),
    });
    expect(r.calls[S.step]).toHaveLength(6);
    expect(r.entered.at(-1)).toBe(S.replaced);
  });
  it('nothing outdated: done at once', async () => {
    const r = await run({ [S.prepare]: done });
    expect(r.entered).toEqual([S.prepare, S.nextStep, S.replaced]);
  });
  it('refused: fails with the error Prepare set', async () => {
    const r = await run({ [S.prepare]: next('failed', { error: { Error: 'ServerReplaceRefused', Cause: 'unhealthy' } }) });
    expect(r.entered).toEqual([S.prepare, S.nextStep, S.replaceFailed]);
    expect(r.error?.name).toBe('ServerReplaceRefused');
  });
  it('cluster unreachable: Wait, then the same step again', async () => {
    const r = await run({ [S.prepare]: next('launch'), [S.step]: failing(1, 'ClusterUnreachable', done) });
    expect(r.entered).toEqual([S.prepare, S.nextStep, S.step, `WaitBefore${S.step}`, S.step, S.nextStep, S.replaced]);
  });
  it('a final error fails the execution with it', async () => {
    const r = await run({
      [S.prepare]: next('launch'),
      [S.step]: () => {
        throw named('PermissionDenied', 'autoscaling: denied');
      },
    });
    expect(r.entered.at(-1)).toBe(S.replaceFailed);
    expect(r.error?.name).toBe('PermissionDenied');
  });
});
