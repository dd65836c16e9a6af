/** The decisions behind noticeReplace: when a scheduled retirement is replaced, and the surge-first rebalance replacement's steps. */
import { describe, expect, it, vi } from 'vitest';
import { checkSurge, finishSurge, startSurge, type SurgeDeps, type SurgeState } from '../../src/workflows/notices/surge.js';
import { planRetirement } from '../../src/workflows/notices/retirement-plan.js';
import { MaintenanceWindowSchema, nextWindowStart } from '../../src/time/window.js';

const H = 3_600_000;
const MON_0900 = Date.parse('2026-01-05T09:00:00Z');
const timing = (window: string) => ({ window: MaintenanceWindowSchema.parse(window), replaceTimeMs: H, marginMs: 2 * H });

describe('scheduled retirement: in the maintenance window when in time, else now', () => {
  it.each([
    // window, now, scheduled at → plan
    ['Mon 12:00-14:00', MON_0900, MON_0900 + 24 * H, { at: 'window', replaceAt: Date.parse('2026-01-05T12:00:00Z') }],
    ['Mon 12:00-14:00', MON_0900, Date.parse('2026-01-05T15:00:00Z'), { at: 'window', replaceAt: Date.parse('2026-01-05T12:00:00Z') }],
    ['Mon 12:00-14:00', MON_0900, Date.parse('2026-01-05T14:59:00Z'), { at: 'now' }],
    ['Mon 12:00-14:00', MON_0900, MON_0900 + 2 * H, { at: 'now' }],
    ['Sun 02:00-06:00', MON_0900, MON_0900 + 24 * H, { at: 'now' }],
    ['Sun 02:00-06:00', MON_0900, MON_0900 + 14 * 24 * H, { at: 'window', replaceAt: Date.parse('2026-01-11T02:00:00Z') }],
    ['Mon 08:00-10:00', MON_0900, MON_0900 + 24 * H, { at: 'now' }],
    ['Sat 22:00-02:00', MON_0900, MON_0900 + 7 * 24 * H, { at: 'window', replaceAt: Date.parse('2026-01-10T22:00:00Z') }],
  ] as const)('window %s, now %s, scheduled %s', (window, now, scheduledAt, expected) => {
    expect(planRetirement(now, scheduledAt, timing(window))).toMatchObject(expected);
  });
  it('no scheduled time: now', () => {
    expect(planRetirement(MON_0900, null, timing('Mon 12:00-14:00'))).toMatchObject({ at: 'now' });
  });
  it('the next window start: later today, next week, exactly now', () => {
    const w = MaintenanceWindowSchema.parse('Mon 12:00-14:00');
    expect(new Date(nextWindowStart(w, MON_0900)).toISOString()).toBe('2026-01-05T12:00:00.000Z');
    expect(new Date(nextWindowStart(w, Date.parse('2026-01-05T12:00:00Z'))).toISOString()).toBe('2026-01-05T12:00:00.000Z');
    expect(new Date(nextWindowStart(w, Date.parse('2026-01-05T12:00:01Z'))).toISOString()).toBe('2026-01-12T12:00:00.000Z');
  });
});

const OLD = 'i-0000000000000000a';
const base: SurgeState = { mode: 'surge', instanceId: OLD, asgName: 'clients' };
const inst = (id: string, state = 'InService') => ({ InstanceId: id, LifecycleState: state });
function deps(group: { DesiredCapacity: number; MaxSize: number; Instances: { InstanceId: string; LifecycleState: string }[] } | undefined) {
  const tags: Record<string, string> = {};
  return {
    describeGroup: vi.fn(async () => group),
    setDesiredCapacity: vi.fn(async (_asg: string, desired: number) => {
      if (group) group.DesiredCapacity = desired;
    }),
    terminateInstance: vi.fn(async () => undefined),
    describeInstance: vi.fn(async (id: string) => ({ instanceId: id, privateIp: undefined, state: 'running', tags: { ...tags } })),
    createTags: vi.fn(async (_ids: string[], t: Record<string, string>) => {
      Object.assign(tags, t);
    }),
  } satisfies SurgeDeps;
}

