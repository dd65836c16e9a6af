/**
 * Conformance of the simulated Lambda Invoke API (REST-JSON) with the AWS
 * CLI (botocore) and SDK v3: the payload in and out, a function error as a
 * 200 with `X-Amz-Function-Error: Unhandled`, a function that does not exist
 * as ResourceNotFoundException, DryRun as 204, and the function name given
 * as a name, a full ARN or a partial ARN.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaApiService } from '../../../sim/aws/lambda-api.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import { LambdaRuntime } from '../../../sim/runtime/lambda.js';
import { COUNTER_ARN, counterFunction } from '../../fixtures/functions/counter-spec.js';
import { AWS_CLI_ENV as ENV } from './aws-cli-env.js';
import { awsCli } from './aws-cli-runner.js';

let served: RunningService;
let clock: SimClock;
const dir = mkdtempSync(join(tmpdir(), 'lambda-conformance-'));

beforeAll(async () => {
  clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(5);
  const recorder = new Recorder(clock);
  const faults = new Faults(rng);
  const lambda = new LambdaRuntime([counterFunction], { clock, faults, recorder, rng });
  served = await serve(new LambdaApiService({ rng, recorder, lambda, region: 'us-east-1', account: '000000000000' }), { clock, faults, recorder });
});
afterAll(async () => {
  await served.close();
  clock.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `aws lambda invoke`: the CLI's own output (StatusCode, FunctionError) and the payload file. */
async function cliInvoke(functionName: string, payload: string, extra: string[] = []): Promise<{ meta: Record<string, unknown>; payload: string }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
  const { stdout } = await awsCli(
    ['lambda', 'invoke', '--endpoint-url', served.url, '--function-name', functionName, '--payload', payload, ...extra, '--output', 'json', out],
    { env: ENV },
  );
  return { meta: JSON.parse(stdout) as Record<string, unknown>, payload: extra.includes('DryRun') ? '' : readFileSync(out, 'utf8') };
}

describe('simulated Lambda Invoke, driven by the AWS CLI', () => {
  it('returns the function result as the payload (name, full ARN, partial ARN)', async () => {
    for (const name of ['counter', COUNTER_ARN, '000000000000:function:counter']) {
      const r = await cliInvoke(name, '{"n": 41}');
      expect(r.meta).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
      expect(r.meta.FunctionError).toBeUndefined();
      expect(JSON.parse(r.payload)).toEqual({ n: 42 });
    }
  }, 60_000);

  it('a function error is a successful request: FunctionError Unhandled, the error document as payload', async () => {
    const r = await cliInvoke('counter', '{"failWith": "Boom"}');
    expect(r.meta).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(r.payload)).toMatchObject({ errorType: 'Boom', errorMessage: 'asked to fail with Boom' });
  }, 60_000);

  it('DryRun answers 204 without running the function', async () => {
    const r = await cliInvoke('counter', '{}', ['--invocation-type', 'DryRun']);
    expect(r.meta).toMatchObject({ StatusCode: 204 });
  }, 60_000);

  it('an unknown function is ResourceNotFoundException naming its ARN', async () => {
    const error = await cliInvoke('nothing-here', '{}').catch((e: { stderr: string }) => e);
    expect((error as { stderr: string }).stderr).toMatch(
      /ResourceNotFoundException.*Function not found: arn:aws:lambda:us-east-1:000000000000:function:nothing-here/,
    );
  }, 60_000);

  it('SDK v3 reads the same answers', async () => {
    const client = new LambdaClient({ endpoint: served.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    const ok = await client.send(new InvokeCommand({ FunctionName: 'counter', Payload: new TextEncoder().encode('{"n":1}') }));
    expect(JSON.parse(new TextDecoder().decode(ok.Payload))).toEqual({ n: 2 });
    const failed = await client.send(new InvokeCommand({ FunctionName: 'counter', Payload: new TextEncoder().encode('{"failWith":"X"}') }));
    expect(failed.FunctionError).toBe('Unhandled');
    await expect(client.send(new InvokeCommand({ FunctionName: 'nothing-here' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
