/**
 * Complete a lifecycle action and record the workflow's outcome. Shared by
 * the lifecycle workflows (drain, join).
 */
import * as z from '../validation/zod.js';
import { completeLifecycleAction } from '../aws/autoscaling.js';
import type * as autoscaling from '../aws/autoscaling.js';
import { LifecycleActionSchema } from '../events/lifecycle-action.js';
import { getLogger } from '../observability/logger.js';
import { countMetric, secondsMetric } from '../observability/metrics.js';
import { now } from '../time/clock.js';
import { wiredOnly } from './unwired.js';

export const CompleteInputSchema = z.object({
  action: LifecycleActionSchema,
  result: z.enum(['CONTINUE', 'ABANDON']),
  workflow: z.enum(['drain', 'join']),
  /** drained | nothing-joined | failed | joined … */
  outcome: z.string().check(z.minLength(1)),
  timings: z.nullish(z.partial(z.object({ hookFiredAt: z.nullish(z.number()), startedAt: z.nullish(z.number()), doneAt: z.nullish(z.number()) }))),
  /** The caught Step Functions error on failure paths. */
  error: z.nullish(z.object({ Error: z.string(), Cause: z.nullish(z.string()) })),
});
export type CompleteInput = z.infer<typeof CompleteInputSchema>;

export interface CompleteDeps {
  autoscaling: Pick<typeof autoscaling, 'completeLifecycleAction' | 'recordLifecycleActionHeartbeat'>;
  now: () => number;
}

/** The production dependencies: the completion alone (nothing here reaches a cluster, so the outage heartbeat never runs). */
export function defaultCompleteDeps(): CompleteDeps {
  return { autoscaling: wiredOnly<CompleteDeps['autoscaling']>('autoscaling', { completeLifecycleAction }), now };
}

export interface CompleteOutput {
  completion: 'completed' | 'already-completed';
  result: 'CONTINUE' | 'ABANDON';
  outcome: string;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * CompleteLifecycleAction with the given result ('already-completed' is done too)
 * and emit: outcome metric (`DrainSucceeded`, `DrainFailed`, …), the work's
 * duration and the control overhead (work done → action completed).
 */
export async function completeLifecycle(input: CompleteInput, deps: CompleteDeps): Promise<CompleteOutput> {
  const completion = await deps.autoscaling.completeLifecycleAction(input.action, input.result);
  const t = deps.now();
  const name = capitalise(input.workflow);
  const metric = input.outcome === 'failed' ? `${name}Failed` : input.outcome === 'nothing-joined' ? `${name}NothingJoined` : `${name}Succeeded`;
  countMetric(metric);
  const timings = input.timings ?? {};
  if (timings.startedAt != null && timings.doneAt != null) secondsMetric(`${name}Duration`, timings.doneAt - timings.startedAt);
  if (timings.doneAt != null) secondsMetric('ControlOverhead', t - timings.doneAt);
  if (timings.hookFiredAt != null) secondsMetric(`${name}LifecycleDuration`, t - timings.hookFiredAt);
  const log = getLogger();
  const details = { result: input.result, outcome: input.outcome, completion, error: input.error?.Error };
  if (input.outcome === 'failed') log.error('lifecycle action completed after a failed workflow', details);
  else if (completion === 'already-completed') {
    // Someone else completed it, or it expired: its result was not ours to choose. The workflow's own
    // checks (work lost on the node, join verified) say whether that cost anything; this says it happened.
    countMetric('LifecycleActionGoneBeforeCompletion');
    log.warn('the lifecycle action was no longer active when the workflow completed it (completed elsewhere or expired)', details);
  } else log.info('lifecycle action completed', details);
  return { completion, result: input.result, outcome: input.outcome };
}
