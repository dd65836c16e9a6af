import { StandardRetryStrategy } from '@smithy/core/retry';
const stats = { refusedCapacity: 0, retries: 0, minCapacity: 500, instances: new Set<unknown>() };
const orig = StandardRetryStrategy.prototype.refreshRetryTokenForRetry;
StandardRetryStrategy.prototype.refreshRetryTokenForRetry = async function (this: { capacity: number }, token: never, info: never) {
  stats.instances.add(this);
  stats.minCapacity = Math.min(stats.minCapacity, this.capacity);
  try { const t = await orig.call(this, token, info); stats.retries++; return t; }
  catch (e) { if (this.capacity < 10) stats.refusedCapacity++; throw e; }
};
process.on('exit', () => console.log('QUOTA', JSON.stringify({ ...stats, instances: stats.instances.size })));