describe('surge-first rebalance replacement', () => {
  it('start: +1 desired capacity, remembering the instances already there', async () => {
    const d = deps({ DesiredCapacity: 3, MaxSize: 5, Instances: [inst(OLD), inst('i-b'), inst('i-c')] });
    expect(await startSurge(base, d)).toMatchObject({ surge: 'started', desiredBefore: 3, before: [OLD, 'i-b', 'i-c'] });
    expect(d.setDesiredCapacity).toHaveBeenCalledWith('clients', 4);
    expect(d.terminateInstance).not.toHaveBeenCalled();
  });
  it('start retried after the +1 (the Lambda crashed before returning): nothing added, the launching replacement is not counted as "before"', async () => {
    const group = { DesiredCapacity: 3, MaxSize: 5, Instances: [inst(OLD), inst('i-b'), inst('i-c')] };
    const d = deps(group);
    await startSurge(base, d); // its result never reached the state machine
    group.Instances.push(inst('i-new', 'Pending:Wait'));
    expect(await startSurge(base, d)).toMatchObject({ surge: 'started', desiredBefore: 3, before: [OLD, 'i-b', 'i-c'] });
    expect(d.setDesiredCapacity).toHaveBeenCalledTimes(1);
    expect(group.DesiredCapacity).toBe(4);
  });
  it('start retried after a failure between the tag and the +1: the +1 is made then', async () => {
    const group = { DesiredCapacity: 3, MaxSize: 5, Instances: [inst(OLD), inst('i-b'), inst('i-c')] };
    const d = deps(group);
    d.setDesiredCapacity.mockRejectedValueOnce(new Error('throttled'));
    await expect(startSurge(base, d)).rejects.toThrow('throttled');
    expect(await startSurge(base, d)).toMatchObject({ surge: 'started', desiredBefore: 3 });
    expect(group.DesiredCapacity).toBe(4);
  });
  it('start at MaxSize: no surge, terminate-first with the reason; an instance already leaving: nothing', async () => {
    const full = deps({ DesiredCapacity: 3, MaxSize: 3, Instances: [inst(OLD), inst('i-b'), inst('i-c')] });
    expect(await startSurge(base, full)).toMatchObject({ surge: 'terminate-first', reason: expect.stringContaining('MaxSize 3') });
    expect(full.setDesiredCapacity).not.toHaveBeenCalled();
    expect(full.terminateInstance).toHaveBeenCalledWith(OLD, false);
    const going = deps({ DesiredCapacity: 3, MaxSize: 5, Instances: [inst(OLD, 'Terminating:Wait')] });
    expect(await startSurge(base, going)).toMatchObject({ surge: 'gone' });
    expect(going.setDesiredCapacity).not.toHaveBeenCalled();
  });
  it('check: waiting until a new instance is InService and the group holds all it was asked for (a concurrent surge included)', async () => {
    const state = { ...base, surge: 'started' as const, before: [OLD, 'i-b', 'i-c', 'i-d'] };
    // Two surges of the group (desired 3 → 5): one replacement in, the other still joining.
    const halfway = deps({ DesiredCapacity: 5, MaxSize: 6, Instances: [inst(OLD), inst('i-b'), inst('i-c'), inst('i-new1'), inst('i-new2', 'Pending:Wait')] });
    expect(await checkSurge(state, halfway)).toMatchObject({ next: 'waiting' });
    const both = deps({ DesiredCapacity: 5, MaxSize: 6, Instances: [inst(OLD), inst('i-b'), inst('i-c'), inst('i-new1'), inst('i-new2')] });
    expect(await checkSurge(state, both)).toMatchObject({ next: 'ready', replacement: 'i-new1' });
    const launching = deps({ DesiredCapacity: 4, MaxSize: 6, Instances: [inst(OLD), inst('i-b'), inst('i-c'), inst('i-new1', 'Pending:Wait')] });
    expect(await checkSurge(state, launching)).toMatchObject({ next: 'waiting', replacement: null });
    const gone = deps({ DesiredCapacity: 4, MaxSize: 6, Instances: [inst('i-b'), inst('i-c')] });
    expect(await checkSurge(state, gone)).toMatchObject({ next: 'gone' });
  });
  it('finish: the old instance terminated with decrement (its terminate hook drains it)', async () => {
    const d = deps(undefined);
    await finishSurge({ ...base, replacement: 'i-new1' }, d);
    expect(d.terminateInstance).toHaveBeenCalledWith(OLD, true);
  });
});
