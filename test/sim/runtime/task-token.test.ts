import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { WorldBus } from '../../../sim/core/bus.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import type { StateMachineSpec } from '../../../sim/runtime/deploy-config.js';
import { LambdaRuntime } from '../../../sim/runtime/lambda.js';
import { StepFunctionsSim } from '../../../sim/runtime/stepfunctions.js';
import { COUNTER_ARN, counterFunction } from '../../fixtures/functions/counter-spec.js';

const FN_ARN = COUNTER_ARN;
const SM_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:ask';
const HOUR = 3_600_000;

// Ask (callback task, 1 h timeout, 10 min heartbeat) → Done; a Rejected answer is caught.
const ask: StateMachineSpec = {
  key: 'ask',
  logicalId: 'AskStateMachine',
  name: 'ask',
  arn: SM_ARN,
  definition: {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: FN_ARN, Payload: { 'token.$': '$$.Task.Token', 'n.$': '$.n', 'failWith.$': '$.failWith' } },
        TimeoutSeconds: 3600,
        HeartbeatSeconds: 600,
        ResultPath: '$.answer',
        Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.rejection', Next: 'WasRejected' }],
        Next: 'Done',
      },
      WasRejected: { Type: 'Pass', End: true },
      Done: { Type: 'Succeed' },
    },
  },
};

let stop: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const s of stop) await s();
  stop = [];
});

