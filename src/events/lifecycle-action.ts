/**
 * The ONE event model: every lifecycle event source is normalised into a
 * {@link LifecycleAction} before any handler sees it (the event itself is
 * parsed in `lifecycle-event.ts`: only the router reads raw events, every
 * task its action).
 */
import * as z from '../validation/zod.js';

/** Origin / Destination of a lifecycle action event (warm pools: "Warm pool example events and patterns"). */
export const LifecycleEndpointSchema = z.enum(['EC2', 'AutoScalingGroup', 'WarmPool']);

/** One lifecycle action: launch or terminate of one instance, awaiting completion. */
export const LifecycleActionSchema = z.object({
  kind: z.enum(['launch', 'terminate']),
  instanceId: z.string().check(z.minLength(1)),
  asgName: z.string().check(z.minLength(1)),
  hookName: z.string().check(z.minLength(1)),
  token: z.string().check(z.minLength(1)),
  /** When the hook fired (event time), epoch ms. */
  eventTime: z.number(),
  eventId: z.string(),
  /** Where the instance comes from and goes to (`EC2` | `AutoScalingGroup` | `WarmPool`); absent in events without them. */
  origin: z.optional(LifecycleEndpointSchema),
  destination: z.optional(LifecycleEndpointSchema),
});
export type LifecycleAction = z.infer<typeof LifecycleActionSchema>;
