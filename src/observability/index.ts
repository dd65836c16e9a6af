export { getLogger } from './logger.js';
export { getMetrics, countMetric, secondsMetric, flushMetrics, MetricUnit } from './metrics.js';
export { appendLifecycleKeys, startInvocation } from './context.js';
export { withInvocation } from './invocation.js';