async function world() {
  const clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(7);
  const faults = new Faults(rng, {});
  const recorder = new Recorder(clock);
  const lambda = new LambdaRuntime([counterFunction], { clock, faults, recorder, rng });
  const payloads: unknown[] = [];
  const invoke = lambda.invoke.bind(lambda);
  lambda.invoke = (arn: string, event: unknown) => {
    payloads.push(event);
    return invoke(arn, event);
  };
  const sfn = new StepFunctionsSim([ask], { clock, recorder, rng, lambda, bus: new WorldBus(), region: 'us-east-1' });
  const running = await serve(sfn, { clock, faults, recorder });
  stop.push(
    () => clock.stop(),
    () => running.close(),
  );
  const client = new SFNClient({ endpoint: running.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  /** Start an execution and resolve once its callback task waits for a token. */
  const start = async (name: string, input: Record<string, unknown> = { n: 1, failWith: '' }) => {
    const { executionArn = '' } = await client.send(new StartExecutionCommand({ stateMachineArn: SM_ARN, name, input: JSON.stringify(input) }));
    await clock.until(() => sfn.pendingTasks(executionArn).length === 1, 60_000);
    const task = sfn.pendingTasks(executionArn)[0];
    if (!task) throw new Error('no pending task');
    return { executionArn, token: task.token, task };
  };
  const ended = async (executionArn: string, limitMs = 2 * HOUR) => {
    await clock.until(() => sfn.list().find((e) => e.executionArn === executionArn)?.status !== 'RUNNING', limitMs);
    return client.send(new DescribeExecutionCommand({ executionArn }));
  };
  return { clock, sfn, client, payloads, start, ended };
}

describe('lambda:invoke.waitForTaskToken in the simulated Step Functions', () => {
  it('invokes the function with a token unique to the task, and SendTaskSuccess resumes with its output', async () => {
    const { clock, sfn, client, payloads, start } = await world();
    const a = await start('a');
    const b = await start('b');
    expect(a.token).not.toBe(b.token);
    expect(a.token).not.toContain('__sim_task_token__');
    expect(payloads).toEqual([
      { token: a.token, n: 1, failWith: '' },
      { token: b.token, n: 1, failWith: '' },
    ]);
    expect(a.task).toMatchObject({ executionArn: a.executionArn, stateName: 'Ask' });

    await client.send(new SendTaskSuccessCommand({ taskToken: a.token, output: JSON.stringify({ approved: true }) }));
    await clock.until(() => sfn.list().find((e) => e.executionArn === a.executionArn)?.status !== 'RUNNING', 2 * HOUR);
    // Both read at the instant a ended: idle, the clock would jump on to b's heartbeat timeout (10 min) while the
    // requests are on their way (it did on a loaded machine), and b would be failed by its timeout, not by a's answer.
    const held = clock.hold();
    const [done, other] = await Promise.all([
      client.send(new DescribeExecutionCommand({ executionArn: a.executionArn })),
      client.send(new DescribeExecutionCommand({ executionArn: b.executionArn })),
    ]).finally(held);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? 'null')).toEqual({ n: 1, failWith: '', answer: { approved: true } });
    // b still waits: a's answer went to a's task only.
    expect(other.status).toBe('RUNNING');
  });

  it('SendTaskFailure fails the state with the given error and cause (caught here, uncaught fails the execution)', async () => {
    const { client, start, ended } = await world();
    const a = await start('rejected');
    await client.send(new SendTaskFailureCommand({ taskToken: a.token, error: 'Rejected', cause: 'not today' }));
    const caught = await ended(a.executionArn);
    expect(caught.status).toBe('SUCCEEDED');
    expect(JSON.parse(caught.output ?? 'null')).toMatchObject({ rejection: { Error: 'Rejected', Cause: 'not today' } });

    const b = await start('failed');
    await client.send(new SendTaskFailureCommand({ taskToken: b.token, error: 'Nope', cause: 'broken' }));
    expect(await ended(b.executionArn)).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'broken' });
  });

  it('a failing notification Lambda fails the task with its error, without waiting', async () => {
    const { clock, sfn, client } = await world();
    const t0 = clock.now();
    const { executionArn = '' } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SM_ARN, name: 'boom', input: JSON.stringify({ n: 1, failWith: 'Rejected' }) }),
    );
    await clock.until(() => sfn.list()[0]?.status !== 'RUNNING', HOUR);
    const e = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(e.status).toBe('SUCCEEDED');
    expect(JSON.parse(e.output ?? 'null')).toMatchObject({ rejection: { Error: 'Rejected' } });
    expect(clock.now() - t0).toBeLessThan(60_000);
  });

  it('answers as AWS does: InvalidToken for a token it never issued, TaskTimedOut for a task already answered, InvalidOutput for non-JSON', async () => {
    const { client, start, ended } = await world();
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(client.send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'X' }))).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidToken' });
    const a = await start('once');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: a.token, output: 'not json' }))).rejects.toMatchObject({ name: 'InvalidOutput' });
    await client.send(new SendTaskSuccessCommand({ taskToken: a.token, output: '{}' }));
    await ended(a.executionArn);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: a.token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(client.send(new SendTaskFailureCommand({ taskToken: a.token, error: 'X' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('TimeoutSeconds runs on the sim clock: States.Timeout after exactly an hour of sim time, in little wall time', async () => {
    const { clock, client, start, ended } = await world();
    const wall = performance.now();
    const a = await start('slow');
    const t0 = a.task.startedAt;
    // Heartbeats every 9 minutes keep the 10-minute HeartbeatSeconds from firing first.
    for (let i = 0; i < 6; i++) {
      await clock.sleep(9 * 60_000);
      await client.send(new SendTaskHeartbeatCommand({ taskToken: a.token }));
    }
    expect(a.task.heartbeats).toBe(6);
    const e = await ended(a.executionArn);
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect((e.stopDate?.getTime() ?? 0) - t0).toBeGreaterThanOrEqual(HOUR);
    expect((e.stopDate?.getTime() ?? 0) - t0).toBeLessThan(HOUR + 1_000);
    expect(performance.now() - wall).toBeLessThan(10_000);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: a.token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('HeartbeatSeconds runs on the sim clock: States.HeartbeatTimeout 10 minutes after the last heartbeat', async () => {
    const { clock, client, start, ended } = await world();
    const a = await start('silent');
    await clock.sleep(5 * 60_000);
    await client.send(new SendTaskHeartbeatCommand({ taskToken: a.token }));
    const lastBeat = clock.now();
    const e = await ended(a.executionArn);
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    expect((e.stopDate?.getTime() ?? 0) - lastBeat).toBeGreaterThanOrEqual(10 * 60_000);
    expect((e.stopDate?.getTime() ?? 0) - lastBeat).toBeLessThan(10 * 60_000 + 1_000);
  });
});
