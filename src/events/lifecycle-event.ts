/** Parsing an EventBridge event from EC2 Auto Scaling into a {@link LifecycleAction}. */
import * as z from '../validation/zod.js';
import { InvalidInput } from '../errors/index.js';
import { type LifecycleAction, LifecycleEndpointSchema } from './lifecycle-action.js';
import { EnvelopeSchema, LAUNCH_DETAIL_TYPE, LAUNCHING, LifecycleDetailSchema, TERMINATE_DETAIL_TYPE, TEST_NOTIFICATION } from './schemas.js';

/** Result of parsing an incoming event. */
export type ParsedEvent = { type: 'action'; action: LifecycleAction } | { type: 'ignored'; reason: string };

/**
 * Parse an EventBridge event from EC2 Auto Scaling.
 * @returns the normalised action, or `ignored` for test notifications and other detail types.
 * @throws InvalidInput when the event is malformed.
 */
export function parseLifecycleEvent(event: unknown): ParsedEvent {
  const envelope = EnvelopeSchema.safeParse(event);
  if (!envelope.success) throw new InvalidInput(`not an EventBridge event: ${z.prettifyError(envelope.error)}`);
  const e = envelope.data;
  if (e.detail.Event === TEST_NOTIFICATION || e.detail.LifecycleTransition === TEST_NOTIFICATION) {
    return { type: 'ignored', reason: 'test notification' };
  }
  if (e.source !== 'aws.autoscaling' || (e['detail-type'] !== LAUNCH_DETAIL_TYPE && e['detail-type'] !== TERMINATE_DETAIL_TYPE)) {
    return { type: 'ignored', reason: `not a lifecycle action: ${e.source} / ${e['detail-type']}` };
  }
  const detail = LifecycleDetailSchema.safeParse(e.detail);
  if (!detail.success) throw new InvalidInput(`malformed lifecycle action: ${z.prettifyError(detail.error)}`);
  const d = detail.data;
  const kind = d.LifecycleTransition === LAUNCHING ? 'launch' : 'terminate';
  if ((kind === 'launch') !== (e['detail-type'] === LAUNCH_DETAIL_TYPE)) {
    throw new InvalidInput(`detail-type ${e['detail-type']} does not match transition ${d.LifecycleTransition}`);
  }
  const eventTime = Date.parse(e.time);
  if (Number.isNaN(eventTime)) throw new InvalidInput(`event time is not a timestamp: ${e.time}`);
  return {
    type: 'action',
    action: {
      kind,
      instanceId: d.EC2InstanceId,
      asgName: d.AutoScalingGroupName,
      hookName: d.LifecycleHookName,
      token: d.LifecycleActionToken,
      eventTime,
      eventId: e.id,
      ...endpoint('origin', d.Origin),
      ...endpoint('destination', d.Destination),
    },
  };
}

/** An Origin/Destination field when the event has a known one. */
function endpoint<K extends 'origin' | 'destination'>(key: K, value: string | undefined): Partial<Record<K, z.infer<typeof LifecycleEndpointSchema>>> {
  const parsed = LifecycleEndpointSchema.safeParse(value);
  return parsed.success ? ({ [key]: parsed.data } as Partial<Record<K, z.infer<typeof LifecycleEndpointSchema>>>) : {};
}
