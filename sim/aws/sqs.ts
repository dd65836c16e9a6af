/**
 * Simulated SQS (standard queues), at the wire protocol SDK v3 and the AWS
 * CLI speak: AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Action>`. SendMessage,
 * ReceiveMessage (short poll; visibility timeout on the sim clock),
 * DeleteMessage, GetQueueUrl, GetQueueAttributes. The SDK verifies the MD5 of
 * each body, so the digests are real.
 */
import { createHash } from 'node:crypto';
import type { SimClock } from '../core/clock.js';
import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import { AwsApiError } from './errors.js';
import { jsonAction, jsonInput, queryCompatibleError, queryCompatibleResponse } from './protocol/json.js';

/** SQS's default VisibilityTimeout of a queue, seconds. */
const DEFAULT_VISIBILITY_SECONDS = 30;

interface StoredMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** Hidden until this sim time. */
  visibleAt: number;
  /** The receipt handle of the latest receive. */
  receiptHandle: string | undefined;
}

/** One queue: messages in arrival order. */
export interface SimQueue {
  name: string;
  arn: string;
  url: string;
  messages: StoredMessage[];
  /** Every message ever sent, for reports and tests. */
  sent: number;
  deleted: number;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

export class SqsService implements SimService {
  readonly name = 'sqs' as const;
  private readonly queues = new Map<string, SimQueue>();
  private readonly rng: Rng;

  constructor(private readonly deps: { clock: SimClock; rng: Rng; recorder: Recorder; region: string; account: string }) {
    this.rng = deps.rng.fork('sqs');
  }

  /** Create a queue (as CloudFormation would from serverless.yml); `origin` is where its URL points. */
  createQueue(name: string, origin: string): SimQueue {
    const existing = this.queues.get(name);
    if (existing) return existing;
    const q: SimQueue = {
      name,
      arn: `arn:aws:sqs:${this.deps.region}:${this.deps.account}:${name}`,
      url: `${origin}/${this.deps.account}/${name}`,
      messages: [],
      sent: 0,
      deleted: 0,
    };
    this.queues.set(name, q);
    return q;
  }

  queue(nameOrArn: string): SimQueue | undefined {
    return this.queues.get(nameOrArn) ?? [...this.queues.values()].find((q) => q.arn === nameOrArn || q.url === nameOrArn);
  }

  /** SendMessage from inside AWS (an EventBridge DLQ, a Lambda destination). */
  send(queueArn: string, body: string): string {
    const q = this.queue(queueArn);
    if (!q) throw new Error(`no simulated queue ${queueArn}`);
    return this.enqueue(q, body);
  }

  actionOf(req: SimRequest): string {
    return jsonAction(req);
  }

  handle(req: SimRequest): SimResponse {
    const requestId = this.rng.uuid();
    try {
      const input = jsonInput(req);
      const action = jsonAction(req);
      switch (action) {
        case 'SendMessage':
          return this.ok(this.sendMessage(input), requestId);
        case 'ReceiveMessage':
          return this.ok(this.receiveMessage(input), requestId);
        case 'DeleteMessage':
          this.deleteMessage(input);
          return this.ok({}, requestId);
        case 'GetQueueUrl': {
          const q = this.byName(requiredString(input, 'QueueName'));
          return this.ok({ QueueUrl: q.url }, requestId);
        }
        case 'GetQueueAttributes':
          return this.ok({ Attributes: this.attributes(this.byUrl(input)) }, requestId);
        default:
          throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
      }
    } catch (error) {
      if (error instanceof AwsApiError) return this.error(error.status, error.code, error.message, requestId);
      if (error instanceof SyntaxError) return this.error(400, 'SerializationException', error.message, requestId);
      throw error;
    }
  }

  throttled(): SimResponse {
    return this.error(400, 'RequestThrottled', 'Request is throttled.', this.rng.uuid());
  }

  serverError(): SimResponse {
    return this.error(500, 'InternalError', 'We encountered an internal error. Please try again.', this.rng.uuid());
  }

  private ok(output: unknown, requestId: string): SimResponse {
    return queryCompatibleResponse(output, requestId);
  }

