/**
 * Notices about one instance that are no lifecycle action: EC2's Spot
 * interruption warning and rebalance recommendation, and AWS Health's
 * scheduled instance maintenance. Parsed here into {@link InstanceNotice}
 * before any handler sees them.
 */
import * as z from '../validation/zod.js';
import { InvalidInput } from '../errors/index.js';
import { EnvelopeSchema } from './schemas.js';

export const SPOT_INTERRUPTION_DETAIL_TYPE = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_DETAIL_TYPE = 'EC2 Instance Rebalance Recommendation';
export const HEALTH_DETAIL_TYPE = 'AWS Health Event';
/** EC2 interrupts a Spot Instance two minutes after the warning (EC2 User Guide, "Spot Instance interruption notices"). */
export const SPOT_NOTICE_MS = 120_000;

/** AWS Health event types that take an instance away at a scheduled time (the stack's rule selects these). */
export const INSTANCE_MAINTENANCE_EVENT_TYPES = [
  'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
  'AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED',
  'AWS_EC2_INSTANCE_STOP_SCHEDULED',
  'AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED',
  'AWS_EC2_INSTANCE_REBOOT_FLEXIBLE_MAINTENANCE_SCHEDULED',
  'AWS_EC2_SYSTEM_REBOOT_MAINTENANCE_SCHEDULED',
  'AWS_EC2_SYSTEM_MAINTENANCE_EVENT',
] as const;

const InstanceIdSchema = z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/, 'not an EC2 instance id'));

/** `detail` of `EC2 Spot Instance Interruption Warning`. */
const SpotDetailSchema = z.object({ 'instance-id': InstanceIdSchema, 'instance-action': z.enum(['terminate', 'stop', 'hibernate']) });
/** `detail` of `EC2 Instance Rebalance Recommendation`. */
const RebalanceDetailSchema = z.object({ 'instance-id': InstanceIdSchema });
/** `detail` of an `AWS Health Event` (the fields read here). */
const HealthDetailSchema = z.object({
  service: z.string(),
  eventTypeCode: z.string(),
  eventTypeCategory: z.string(),
  startTime: z.optional(z.string()),
  affectedEntities: z._default(z.array(z.object({ entityValue: z.string() })), []),
});

export const InstanceNoticeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('spot-interruption'),
    instanceId: z.string(),
    action: z.enum(['terminate', 'stop', 'hibernate']),
    eventTime: z.number(),
    eventId: z.string(),
    /** When EC2 takes the instance (epoch ms). */
    reclaimAt: z.number(),
  }),
  z.object({ kind: z.literal('rebalance-recommendation'), instanceId: z.string(), eventTime: z.number(), eventId: z.string() }),
  z.object({
    kind: z.literal('scheduled-maintenance'),
    instanceId: z.string(),
    eventTypeCode: z.string(),
    eventTime: z.number(),
    eventId: z.string(),
    /** The scheduled time (epoch ms), when the event gives one. */
    scheduledAt: z.nullable(z.number()),
  }),
]);
export type InstanceNotice = z.infer<typeof InstanceNoticeSchema>;

export type ParsedNotice = { type: 'notices'; notices: InstanceNotice[] } | { type: 'ignored'; reason: string };

/**
 * Parse an EventBridge event into instance notices (one per affected instance).
 * @throws InvalidInput when the event or a known detail is malformed.
 */
export function parseInstanceNotice(event: unknown): ParsedNotice {
  const envelope = EnvelopeSchema.safeParse(event);
  if (!envelope.success) throw new InvalidInput(`not an EventBridge event: ${z.prettifyError(envelope.error)}`);
  const e = envelope.data;
  const eventTime = Date.parse(e.time);
  if (Number.isNaN(eventTime)) throw new InvalidInput(`event time is not a timestamp: ${e.time}`);
  const base = { eventTime, eventId: e.id };
  const detailType = e['detail-type'];
  if (e.source === 'aws.ec2' && detailType === SPOT_INTERRUPTION_DETAIL_TYPE) {
    const d = parseDetail(SpotDetailSchema, e.detail, detailType);
    return {
      type: 'notices',
      notices: [{ kind: 'spot-interruption', instanceId: d['instance-id'], action: d['instance-action'], reclaimAt: eventTime + SPOT_NOTICE_MS, ...base }],
    };
  }
  if (e.source === 'aws.ec2' && detailType === REBALANCE_DETAIL_TYPE) {
    const d = parseDetail(RebalanceDetailSchema, e.detail, detailType);
    return { type: 'notices', notices: [{ kind: 'rebalance-recommendation', instanceId: d['instance-id'], ...base }] };
  }
  if (e.source === 'aws.health' && detailType === HEALTH_DETAIL_TYPE) {
    const d = parseDetail(HealthDetailSchema, e.detail, detailType);
    if (d.service !== 'EC2' || !(INSTANCE_MAINTENANCE_EVENT_TYPES as readonly string[]).includes(d.eventTypeCode))
      return { type: 'ignored', reason: `not an instance maintenance event: ${d.service} / ${d.eventTypeCode}` };
    const startTime = d.startTime === undefined ? Number.NaN : Date.parse(d.startTime);
    const scheduledAt = Number.isNaN(startTime) ? null : startTime;
    const ids = d.affectedEntities.map((a) => a.entityValue).filter((v) => InstanceIdSchema.safeParse(v).success);
    if (ids.length === 0) return { type: 'ignored', reason: `${d.eventTypeCode} names no instance` };
    return {
      type: 'notices',
      notices: ids.map((instanceId) => ({ kind: 'scheduled-maintenance', instanceId, eventTypeCode: d.eventTypeCode, scheduledAt, ...base })),
    };
  }
  return { type: 'ignored', reason: `not an instance notice: ${e.source} / ${detailType}` };
}

function parseDetail<T extends z.ZodMiniType>(schema: T, detail: unknown, detailType: string): z.output<T> {
  const r = schema.safeParse(detail);
  if (!r.success) throw new InvalidInput(`malformed ${detailType}: ${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * The AWS Health event of one scheduled-maintenance notice, for this instance
 * only (what noticeReplace hands back to instanceNotice when the window opens).
 */
export function healthEventOf(notice: Extract<InstanceNotice, { kind: 'scheduled-maintenance' }>): Record<string, unknown> {
  return {
    version: '0',
    id: notice.eventId,
    'detail-type': HEALTH_DETAIL_TYPE,
    source: 'aws.health',
    time: new Date(notice.eventTime).toISOString(),
    resources: [notice.instanceId],
    detail: {
      service: 'EC2',
      eventTypeCode: notice.eventTypeCode,
      eventTypeCategory: 'scheduledChange',
      ...(notice.scheduledAt === null ? {} : { startTime: new Date(notice.scheduledAt).toUTCString() }),
      affectedEntities: [{ entityValue: notice.instanceId }],
    },
  };
}
