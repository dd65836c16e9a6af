/** Report join and drain executions running far longer than any should (each is an alert: metric and error log). */
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { ReconcileDeps } from './deps.js';
import type { RunningExecutions } from './stuck-actions.js';

export function reportOverdue(deps: Pick<ReconcileDeps, 'config' | 'now'>, running: RunningExecutions): string[] {
  const limit = deps.config.executionOverdueAfterMs;
  const overdue: string[] = [];
  for (const [workflow, executions] of Object.entries(running)) {
    for (const e of executions) {
      const started = e.startDate?.getTime();
      if (started === undefined || deps.now() - started <= limit) continue;
      overdue.push(e.name ?? '');
      countMetric('ExecutionOverdue');
      getLogger().error('execution running longer than expected', {
        workflow,
        executionName: e.name,
        runningForMs: deps.now() - started,
        overdueAfterMs: limit,
      });
    }
  }
  return overdue;
}
