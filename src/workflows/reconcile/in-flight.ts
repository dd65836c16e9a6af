/**
 * Gauges of the lifecycle work in flight, from the sweep's list of running
 * join and drain executions (each holds one lifecycle action waiting):
 * `DrainsInFlight`, `JoinsInFlight`, and `OldestLifecycleActionWaiting`
 * (seconds since the oldest of them started), for the dashboard.
 */
import { getMetrics, MetricUnit } from '../../observability/metrics.js';
import type { ReconcileDeps } from './deps.js';
import type { RunningExecutions } from './stuck-actions.js';

export function reportInFlight(deps: Pick<ReconcileDeps, 'now'>, running: RunningExecutions): { drains: number; joins: number; oldestSeconds: number } {
  const starts = [...running.drain, ...running.join].map((e) => e.startDate?.getTime()).filter((t): t is number => t !== undefined);
  const oldestSeconds = starts.length === 0 ? 0 : Math.max(0, Math.round((deps.now() - Math.min(...starts)) / 1000));
  const metrics = getMetrics();
  metrics.addMetric('DrainsInFlight', MetricUnit.Count, running.drain.length);
  metrics.addMetric('JoinsInFlight', MetricUnit.Count, running.join.length);
  metrics.addMetric('OldestLifecycleActionWaiting', MetricUnit.Seconds, oldestSeconds);
  return { drains: running.drain.length, joins: running.join.length, oldestSeconds };
}
