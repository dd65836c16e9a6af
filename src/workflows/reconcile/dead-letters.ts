/**
 * Replay the lifecycle router's dead-letter queue: events EventBridge could
 * not deliver (target DeadLetterConfig) and invocations the router failed on
 * after Lambda's asynchronous retries (on-failure destination) are routed
 * again through the router's own logic, and deleted once handled.
 */
import { InvalidInput } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { routeLifecycleEvent } from '../router/route.js';
import type { ReconcileDeps } from './deps.js';

/** SQS hands out at most 10 messages per ReceiveMessage. */
const BATCH = 10;
/** A sweep replays at most this many batches; the rest waits for the next sweep. */
const MAX_BATCHES = 20;
/**
 * A message being replayed stays hidden this long. Shorter than the sweep's
 * period: a replay that failed is back for the next sweep, so its action is
 * started under its own token rather than adopted.
 */
export const REPLAY_VISIBILITY_SECONDS = 30;

export interface DeadLetterOutcome {
  /** Instances whose lifecycle action a replayed dead letter routed. */
  instances: string[];
  replayed: number;
  discarded: number;
  failed: number;
}

/**
 * The EventBridge event inside a dead letter: the body itself (EventBridge
 * DLQ), or the `requestPayload` of a Lambda on-failure destination record.
 */
export function eventOfDeadLetter(body: string): unknown {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed === 'object' && parsed !== null && 'requestPayload' in parsed && 'requestContext' in parsed)
    return (parsed as { requestPayload: unknown }).requestPayload;
  return parsed;
}

function instanceOf(event: unknown): string | undefined {
  const detail = typeof event === 'object' && event !== null ? (event as { detail?: { EC2InstanceId?: unknown } }).detail : undefined;
  return typeof detail?.EC2InstanceId === 'string' ? detail.EC2InstanceId : undefined;
}

export async function replayDeadLetters(deps: Pick<ReconcileDeps, 'config' | 'router' | 'sqs'>): Promise<DeadLetterOutcome> {
  const queueUrl = deps.config.routerDeadLetterQueueUrl;
  const outcome: DeadLetterOutcome = { instances: [], replayed: 0, discarded: 0, failed: 0 };
  if (!queueUrl) {
    getLogger().warn('ROUTER_DLQ_URL is not set: no dead letters to replay');
    return outcome;
  }
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const messages = await deps.sqs.receiveMessages(queueUrl, BATCH, REPLAY_VISIBILITY_SECONDS);
    if (messages.length === 0) break;
    for (const m of messages) {
      const log = getLogger();
      try {
        const result = await routeLifecycleEvent(eventOfDeadLetter(m.body), deps.router);
        await deps.sqs.deleteMessage(queueUrl, m.receiptHandle);
        outcome.replayed++;
        const instanceId = instanceOf(eventOfDeadLetter(m.body));
        if (instanceId) outcome.instances.push(instanceId);
        countMetric('DeadLetterReplayed');
        log.warn('dead-lettered lifecycle event replayed', { messageId: m.messageId, receiveCount: m.receiveCount, result });
      } catch (error) {
        if (error instanceof SyntaxError || error instanceof InvalidInput) {
          // A message that can never be routed would come back forever: logged whole, counted, removed.
          await deps.sqs.deleteMessage(queueUrl, m.receiptHandle);
          outcome.discarded++;
          countMetric('DeadLetterDiscarded');
          log.error('dead letter is no lifecycle event; discarded', { messageId: m.messageId, body: m.body, error: (error as Error).message });
          continue;
        }
        outcome.failed++;
        countMetric('DeadLetterReplayFailed');
        log.error('dead letter replay failed; it comes back for the next sweep', {
          messageId: m.messageId,
          receiveCount: m.receiveCount,
          error: (error as Error).message,
        });
      }
    }
  }
  return outcome;
}
