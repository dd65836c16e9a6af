import { describe, expect, it, vi } from 'vitest';
import { MILESTONE_DETAIL_TYPES, MILESTONE_SOURCE, MilestoneDetailSchema } from '../../src/events/milestones.js';
import { type LifecycleAlertDeps, LifecycleAlertInputSchema, lifecycleAlertDetail, publishLifecycleAlert } from '../../src/workflows/alerts/lifecycle-alert.js';

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:hashistack-drain:drain-i-0abc';
const action = { kind: 'terminate', instanceId: 'i-0abc', asgName: 'clients-general', hookName: 'terminate', token: 't-1', eventTime: 1, eventId: 'e-1' };
const pool = { pool: 'general', cluster: 'main', asgName: 'clients-general', role: 'client' };
const AT = Date.parse('2026-01-05T10:00:00Z');
const input = (fields: Record<string, unknown>) => LifecycleAlertInputSchema.parse({ workflow: 'drain', executionArn: ARN, ...fields });

describe('lifecycle alert milestone', () => {
  it.each([
    {
      name: 'WorkLost names the instance, the group and every allocation',
      i: {
        alert: 'workLost',
        state: {
          action,
          pool,
          drain: {
            workLost: {
              error: 'WorkLost',
              cause: 'a1 job=api group=web (drain-deadline)',
              allocations: [{ id: 'a1', jobId: 'api', taskGroup: 'web', reason: 'drain-deadline' }],
            },
          },
        },
      },
      want: {
        workflow: 'drain',
        error: 'WorkLost',
        instance: 'i-0abc',
        asgName: 'clients-general',
        pool: 'general',
        reason: 'a1 job=api group=web (drain-deadline)',
        allocations: [{ id: 'a1', job: 'api', taskGroup: 'web', reason: 'drain-deadline' }],
      },
    },
    {
      name: 'GiveUp (the failure that ended the drain)',
      i: { alert: 'error', state: { action, pool, error: { Error: 'GiveUp', Cause: 'no progress for 2 h' } } },
      want: { error: 'GiveUp', reason: 'no progress for 2 h', instance: 'i-0abc' },
    },
    {
      name: 'LifecycleActionLost before Prepare read the pool: the group stands in for it',
      i: { alert: 'error', state: { action, error: { Error: 'LifecycleActionLost', Cause: 'No active Lifecycle Action found' } } },
      want: { error: 'LifecycleActionLost', pool: 'clients-general', cluster: 'main-from-config' },
    },
    {
      name: 'SnapshotFailed of a removed server',
      i: { alert: 'snapshot', state: { action, pool, snapshots: { failed: { Error: 'SnapshotFailed', Cause: 'removed without a verified nomad snapshot' } } } },
      want: { error: 'SnapshotFailed', reason: 'removed without a verified nomad snapshot' },
    },
  ])('$name', ({ i, want }) => {
    const d = lifecycleAlertDetail(input(i), 'main-from-config', AT);
    expect(d).toMatchObject({ version: '1', milestone: 'alert', executionArn: ARN, at: '2026-01-05T10:00:00.000Z', ...want });
    expect(d.console).toContain('eu-west-1.console.aws.amazon.com');
    expect(d.progress).toBeUndefined();
    expect(MilestoneDetailSchema.parse(d)).toEqual(d);
  });

  it('a join diagnostics cause is cut on the bus (the execution keeps it whole)', () => {
    const d = lifecycleAlertDetail(
      LifecycleAlertInputSchema.parse({
        workflow: 'join',
        alert: 'error',
        executionArn: ARN,
        state: { action, error: { Error: 'NodeNeverJoined', Cause: 'x'.repeat(10_000) } },
      }),
      'main',
      AT,
    );
    expect(d.reason?.length).toBeLessThan(2_100);
    expect(d.reason).toMatch(/cut; the full cause is in the execution/);
  });

  it('puts one Control Plane Alert on the bus, the execution as its resource', async () => {
    const putEvent = vi.fn(async () => 'event-1');
    const deps = { clusterName: 'main', events: { putEvent }, now: () => AT } satisfies LifecycleAlertDeps;
    await expect(publishLifecycleAlert(input({ alert: 'error', state: { action, pool, error: { Error: 'GiveUp' } } }), deps)).resolves.toEqual({
      published: 'event-1',
    });
    expect(putEvent).toHaveBeenCalledWith(MILESTONE_SOURCE, MILESTONE_DETAIL_TYPES.alert, expect.objectContaining({ error: 'GiveUp', reason: 'GiveUp' }), [
      ARN,
    ]);
  });
});