  /** JSON 1.0 errors: `__type` with the shape id; the query-compatible code in `x-amzn-query-error`. */
  private error(status: number, code: string, message: string, requestId: string): SimResponse {
    const queryCode = code === 'QueueDoesNotExist' ? 'AWS.SimpleQueueService.NonExistentQueue' : code;
    return queryCompatibleError({ status, code, message, namespace: 'com.amazonaws.sqs', queryCode }, requestId);
  }

  private byName(name: string): SimQueue {
    const q = this.queues.get(name);
    if (!q) throw new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  }

  private byUrl(input: Record<string, unknown>): SimQueue {
    const url = requiredString(input, 'QueueUrl');
    const name = url.split('/').pop() ?? '';
    return this.byName(name);
  }

  private enqueue(q: SimQueue, body: string, delaySeconds = 0): string {
    const messageId = this.rng.uuid();
    const now = this.deps.clock.now();
    q.messages.push({
      messageId,
      body,
      sentAt: now,
      receiveCount: 0,
      firstReceivedAt: undefined,
      visibleAt: now + delaySeconds * 1000,
      receiptHandle: undefined,
    });
    q.sent++;
    this.deps.recorder.event('sqs', `${q.name}: message ${messageId} sent (${q.messages.length} in queue)`);
    return messageId;
  }

  private sendMessage(input: Record<string, unknown>): unknown {
    const q = this.byUrl(input);
    const body = requiredString(input, 'MessageBody');
    if (body.length === 0) throw new AwsApiError('InvalidParameterValue', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body, 'utf8') > 262_144)
      throw new AwsApiError('InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
    const delay = typeof input.DelaySeconds === 'number' ? input.DelaySeconds : 0;
    const messageId = this.enqueue(q, body, delay);
    return { MessageId: messageId, MD5OfMessageBody: md5(body) };
  }

  private receiveMessage(input: Record<string, unknown>): unknown {
    const q = this.byUrl(input);
    const max = typeof input.MaxNumberOfMessages === 'number' ? input.MaxNumberOfMessages : 1;
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw new AwsApiError(
        'InvalidParameterValue',
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    const visibility = typeof input.VisibilityTimeout === 'number' ? input.VisibilityTimeout : DEFAULT_VISIBILITY_SECONDS;
    const wanted = new Set([...stringArray(input.AttributeNames), ...stringArray(input.MessageSystemAttributeNames)]);
    const now = this.deps.clock.now();
    const out: unknown[] = [];
    for (const m of q.messages) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility * 1000;
      m.receiptHandle = `${m.messageId}#${this.rng.uuid()}`;
      const all = {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        SenderId: this.deps.account,
      };
      const attributes = Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has('All') || wanted.has(k)));
      out.push({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: md5(m.body),
        Body: m.body,
        ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
      });
    }
    // An empty receive answers `{}`, without a Messages member.
    return out.length > 0 ? { Messages: out } : {};
  }

  private deleteMessage(input: Record<string, unknown>): void {
    const q = this.byUrl(input);
    const handle = requiredString(input, 'ReceiptHandle');
    const messageId = handle.split('#')[0] ?? '';
    if (!handle.includes('#')) throw new AwsApiError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
    const i = q.messages.findIndex((m) => m.messageId === messageId);
    // Deleting a message already deleted succeeds, as SQS does.
    if (i < 0) return;
    q.messages.splice(i, 1);
    q.deleted++;
    this.deps.recorder.event('sqs', `${q.name}: message ${messageId} deleted (${q.messages.length} left)`);
  }

  private attributes(q: SimQueue): Record<string, string> {
    const now = this.deps.clock.now();
    return {
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(q.messages.filter((m) => m.visibleAt > now).length),
      VisibilityTimeout: String(DEFAULT_VISIBILITY_SECONDS),
    };
  }
}

function requiredString(input: Record<string, unknown>, key: string): string {
  const v = input[key];
  if (typeof v !== 'string') throw new AwsApiError('MissingParameter', `The request must contain the parameter ${key}.`);
  return v;
}

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
