/**
 * Replay the instance notices `instanceNotice` failed on (its EventBridge
 * rules' DeadLetterConfig and its asynchronous on-failure destination share
 * one queue). A notice that still matters (the instance is still in its
 * group, not terminating, and a Spot warning's reclaim is still far enough
 * away for a drain) is handled again by the function's own code; one that
 * does not is alerted, naming the instance: its work may have gone with it.
 */
import { MILESTONE_SOURCE } from '../../events/milestones.js';
import { type InstanceNotice, parseInstanceNotice } from '../../events/instance-notice.js';
import { NOTICE_LOST_DETAIL_TYPE, type NoticeLostDetail } from '../../events/notice-lost.js';
import { InvalidInput } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { RECLAIM_MARGIN_MS } from '../drain/start.js';
import { handleNotice } from '../notices/handle.js';
import { eventOfDeadLetter, REPLAY_VISIBILITY_SECONDS } from './dead-letters.js';
import type { ReconcileDeps } from './deps.js';

const BATCH = 10;
const MAX_BATCHES = 10;

export interface NoticeDeadLetterOutcome {
  /** Instances whose notice was handled again. */
  replayed: string[];
  /** Instances whose notice came too late: alerted. */
  lost: string[];
  discarded: number;
  failed: number;
}

/** Why a dead-lettered notice can no longer be acted on, or null when it still can. */
export function tooLate(notice: InstanceNotice, lifecycleState: string | undefined, now: number): string | null {
  if (lifecycleState === undefined) return 'the instance is in no Auto Scaling group any more (terminated or reclaimed)';
  if (notice.kind === 'spot-interruption' && now >= notice.reclaimAt - RECLAIM_MARGIN_MS)
    return `EC2 reclaims the instance at ${new Date(notice.reclaimAt).toISOString()}: no time left to drain it`;
  if (notice.kind === 'scheduled-maintenance' && notice.scheduledAt !== null && now >= notice.scheduledAt)
    return `the scheduled time ${new Date(notice.scheduledAt).toISOString()} has passed`;
  return null;
}

export async function replayNoticeDeadLetters(deps: Pick<ReconcileDeps, 'config' | 'notices' | 'sqs' | 'putEvent' | 'now'>): Promise<NoticeDeadLetterOutcome> {
  const queueUrl = deps.config.noticeDeadLetterQueueUrl;
  const outcome: NoticeDeadLetterOutcome = { replayed: [], lost: [], discarded: 0, failed: 0 };
  if (!queueUrl) {
    getLogger().warn('NOTICE_DLQ_URL is not set: no dead-lettered instance notices to replay');
    return outcome;
  }
  const log = getLogger();
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const messages = await deps.sqs.receiveMessages(queueUrl, BATCH, REPLAY_VISIBILITY_SECONDS);
    if (messages.length === 0) break;
    for (const m of messages) {
      let notices: InstanceNotice[];
      try {
        const parsed = parseInstanceNotice(eventOfDeadLetter(m.body));
        notices = parsed.type === 'notices' ? parsed.notices : [];
      } catch (error) {
        if (!(error instanceof SyntaxError || error instanceof InvalidInput)) throw error;
        notices = [];
      }
      if (notices.length === 0) {
        await deps.sqs.deleteMessage(queueUrl, m.receiptHandle);
        outcome.discarded++;
        countMetric('NoticeDeadLetterDiscarded');
        log.error('dead letter is no instance notice; discarded', { messageId: m.messageId, body: m.body });
        continue;
      }
      try {
        for (const notice of notices) {
          const member = await deps.notices.describeAutoScalingInstance(notice.instanceId);
          const why = tooLate(notice, member?.LifecycleState, deps.now());
          if (why === null) {
            const result = await handleNotice(notice, deps.notices);
            outcome.replayed.push(notice.instanceId);
            countMetric('NoticeDeadLetterReplayed');
            log.warn('dead-lettered instance notice replayed', { messageId: m.messageId, instanceId: notice.instanceId, kind: notice.kind, result });
          } else {
            await alertLost(notice, why, deps);
            outcome.lost.push(notice.instanceId);
          }
        }
        await deps.sqs.deleteMessage(queueUrl, m.receiptHandle);
      } catch (error) {
        outcome.failed++;
        countMetric('NoticeDeadLetterReplayFailed');
        log.error('instance notice replay failed; it comes back for the next sweep', {
          messageId: m.messageId,
          receiveCount: m.receiveCount,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
  }
  return outcome;
}

async function alertLost(notice: InstanceNotice, reason: string, deps: Pick<ReconcileDeps, 'config' | 'putEvent' | 'now'>): Promise<void> {
  const detail: NoticeLostDetail = {
    version: '1',
    cluster: deps.config.clusterName,
    instanceId: notice.instanceId,
    kind: notice.kind,
    eventId: notice.eventId,
    eventTime: new Date(notice.eventTime).toISOString(),
    reason: `${notice.kind} for ${notice.instanceId} was not acted on in time (instanceNotice failed on it): ${reason}`,
    at: new Date(deps.now()).toISOString(),
  };
  await deps.putEvent(MILESTONE_SOURCE, NOTICE_LOST_DETAIL_TYPE, detail);
  countMetric('InstanceNoticeLost');
  getLogger().error('instance notice lost: alerted', { ...detail });
}
