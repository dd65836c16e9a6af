/**
 * The Powertools Metrics (EMF) of the control plane (namespace from
 * POWERTOOLS_METRICS_NAMESPACE). Handlers call {@link flushMetrics} before returning.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { MetricUnit };

let metrics: Metrics | undefined;

/** The shared Metrics instance, created on first use. */
export function getMetrics(): Metrics {
  metrics ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'HashistackControlPlane',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'hashistack-control-plane',
  });
  return metrics;
}

/** Count one occurrence of `name`. */
export function countMetric(name: string, value = 1): void {
  getMetrics().addMetric(name, MetricUnit.Count, value);
}

/** Record `value` of `name` with its own dimensions (e.g. per pool), published at once as a single metric. */
export function countMetricWith(name: string, dimensions: Record<string, string>, value = 1): void {
  const single = getMetrics().singleMetric();
  single.addDimensions(dimensions);
  single.addMetric(name, MetricUnit.Count, value);
}

/** Record a duration in seconds (negative or non-finite values are dropped). */
export function secondsMetric(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  getMetrics().addMetric(name, MetricUnit.Seconds, Math.round(ms) / 1000);
}

/** Publish stored metrics, if any; never throws (metrics must not fail a task). */
export function flushMetrics(): void {
  try {
    const m = getMetrics();
    if (m.hasStoredMetrics()) m.publishStoredMetrics();
  } catch {
    // nothing stored or EMF disabled
  }
}
