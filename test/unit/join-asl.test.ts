import { describe, expect, it } from 'vitest';
import { JOIN as S, join } from '../../statemachines/definitions/join.js';
import { failing, heartbeatStubs, named, runLocally, sequence, type Input, type Stub } from './asl-runner.js';

const action = { kind: 'launch', instanceId: 'i-0abc', asgName: 'clients', hookName: 'launch', token: 't-1', eventTime: 1, eventId: 'e-1' };
const run = (stubs: Record<string, Stub>, input: Input = { action }) => runLocally(join, { ...heartbeatStubs(join), ...stubs }, input);
const next =
  (n: string, extra: Input = {}) =>
  (i: Input) => ({ ...i, next: n, pollAfterSeconds: 0, timings: { hookFiredAt: 1, satisfiedAt: 2, satisfiedExact: true }, ...extra });
const completed = () => ({ completion: 'completed', result: 'CONTINUE', outcome: 'joined' });

describe('join state machine (JSONPath, run locally)', () => {
  it('auto mode, node joins within one Watch: 6 states entered, CONTINUE with the gate timings', async () => {
    const r = await run({ [S.prepare]: next('watch'), [S.watch]: next('joined'), [S.complete]: completed });
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual([S.prepare, S.joinOrWatch, S.watch, S.gateResult, S.complete, S.joined]);
    expect(r.calls[S.complete]?.[0]).toMatchObject({
      result: 'CONTINUE',
      workflow: 'join',
      outcome: 'joined',
      timings: { hookFiredAt: 1, startedAt: 1, doneAt: 2 },
      gate: { satisfiedAt: 2, exact: true },
    });
  });
  it('timeout: Watch twice, Diagnose, ABANDON, then FAILED with NodeNeverJoined and the JSON cause', async () => {
    const r = await run({
      [S.prepare]: next('watch'),
      [S.watch]: sequence(next('watch'), next('timeout')),
      [S.diagnose]: next('abandon', { error: { Error: 'NodeNeverJoined', Cause: '{"reason":"timeout"}' } }),
      [S.abandon]: completed,
    });
    expect(r.entered).toEqual([
      S.prepare,
      S.joinOrWatch,
      S.watch,
      S.gateResult,
      S.watch,
      S.gateResult,
      S.diagnose,
      S.stillLaunching,
      S.abandon,
      S.alertNeverJoined,
      S.neverJoined,
    ]);
    expect(r.calls[S.abandon]?.[0]).toMatchObject({ result: 'ABANDON', error: { Error: 'NodeNeverJoined' } });
    expect(r.error?.name).toBe('NodeNeverJoined');
    expect(r.error?.message).toBe('{"reason":"timeout"}');
  });
  it('a gate condition that never fixes itself is diagnosed at once', async () => {
    const r = await run({
      [S.prepare]: next('watch'),
      [S.watch]: next('gate-failed'),
      [S.diagnose]: next('abandon', { error: { Error: 'NodeNeverJoined', Cause: 'wrong pool' } }),
      [S.abandon]: completed,
    });
    expect(r.entered).toEqual([S.prepare, S.joinOrWatch, S.watch, S.gateResult, S.diagnose, S.stillLaunching, S.abandon, S.alertNeverJoined, S.neverJoined]);
  });
  it('poll: Wait then Watch again (no Lambda time spent waiting)', async () => {
    const r = await run({ [S.prepare]: next('watch'), [S.watch]: sequence(next('poll'), next('poll'), next('joined')), [S.complete]: completed });
    expect(r.entered.filter((s) => s === S.waitBeforePoll)).toHaveLength(2);
    expect(r.entered.at(-1)).toBe(S.joined);
  });
  it('ssm mode: NodeUnreachable retried after a Wait, then watched', async () => {
    const r = await run({
      [S.prepare]: next('run-join'),
      [S.runJoin]: sequence(next('retry-join'), next('watch')),
      [S.watch]: next('joined'),
      [S.complete]: completed,
    });
    expect(r.entered).toEqual([
      S.prepare,
      S.joinOrWatch,
      S.runJoin,
      S.joinCommandResult,
      S.waitBeforeRetryJoin,
      S.runJoin,
      S.joinCommandResult,
      S.watch,
      S.gateResult,
      S.complete,
      S.joined,
    ]);
  });
  it('ClusterUnreachable is caught into a Wait and the same task runs again', async () => {
    const r = await run({ [S.prepare]: next('watch'), [S.watch]: failing(1, 'ClusterUnreachable', next('joined')), [S.complete]: completed });
    expect(r.entered).toEqual([
      S.prepare,
      S.joinOrWatch,
      S.watch,
      `HeartbeatBefore${S.watch}`,
      `WaitBefore${S.watch}`,
      S.watch,
      S.gateResult,
      S.complete,
      S.joined,
    ]);
  });
  it('a transient Lambda error is retried in place, without the Wait', async () => {
    const r = await run({ [S.prepare]: failing(2, 'Lambda.TooManyRequestsException', next('watch')), [S.watch]: next('joined'), [S.complete]: completed });
    expect(r.retried).toEqual([S.prepare, S.prepare]);
    expect(r.entered).toEqual([S.prepare, S.joinOrWatch, S.watch, S.gateResult, S.complete, S.joined]);
  });
  it('an unrecoverable error completes with ABANDON and fails the execution with that error', async () => {
    const r = await run({
      [S.prepare]: next('watch'),
      [S.watch]: () => {
        throw named('PermissionDenied', 'nomad: permission denied');
      },
      [S.recordFailure]: completed,
    });
    expect(r.retried).toEqual([]);
    expect(r.calls[S.recordFailure]?.[0]).toMatchObject({ result: 'ABANDON', outcome: 'failed', error: { Error: 'PermissionDenied' } });
    expect(r.error?.name).toBe('PermissionDenied');
  });
  it('instance terminating / action no longer active: ends cleanly without completing', async () => {
    const r = await run({ [S.prepare]: next('watch'), [S.watch]: next('ended', { ended: 'EC2 state shutting-down' }) });
    expect(r.error).toBeUndefined();
    expect(r.entered.at(-1)).toBe(S.ended);
    expect(r.result).toMatchObject({ ended: 'EC2 state shutting-down' });
  });
});
