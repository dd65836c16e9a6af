/** zod schemas of the EventBridge events from EC2 Auto Scaling the control plane consumes. */
import * as z from 'zod';

export const LAUNCH_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
export const TERMINATE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';
export const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';
export const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
export const TEST_NOTIFICATION = 'autoscaling:TEST_NOTIFICATION';

/** The EventBridge envelope (fields the control plane reads). */
export const EnvelopeSchema = z.object({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  time: z.string().min(1),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

/** `detail` of `EC2 Instance-launch/terminate Lifecycle Action`. */
export const LifecycleDetailSchema = z.object({
  LifecycleActionToken: z.string().min(1),
  AutoScalingGroupName: z.string().min(1),
  LifecycleHookName: z.string().min(1),
  EC2InstanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'not an EC2 instance id'),
  LifecycleTransition: z.enum([LAUNCHING, TERMINATING]),
  NotificationMetadata: z.string().optional(),
  Origin: z.string().optional(),
  Destination: z.string().optional(),
});
