import { SFNClient, StartExecutionCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { WorldBus } from '../../../sim/core/bus.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import type { StateMachineSpec } from '../../../sim/runtime/deploy-config.js';
import { LambdaRuntime } from '../../../sim/runtime/lambda.js';
import { StepFunctionsSim } from '../../../sim/runtime/stepfunctions.js';
import { COUNTER_ARN, counterFunction } from '../../fixtures/functions/counter-spec.js';

const FN_ARN = COUNTER_ARN;
const SM_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:loop';

// Count to 3 with an hour's Wait between counts: 3 x (Task, Choice, Wait) + Done.
const loop: StateMachineSpec = {
  key: 'loop',
  logicalId: 'LoopStateMachine',
  name: 'loop',
  arn: SM_ARN,
  definition: {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Task', Resource: FN_ARN, Next: 'Enough?' },
      'Enough?': { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThanEquals: 3, Next: 'Done' }], Default: 'Pause' },
      Pause: { Type: 'Wait', Seconds: 3600, Next: 'Count' },
      Done: { Type: 'Succeed' },
    },
  },
};

const failing: StateMachineSpec = {
  key: 'failing',
  logicalId: 'FailingStateMachine',
  name: 'failing',
  arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:failing',
  definition: {
    StartAt: 'Boom',
    States: {
      Boom: { Type: 'Task', Resource: FN_ARN, Catch: [{ ErrorEquals: ['ClusterUnreachable'], Next: 'Caught' }], Next: 'Done' },
      Caught: { Type: 'Fail', Error: 'DrainFailed', Cause: 'caught ClusterUnreachable' },
      Done: { Type: 'Succeed' },
    },
  },
};

const retrying: StateMachineSpec = {
  key: 'retrying',
  logicalId: 'RetryingStateMachine',
  name: 'retrying',
  arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:retrying',
  definition: {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: FN_ARN,
        Retry: [
          { ErrorEquals: ['Final'], MaxAttempts: 0 },
          { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 2, JitterStrategy: 'NONE' },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        Next: 'Done',
      },
      Caught: { Type: 'Fail', Error: 'GaveUp', Cause: 'retries spent' },
      Done: { Type: 'Succeed' },
    },
  },
};

let stop: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const s of stop) await s();
  stop = [];
});

async function world(crashOnCall?: number) {
  const clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(7);
  const faults = new Faults(rng, crashOnCall ? { lambdaCrashes: [{ functionName: 'counter', onCall: crashOnCall }] } : {});
  const recorder = new Recorder(clock);
  const bus = new WorldBus();
  const lambda = new LambdaRuntime([counterFunction], { clock, faults, recorder, rng });
  const sfn = new StepFunctionsSim([loop, failing, retrying], { clock, recorder, rng, lambda, bus, region: 'us-east-1' });
  const running: RunningService = await serve(sfn, { clock, faults, recorder });
  stop.push(
    () => clock.stop(),
    () => running.close(),
  );
  const client = new SFNClient({ endpoint: running.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  return { clock, sfn, recorder, client, bus };
}

describe('simulated Step Functions', () => {
  it('runs a definition with Lambda tasks and hour-long Waits in sim time, counting transitions', async () => {
    const { clock, sfn, recorder, client } = await world();
    const t0 = clock.now();
    const wall = performance.now();
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: SM_ARN, name: 'count-1', input: '{"n":0}' }));
    const execution = sfn.list()[0];
    await clock.until(() => execution?.status !== 'RUNNING', 10 * 3_600_000);
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toEqual({ n: 3 });
    expect(clock.now() - t0).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(clock.now() - t0).toBeLessThan(2 * 3_600_000 + 60_000);
    expect(performance.now() - wall).toBeLessThan(5_000);
    // Count, Enough?, Pause, Count, Enough?, Pause, Count, Enough?, Done
    expect(recorder.executionRecords()[0]?.stateTransitions).toBe(9);
  });

  it('StartExecution is idempotent for the same name and input, ExecutionAlreadyExists otherwise', async () => {
    const { client } = await world();
    const a = await client.send(new StartExecutionCommand({ stateMachineArn: SM_ARN, name: 'dup', input: '{"n":0}' }));
    const b = await client.send(new StartExecutionCommand({ stateMachineArn: SM_ARN, name: 'dup', input: '{"n":0}' }));
    expect(b.executionArn).toBe(a.executionArn);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: SM_ARN, name: 'dup', input: '{"n":1}' }))).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: SM_ARN, name: 'bad name!', input: '{}' }))).rejects.toMatchObject({
      name: 'InvalidName',
    });
  });

  it("a thrown error's name is the Step Functions error that Catch matches", async () => {
    const { clock, sfn, client } = await world();
    await client.send(new StartExecutionCommand({ stateMachineArn: failing.arn, name: 'f', input: JSON.stringify({ failWith: 'ClusterUnreachable' }) }));
    const e = sfn.list()[0];
    await clock.until(() => e?.status !== 'RUNNING', 60_000);
    expect(e).toMatchObject({ status: 'FAILED', error: 'DrainFailed', cause: 'caught ClusterUnreachable' });
  });

  it('an injected Lambda crash surfaces as Lambda.Unknown and an uncaught one fails the execution', async () => {
    const { clock, sfn } = await world(1);
    sfn.startExecution(SM_ARN, 'crash', '{"n":0}');
    const e = sfn.list()[0];
    await clock.until(() => e?.status !== 'RUNNING', 60_000);
    expect(e).toMatchObject({ status: 'FAILED', error: 'Lambda.Unknown' });
  });

  it('emits Step Functions Execution Status Change events', async () => {
    const { clock, sfn, bus } = await world();
    const statuses: unknown[] = [];
    bus.on('aws.event', (ev) => statuses.push(ev.detail.status));
    sfn.startExecution(SM_ARN, 'events', '{"n":2}');
    const e = sfn.list()[0];
    await clock.until(() => e?.status !== 'RUNNING', 60_000);
    expect(statuses).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('plays Retry intervals on the sim clock (parked), each retry a transition; MaxAttempts 0 never retries', async () => {
    const { clock, sfn, recorder } = await world();
    const t0 = clock.now();
    const wall = performance.now();
    const e = sfn.startExecution(retrying.arn, 'flaky', JSON.stringify({ failWith: 'Flaky' }));
    await clock.until(() => e.status !== 'RUNNING', 3_600_000);
    expect(e).toMatchObject({ status: 'FAILED', error: 'GaveUp' });
    // 60 s, then 120 s of sim time between the three attempts (plus the invocations' own time); no wall-clock sleeping.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(180_000);
    expect(clock.now() - t0).toBeLessThan(190_000);
    expect(performance.now() - wall).toBeLessThan(60_000);
    expect(e.history.filter((h) => h.type === 'StateRetried').map((h) => h.error)).toEqual(['Flaky', 'Flaky']);
    // Flaky, 2 retries, Caught
    expect(recorder.executionRecords().find((r) => r.name === 'flaky')?.stateTransitions).toBe(4);

    const final = sfn.startExecution(retrying.arn, 'final', JSON.stringify({ failWith: 'Final' }));
    const t1 = clock.now();
    await clock.until(() => final.status !== 'RUNNING', 3_600_000);
    expect(final).toMatchObject({ status: 'FAILED', error: 'GaveUp' });
    expect(final.history.some((h) => h.type === 'StateRetried')).toBe(false);
    expect(clock.now() - t1).toBeLessThan(10_000);
  });
});
