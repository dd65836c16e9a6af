/**
 * The alert the reconcile sweep puts on the default bus (source
 * {@link MILESTONE_SOURCE}) for an instance notice nobody acted on in time:
 * the instance function failed on it past its retries and, by the time the
 * sweep read it from the dead-letter queue, the instance was gone or about to
 * be (its work went with it). The stack's alert rule sends it to the alerts topic.
 */
import * as z from '../validation/zod.js';

export const NOTICE_LOST_DETAIL_TYPE = 'Instance Notice Lost';

export const NoticeLostDetailSchema = z.object({
  version: z.literal('1'),
  cluster: z.string(),
  instanceId: z.string(),
  /** spot-interruption, rebalance-recommendation, scheduled-maintenance. */
  kind: z.string(),
  /** The original event (EventBridge id and time, ISO 8601). */
  eventId: z.string(),
  eventTime: z.string(),
  /** Why it could not be acted on any more. */
  reason: z.string(),
  /** When the sweep found it (ISO 8601). */
  at: z.string(),
});
export type NoticeLostDetail = z.infer<typeof NoticeLostDetailSchema>;
