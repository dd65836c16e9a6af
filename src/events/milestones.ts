/**
 * The milestone events the control plane puts on the default EventBridge bus
 * (source {@link MILESTONE_SOURCE}), one schema for all: route them to chat or
 * paging with a rule on `source` and `detail-type` (README "Notifications").
 * A change here is a change of a public interface: bump `version`.
 */
import * as z from '../validation/zod.js';

export const MILESTONE_SOURCE = 'hashistack.control-plane';

/** detail-type of each milestone. */
export const MILESTONE_DETAIL_TYPES = {
  started: 'Upgrade Started',
  'batch-done': 'Upgrade Batch Done',
  'waiting-for-approval': 'Upgrade Waiting For Approval',
  succeeded: 'Upgrade Succeeded',
  failed: 'Upgrade Failed',
  'rolled-back': 'Upgrade Rolled Back',
  alert: 'Control Plane Alert',
} as const;
export type Milestone = keyof typeof MILESTONE_DETAIL_TYPES;

export const MilestoneDetailSchema = z.object({
  version: z.literal('1'),
  milestone: z.enum(Object.keys(MILESTONE_DETAIL_TYPES) as [Milestone, ...Milestone[]]),
  /** The workflow (state machine) the milestone belongs to: an upgrade's milestones, or a drain's or join's `alert`. */
  workflow: z.enum(['poolUpgrade', 'drain', 'join']),
  cluster: z.string(),
  pool: z.string(),
  /** The Auto Scaling group. */
  asgName: z.string(),
  executionArn: z.string(),
  /** The execution in the Step Functions console. */
  console: z.url(),
  /** When it happened (ISO 8601). */
  at: z.string(),
  /** poolUpgrade only. */
  progress: z.optional(
    z.object({
      batchesDone: z.int(),
      batchesTotal: z.int(),
      nodesReplaced: z.int(),
      nodesTotal: z.int(),
      percentDone: z.number(),
    }),
  ),
  /** What went wrong (failed, rolled back, alert). */
  reason: z.optional(z.string()),
  /** drain / join alert: the instance, the error that ended the workflow (WorkLost, GiveUp, LifecycleActionLost, SnapshotFailed…). */
  instance: z.optional(z.string()),
  error: z.optional(z.string()),
  /** drain alert `WorkLost`: the allocations stopped without a replacement running. */
  allocations: z.optional(
    z.array(z.object({ id: z.string(), job: z.string(), taskGroup: z.nullable(z.string()), reason: z.enum(['drain-deadline', 'no-room']) })),
  ),
  /** waiting-for-approval: how to answer (the task token approves or rejects this execution: treat it as a secret). */
  approval: z.optional(
    z.object({
      taskToken: z.string(),
      approve: z.string(),
      reject: z.string(),
    }),
  ),
});
export type MilestoneDetail = z.infer<typeof MilestoneDetailSchema>;

/** The Step Functions console page of an execution (the region is the ARN's). */
export function executionConsoleUrl(executionArn: string): string {
  const region = executionArn.split(':')[3] || 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
