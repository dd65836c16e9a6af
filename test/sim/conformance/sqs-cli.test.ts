/**
 * Conformance of the simulated SQS with the AWS CLI (botocore speaks SQS's
 * AWS JSON 1.0, as SDK v3 does since it left the query protocol): send,
 * receive with a visibility timeout, delete, queue attributes and errors;
 * and the control plane's own wrapper (SDK v3, which verifies body MD5s).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqsService, type SimQueue } from '../../../sim/aws/sqs.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import { AWS_CLI_ENV as ENV } from './aws-cli-env.js';
import { type AwsCliResult, awsCliJson } from './aws-cli-runner.js';

let clock: SimClock;
let sqs: SqsService;
let served: RunningService;
let queue: SimQueue;
let receiveMessages: typeof import('../../../src/aws/sqs.js').receiveMessages;
let deleteMessage: typeof import('../../../src/aws/sqs.js').deleteMessage;

beforeAll(async () => {
  clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(3);
  const recorder = new Recorder(clock);
  sqs = new SqsService({ clock, rng, recorder, region: 'us-east-1', account: '000000000000' });
  served = await serve(sqs, { clock, faults: new Faults(rng), recorder });
  queue = sqs.createQueue('router-dlq', served.url);
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_SQS: served.url });
  // Modules stay loaded between the files of a worker: the wrapper afresh, its SDK client created for this file's server.
  vi.resetModules();
  ({ receiveMessages, deleteMessage } = await import('../../../src/aws/sqs.js'));
});
afterAll(async () => {
  clock.stop();
  await served.close();
});

function cli(args: string[]): Promise<AwsCliResult> {
  return clock.holding(() => awsCliJson(served.url, ['sqs', ...args], { env: ENV, timeout: 30_000 }));
}

describe('simulated SQS (AWS CLI, JSON 1.0)', () => {
  it('a sent message is received once, hidden for its visibility timeout, received again after it, and gone once deleted', async () => {
    const body = JSON.stringify({ 'detail-type': 'EC2 Instance-terminate Lifecycle Action', detail: { EC2InstanceId: 'i-0123456789abcdef0' } });
    const sent = await cli(['send-message', '--queue-url', queue.url, '--message-body', body]);
    expect(sent.ok && typeof sent.out.MessageId === 'string').toBe(true);

    const first = await clock.holding(() => receiveMessages(queue.url, 10, 60));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ body, receiveCount: 1 });
    expect(await clock.holding(() => receiveMessages(queue.url, 10, 60))).toHaveLength(0);
    const hidden = await cli(['get-queue-attributes', '--queue-url', queue.url, '--attribute-names', 'All']);
    expect(hidden.ok && hidden.out.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });

    await clock.sleep(61_000);
    const again = await cli(['receive-message', '--queue-url', queue.url, '--attribute-names', 'ApproximateReceiveCount', '--visibility-timeout', '30']);
    const messages = again.ok ? (again.out.Messages as Array<{ Body: string; ReceiptHandle: string; Attributes: Record<string, string> }>) : [];
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Body).toBe(body);
    expect(messages[0]?.Attributes.ApproximateReceiveCount).toBe('2');

    await clock.holding(() => deleteMessage(queue.url, messages[0]?.ReceiptHandle ?? ''));
    await clock.sleep(31_000);
    expect((await cli(['receive-message', '--queue-url', queue.url])).ok).toBe(true);
    expect(await clock.holding(() => receiveMessages(queue.url, 10, 60))).toHaveLength(0);
    expect(queue.deleted).toBe(1);
  });

  it('an empty receive answers no Messages; errors carry their codes', async () => {
    const empty = await cli(['receive-message', '--queue-url', queue.url]);
    expect(empty).toEqual({ ok: true, out: {} });
    expect(await cli(['delete-message', '--queue-url', queue.url, '--receipt-handle', 'garbage'])).toMatchObject({ ok: false, code: 'ReceiptHandleIsInvalid' });
    const missing = await cli(['send-message', '--queue-url', `${served.url}/000000000000/nope`, '--message-body', 'x']);
    expect(missing.ok).toBe(false);
    expect(missing.ok ? '' : missing.code).toMatch(/NonExistentQueue|QueueDoesNotExist/);
    expect(await cli(['receive-message', '--queue-url', queue.url, '--max-number-of-messages', '11'])).toMatchObject({
      ok: false,
      code: 'InvalidParameterValue',
    });
    const url = await cli(['get-queue-url', '--queue-name', 'router-dlq']);
    expect(url).toEqual({ ok: true, out: { QueueUrl: queue.url } });
  });
});
