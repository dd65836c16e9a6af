/** Complete the launch action ({@link completeLifecycle}) and record the join outcome metrics. */
import * as z from '../../validation/zod.js';
import { countMetric, secondsMetric } from '../../observability/metrics.js';
import { CompleteInputSchema, completeLifecycle, type CompleteDeps, type CompleteOutput } from '../complete.js';

export const JoinCompleteInputSchema = z.extend(CompleteInputSchema, {
  workflow: z.literal('join'),
  /** When the gate was seen satisfied and whether that is when its last condition became true. */
  gate: z.nullish(z.object({ satisfiedAt: z.nullish(z.number()), exact: z.nullish(z.boolean()) })),
});
export type JoinCompleteInput = z.infer<typeof JoinCompleteInputSchema>;

/**
 * CompleteLifecycleAction (CONTINUE for a joined node, ABANDON otherwise) with
 * the shared metrics (`JoinSucceeded`/`JoinFailed`, `JoinLifecycleDuration` =
 * hook fired → completed, …) plus `Joined` and `JoinGateLatency` (last
 * condition true → completed, when known), or `NodeNeverJoined`.
 */
export async function completeJoin(input: JoinCompleteInput, deps: CompleteDeps): Promise<CompleteOutput> {
  const out = await completeLifecycle(input, deps);
  if (input.outcome === 'joined') {
    countMetric('Joined');
    const at = input.gate?.satisfiedAt;
    if (input.gate?.exact && at != null) secondsMetric('JoinGateLatency', deps.now() - at);
  } else if (input.error?.Error === 'NodeNeverJoined') {
    countMetric('NodeNeverJoined');
  }
  return out;
}
