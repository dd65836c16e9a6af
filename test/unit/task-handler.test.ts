import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ClusterUnreachable, InvalidInput, UpstreamError } from '../../src/errors/index.js';
import { type LifecycleAction, LifecycleActionSchema } from '../../src/events/lifecycle-action.js';
import { TASK_CRASHED_METRIC } from '../../src/observability/invocation.js';
import { getMetrics } from '../../src/observability/metrics.js';
import { GLOBAL_LIMIT_MAX_MS } from '../../src/workflows/task.js';
import { type HeartbeatDeps, LOCAL_TIMEOUT_MS, lifecycleTaskHandler, remainingTime, taskHandler } from '../../src/workflows/task-handler.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const action: LifecycleAction = {
  kind: 'terminate',
  instanceId: 'i-0abc',
  asgName: 'clients',
  hookName: 'hashistack-terminate',
  token: 'tok',
  eventTime: T0,
  eventId: 'e',
};
const Schema = z.object({ action: LifecycleActionSchema, hook: z.object({ heartbeatLimitAt: z.number() }).optional() });

function deps(t = T0 + 60_000) {
  return {
    now: () => t,
    autoscaling: { recordLifecycleActionHeartbeat: vi.fn(async () => 'recorded' as const) },
  } satisfies HeartbeatDeps;
}

describe('taskHandler', () => {
  it('parses with the step schema and names the step when the input is invalid', async () => {
    const step = vi.fn(async (input: { n: number }) => input.n + 1);
    const handler = taskHandler('Count', z.object({ n: z.number() }), () => ({}), step);
    await expect(handler({ n: 1 })).resolves.toBe(2);
    await expect(handler({ n: 'one' })).rejects.toThrow(InvalidInput);
    await expect(handler({ n: 'one' })).rejects.toThrow(/^Count: invalid input/);
    expect(step).toHaveBeenCalledTimes(1);
  });

  it("passes the Lambda context's remaining time to the step", async () => {
    const handler = taskHandler(
      'T',
      z.unknown(),
      () => ({}),
      async (_i, _d, remainingMs) => remainingMs(),
    );
    const context = { getRemainingTimeInMillis: () => 123_456 } as Parameters<typeof handler>[1];
    await expect(handler({}, context)).resolves.toBe(123_456);
  });
});

describe('taskHandler: a crash is counted for the TaskCrashed alarm', () => {
  const failingWith = (error: Error) =>
    taskHandler(
      'Step',
      z.unknown(),
      () => ({}),
      async () => Promise.reject(error),
    );
  it('counts an untyped error (our crash), not a typed one, and rethrows both unchanged', async () => {
    const metrics = getMetrics();
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
    try {
      const crash = new TypeError("Cannot read properties of undefined (reading 'ID')");
      await expect(failingWith(crash)({})).rejects.toBe(crash);
      expect(addMetric.mock.calls.map(([name]) => name)).toEqual([TASK_CRASHED_METRIC]);
      addMetric.mockClear();
      const outage = new ClusterUnreachable('nomad', 'connect ECONNREFUSED');
      await expect(failingWith(outage)({})).rejects.toBe(outage);
      await expect(
        taskHandler(
          'Bad',
          z.object({ n: z.number() }),
          () => ({}),
          async () => 1,
        )({}),
      ).rejects.toThrow(InvalidInput);
      expect(addMetric).not.toHaveBeenCalled();
    } finally {
      addMetric.mockRestore();
    }
  });
});

describe('remainingTime', () => {
  it('without a context counts down from the local timeout', () => {
    let t = 1_000;
    const remaining = remainingTime(undefined, () => t);
    expect(remaining()).toBe(LOCAL_TIMEOUT_MS);
    t += 45_000;
    expect(remaining()).toBe(LOCAL_TIMEOUT_MS - 45_000);
  });
});

describe('lifecycleTaskHandler: heartbeat through an outage', () => {
  const cases = [
    { name: 'prepared state: up to the hook limit', hook: { heartbeatLimitAt: T0 + 3_600_000 }, now: T0 + 60_000, heartbeats: 1 },
    { name: 'prepared state past the hook limit: no heartbeat', hook: { heartbeatLimitAt: T0 + 3_600_000 }, now: T0 + 3_600_000, heartbeats: 0 },
    { name: 'input before Prepare: up to the 48 h cap', hook: undefined, now: T0 + GLOBAL_LIMIT_MAX_MS - 1, heartbeats: 1 },
    { name: 'input before Prepare past the 48 h cap: no heartbeat', hook: undefined, now: T0 + GLOBAL_LIMIT_MAX_MS, heartbeats: 0 },
  ];
  it.each(cases)('$name', async ({ hook, now, heartbeats }) => {
    const d = deps(now);
    const handler = lifecycleTaskHandler(
      'Step',
      Schema,
      () => d,
      async () => {
        throw new ClusterUnreachable('nomad', 'no leader');
      },
    );
    await expect(handler({ action, hook })).rejects.toThrow(ClusterUnreachable);
    expect(d.autoscaling.recordLifecycleActionHeartbeat).toHaveBeenCalledTimes(heartbeats);
  });

  it('rethrows the outage even when the heartbeat fails too', async () => {
    const d = deps();
    d.autoscaling.recordLifecycleActionHeartbeat.mockRejectedValueOnce(new Error('throttled'));
    const handler = lifecycleTaskHandler(
      'Step',
      Schema,
      () => d,
      async () => {
        throw new ClusterUnreachable('consul', 'timeout');
      },
    );
    await expect(handler({ action })).rejects.toThrow(ClusterUnreachable);
  });

  it('does not heartbeat on other errors or on success', async () => {
    const d = deps();
    const failing = lifecycleTaskHandler(
      'Step',
      Schema,
      () => d,
      async () => {
        throw new UpstreamError('nomad', 400, 'bad request');
      },
    );
    await expect(failing({ action })).rejects.toThrow(UpstreamError);
    const ok = lifecycleTaskHandler(
      'Step',
      Schema,
      () => d,
      async (input) => input.action.instanceId,
    );
    await expect(ok({ action })).resolves.toBe('i-0abc');
    expect(d.autoscaling.recordLifecycleActionHeartbeat).not.toHaveBeenCalled();
  });
});
