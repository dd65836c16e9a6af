/**
 * Step Functions' AWS SDK service integrations, as the developer guide
 * ("Using AWS SDK service integrations") describes them: PascalCase Parameters
 * of the API, the API's response as the result, errors named
 * `<ServiceName>.<ErrorName>` with the `Exception` suffix always added.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import type { StateMachineSpec } from '../../../sim/runtime/deploy-config.js';
import { LambdaRuntime } from '../../../sim/runtime/lambda.js';
import { StepFunctionsSim } from '../../../sim/runtime/stepfunctions.js';
import { seedGroup, startWorld, type World } from '../aws/harness.js';

const machine = (key: string, state: Record<string, unknown>): StateMachineSpec => ({
  key,
  logicalId: `${key}StateMachine`,
  name: key,
  arn: `arn:aws:states:us-east-1:000000000000:stateMachine:${key}`,
  definition: {
    StartAt: 'Call',
    States: {
      Call: { Type: 'Task', ...state, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Caught' }], End: true },
      Caught: { Type: 'Succeed' },
    },
  },
});

const describeGroups = machine('describe', {
  Resource: 'arn:aws:states:::aws-sdk:autoscaling:describeAutoScalingGroups',
  Parameters: { 'AutoScalingGroupNames.$': '$.names' },
  ResultSelector: { 'names.$': '$.AutoScalingGroups[*].AutoScalingGroupName' },
});
const heartbeat = machine('heartbeat', {
  Resource: 'arn:aws:states:::aws-sdk:autoscaling:recordLifecycleActionHeartbeat',
  Parameters: { AutoScalingGroupName: 'clients', LifecycleHookName: 'terminate', InstanceId: 'i-0123456789abcdef0' },
});

let world: World | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  proxy?.closeAllConnections();
  proxy?.close();
  proxy = undefined;
  await world?.close();
});

/** A loopback hop that answers `delayMs` of wall time late: a call that takes real time, as every call to AWS does. */
async function slowHop(target: string, delayMs: number): Promise<string> {
  const to = new URL(target);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      setTimeout(() => {
        const out = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        });
        out.end(Buffer.concat(chunks));
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

async function run(spec: StateMachineSpec, input: unknown, options: { wallDelayMs?: number } = {}): Promise<unknown> {
  world = await startWorld();
  seedGroup(world, { desired: 1 });
  const { clock, faults } = world;
  const rng = new Rng(3);
  const recorder = new Recorder(clock);
  const lambda = new LambdaRuntime([], { clock, faults, recorder, rng });
  const sfn = new StepFunctionsSim([spec], { clock, recorder, rng, lambda, bus: world.bus, region: 'us-east-1' });
  const autoscaling = options.wallDelayMs === undefined ? world.urls.autoscaling : await slowHop(world.urls.autoscaling, options.wallDelayMs);
  sfn.useSdkEndpoints({ region: 'us-east-1', endpoints: { autoscaling }, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  sfn.startExecution(spec.arn, 'run', JSON.stringify(input));
  const execution = sfn.list()[0];
  await clock.until(() => execution?.status !== 'RUNNING', 60_000);
  expect(execution?.status).toBe('SUCCEEDED');
  return JSON.parse(String(execution?.output));
}

describe('simulated Step Functions: AWS SDK service integrations', () => {
  it("a task's result is the API's response (PascalCase fields), without the SDK's metadata", async () => {
    expect(await run(describeGroups, { names: ['clients'] })).toEqual({ names: ['clients'] });
  });

  it('an error is named <ServiceName>.<ErrorName>Exception: RecordLifecycleActionHeartbeat of no active action', async () => {
    const out = (await run(heartbeat, {})) as { caught: { Error: string; Cause: string } };
    expect(out.caught.Error).toBe('AutoScaling.ValidationErrorException');
    expect(out.caught.Cause).toMatch(/No active Lifecycle Action/);
  });

  it('the call is work of the execution: sim time does not jump to the next event while it is in flight', async () => {
    // Found under load: while Step Functions' own heartbeat call was on the wire the clock counted
    // as idle and jumped to the next event (the hook's expiry), so the heartbeat came too late.
    const started = Date.now();
    expect(await run(describeGroups, { names: ['clients'] }, { wallDelayMs: 50 })).toEqual({ names: ['clients'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });
});
