import { readFileSync } from 'node:fs';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import '../../sim/runtime/promise-with-resolvers.js';


type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type Json = Parameters<Handlers[string]>[0];
const definition = JSON.parse(readFileSync(new URL('../../statemachines/join.asl.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const WAITS = ['WaitBeforePrepare', 'WaitBeforeRunJoin', 'WaitBeforeRetryJoin', 'WaitBeforeWatch', 'WaitBeforePoll', 'WaitBeforeDiagnose', 'WaitBeforeAbandon', 'WaitBeforeComplete', 'WaitBeforeRecordFailure'];

const named = (name: string, message = name): Error => Object.assign(new Error(message), { name });

/** Run the join definition with Task states mapped to scripted handlers; returns the outcome and the states entered. */
async function run(handlers: Record<string, (input: Record<string, unknown>) => unknown>, input: Record<string, unknown> = { action: { instanceId: 'i-0abc' } }) {
  const calls: Record<string, Record<string, unknown>[]> = {};
  const local: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [state, fn] of Object.entries(handlers)) {
    local[state] = async (i) => {
      calls[state] ??= [];
      calls[state].push(i as Record<string, unknown>);
      return fn(i as Record<string, unknown>) as Json;
    };
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as Json, { overrides: { taskResourceLocalHandlers: local as Handlers, waitTimeOverrides: Object.fromEntries(WAITS.map((w) => [w, 0])) } });
  const entered: string[] = [];
  const counting = (async () => {
    for await (const e of execution.eventLogs) if (e.type === 'StateEntered') entered.push((e as { state: { name: string } }).state.name);
  })();
  let result: unknown;
  let error: Error | undefined;
  try {
    result = await execution.result;
  } catch (e) {
    // The library wraps the Fail state's error: ExecutionError with the Error/Cause as its cause.
    error = e instanceof Error && e.cause instanceof Error ? e.cause : (e as Error);
  }
  await counting;
  return { result, error, entered, calls };
}

const next = (n: string, extra: Record<string, unknown> = {}) => (i: Record<string, unknown>) => ({ ...i, next: n, pollAfterSeconds: 0, timings: { hookFiredAt: 1, satisfiedAt: 2, satisfiedExact: true }, ...extra });
const completed = () => ({ completion: 'completed', result: 'CONTINUE', outcome: 'joined' });

describe('join state machine (JSONPath, run locally)', () => {
  it('auto mode, node joins within one Watch: 6 states entered, CONTINUE with the gate timings', async () => {
    const r = await run({ Prepare: next('watch'), Watch: next('joined'), Complete: completed });
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual(['Prepare', 'AfterPrepare', 'Watch', 'Gate', 'Complete', 'Joined']);
    expect(r.calls.Complete?.[0]).toMatchObject({ result: 'CONTINUE', workflow: 'join', outcome: 'joined', timings: { hookFiredAt: 1, startedAt: 1, doneAt: 2 }, gate: { satisfiedAt: 2, exact: true } });
  });
  it('timeout: Watch twice, Diagnose, ABANDON, then FAILED with NodeNeverJoined and the JSON cause', async () => {
    let watches = 0;
    const r = await run({
      Prepare: next('watch'),
      Watch: (i) => next(++watches < 2 ? 'watch' : 'timeout')(i),
      Diagnose: next('abandon', { error: { Error: 'NodeNeverJoined', Cause: '{"reason":"timeout"}' } }),
      Abandon: completed,
    });
    expect(r.entered).toEqual(['Prepare', 'AfterPrepare', 'Watch', 'Gate', 'Watch', 'Gate', 'Diagnose', 'AfterDiagnose', 'Abandon', 'NeverJoined']);
    expect(r.calls.Abandon?.[0]).toMatchObject({ result: 'ABANDON', error: { Error: 'NodeNeverJoined' } });
    expect(r.error?.name).toBe('NodeNeverJoined');
    expect(r.error?.message).toBe('{"reason":"timeout"}');
  });
  it('poll: Wait then Watch again (no Lambda time spent waiting)', async () => {
    let watches = 0;
    const r = await run({ Prepare: next('watch'), Watch: (i) => next(++watches < 3 ? 'poll' : 'joined')(i), Complete: completed });
    expect(r.entered.filter((s) => s === 'WaitBeforePoll')).toHaveLength(2);
    expect(r.entered.at(-1)).toBe('Joined');
  });
  it('ssm mode: NodeUnreachable retried after a Wait, then watched', async () => {
    let runs = 0;
    const r = await run({ Prepare: next('run-join'), RunJoin: (i) => next(++runs < 2 ? 'retry-join' : 'watch')(i), Watch: next('joined'), Complete: completed });
    expect(r.entered).toEqual(['Prepare', 'AfterPrepare', 'RunJoin', 'AfterRunJoin', 'WaitBeforeRetryJoin', 'RunJoin', 'AfterRunJoin', 'Watch', 'Gate', 'Complete', 'Joined']);
  });
  it('ClusterUnreachable is caught into a Wait and the same task runs again', async () => {
    let watches = 0;
    const r = await run({
      Prepare: next('watch'),
      Watch: (i) => {
        if (++watches === 1) throw named('ClusterUnreachable');
        return next('joined')(i);
      },
      Complete: completed,
    });
    expect(r.entered).toEqual(['Prepare', 'AfterPrepare', 'Watch', 'WaitBeforeWatch', 'Watch', 'Gate', 'Complete', 'Joined']);
  });
  it('an unrecoverable error completes with ABANDON and fails the execution with that error', async () => {
    const r = await run({ Prepare: next('watch'), Watch: () => { throw named('PermissionDenied', 'nomad: permission denied'); }, RecordFailure: completed });
    expect(r.calls.RecordFailure?.[0]).toMatchObject({ result: 'ABANDON', outcome: 'failed', error: { Error: 'PermissionDenied' } });
    expect(r.error?.name).toBe('PermissionDenied');
  });
  it('instance terminating / action no longer active: ends cleanly without completing', async () => {
    const r = await run({ Prepare: next('watch'), Watch: next('ended', { ended: 'EC2 state shutting-down' }) });
    expect(r.error).toBeUndefined();
    expect(r.entered.at(-1)).toBe('Ended');
    expect(r.result).toMatchObject({ ended: 'EC2 state shutting-down' });
  });
});
