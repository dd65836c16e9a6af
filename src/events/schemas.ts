/** zod schemas of the EventBridge events from EC2 Auto Scaling the control plane consumes. */
import * as z from '../validation/zod.js';

export const LAUNCH_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
export const TERMINATE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';
export const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';
export const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
export const TEST_NOTIFICATION = 'autoscaling:TEST_NOTIFICATION';

/** The EventBridge envelope (fields the control plane reads). */
export const EnvelopeSchema = z.object({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  account: z.optional(z.string()),
  time: z.string().check(z.minLength(1)),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.record(z.string(), z.unknown()),
});

/** `detail` of `EC2 Instance-launch/terminate Lifecycle Action`. */
export const LifecycleDetailSchema = z.object({
  LifecycleActionToken: z.string().check(z.minLength(1)),
  AutoScalingGroupName: z.string().check(z.minLength(1)),
  LifecycleHookName: z.string().check(z.minLength(1)),
  EC2InstanceId: z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/, 'not an EC2 instance id')),
  LifecycleTransition: z.enum([LAUNCHING, TERMINATING]),
  NotificationMetadata: z.optional(z.string()),
  Origin: z.optional(z.string()),
  Destination: z.optional(z.string()),
});
