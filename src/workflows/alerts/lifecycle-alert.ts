/**
 * The `alert` milestone of a drain or join that ends in an alert (WorkLost,
 * SnapshotFailed, GiveUp, LifecycleActionLost, any failure), put on the bus
 * for the user's own routing (chat, paging) with the instance, the group,
 * the allocations and the reason. The alerts topic hears of the same loss
 * once, from the failed-execution rule (Step Functions' own event: it comes
 * even when this cannot be put); the milestone rule forwards only the
 * upgrade's alerts, so nobody subscribed to the topic gets two messages.
 */
import * as z from '../../validation/zod.js';
import type * as events from '../../aws/events.js';
import { PoolFactsSchema } from '../../cluster/pool.js';
import { getConfig } from '../../config/index.js';
import { LifecycleActionSchema } from '../../events/lifecycle-action.js';
import { executionConsoleUrl, MILESTONE_DETAIL_TYPES, MILESTONE_SOURCE, type MilestoneDetail, MilestoneDetailSchema } from '../../events/milestones.js';
import { now } from '../../time/clock.js';
import { WorkLostSchema } from '../drain/state.js';

const StepErrorSchema = z.object({ Error: z.string(), Cause: z.nullish(z.string()) });
/** A reason longer than this is cut (a join's diagnostics carry log tails; the execution keeps them whole). */
const REASON_MAX = 2_000;
const cut = (s: string): string => (s.length > REASON_MAX ? `${s.slice(0, REASON_MAX)}… (cut; the full cause is in the execution)` : s);

/**
 * What the state machine passes: which part of its state holds the alert
 * (`error`: the failure that ended it; `workLost`, `snapshot`,
 * `snapshotCrash`: the drain's own alerts), its execution and its state.
 */
export const LifecycleAlertInputSchema = z.object({
  workflow: z.enum(['drain', 'join']),
  alert: z.enum(['error', 'workLost', 'snapshot', 'snapshotCrash']),
  executionArn: z.string(),
  state: z.object({
    action: LifecycleActionSchema,
    pool: z.nullish(z.partial(z.pick(PoolFactsSchema, { pool: true, cluster: true }))),
    error: z.nullish(StepErrorSchema),
    drain: z.nullish(z.object({ workLost: z.nullish(WorkLostSchema) })),
    snapshots: z.nullish(z.object({ failed: z.nullish(StepErrorSchema) })),
    snapshotError: z.nullish(StepErrorSchema),
  }),
});
export type LifecycleAlertInput = z.infer<typeof LifecycleAlertInputSchema>;

export interface LifecycleAlertDeps {
  clusterName: string;
  events: Pick<typeof events, 'putEvent'>;
  now: () => number;
}

/** The alert's error and reason from the part of the state the state machine named. */
function what(input: LifecycleAlertInput): { error: string; reason: string } {
  const s = input.state;
  const pick = (e: z.infer<typeof StepErrorSchema> | null | undefined): { error: string; reason: string } => ({
    error: e?.Error ?? 'Unknown',
    reason: e?.Cause ?? e?.Error ?? 'no cause recorded',
  });
  switch (input.alert) {
    case 'workLost':
      return { error: s.drain?.workLost?.error ?? 'WorkLost', reason: s.drain?.workLost?.cause ?? 'work stopped without a replacement running' };
    case 'snapshot':
      return pick(s.snapshots?.failed);
    case 'snapshotCrash':
      return pick(s.snapshotError);
    case 'error':
      return pick(s.error);
  }
}

/** The detail of the alert, validated against the one milestone schema. */
export function lifecycleAlertDetail(input: LifecycleAlertInput, cluster: string, at: number): MilestoneDetail {
  const { action } = input.state;
  const lost = input.alert === 'workLost' ? input.state.drain?.workLost?.allocations : undefined;
  const { error, reason } = what(input);
  return MilestoneDetailSchema.parse({
    version: '1',
    milestone: 'alert',
    workflow: input.workflow,
    cluster: input.state.pool?.cluster ?? cluster,
    pool: input.state.pool?.pool ?? action.asgName,
    asgName: action.asgName,
    executionArn: input.executionArn,
    console: executionConsoleUrl(input.executionArn),
    at: new Date(at).toISOString(),
    instance: action.instanceId,
    error,
    reason: cut(reason),
    ...(lost ? { allocations: lost.map((a) => ({ id: a.id, job: a.jobId, taskGroup: a.taskGroup, reason: a.reason })) } : {}),
  });
}

/** Put the alert milestone. @throws AwsUnavailable / PermissionDenied (the state machine catches it and fails as it would have). */
export async function publishLifecycleAlert(input: LifecycleAlertInput, deps: LifecycleAlertDeps): Promise<{ published: string }> {
  const detail = lifecycleAlertDetail(input, deps.clusterName, deps.now());
  const id = await deps.events.putEvent(MILESTONE_SOURCE, MILESTONE_DETAIL_TYPES.alert, detail, [input.executionArn]);
  return { published: id };
}

/** Production dependencies. */
export function defaultLifecycleAlertDeps(eventsApi: Pick<typeof events, 'putEvent'>): LifecycleAlertDeps {
  return { clusterName: getConfig().clusterName, events: eventsApi, now };
}
