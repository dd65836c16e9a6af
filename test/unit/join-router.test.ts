import { describe, expect, it, vi } from 'vitest';
import { routeLifecycleEvent, type RouterDeps } from '../../src/workflows/router/route.js';
import { terminateEvent } from './helpers.js';

const launchEvent = {
  ...terminateEvent,
  'detail-type': 'EC2 Instance-launch Lifecycle Action',
  detail: {
    ...terminateEvent.detail,
    LifecycleHookName: 'hashistack-launch',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    Origin: 'EC2',
    Destination: 'AutoScalingGroup',
  },
};
const INSTANCE = 'i-1234567890abcdef0';
const TOKEN = '87654321-4321-4321-4321-210987654321';
const JOIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:join';
const DRAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drain';
const config = {
  clusterName: 'hashistack',
  launchHookName: 'hashistack-launch',
  terminateHookName: 'hashistack-terminate',
  drainStateMachineArn: DRAIN_ARN,
  joinStateMachineArn: JOIN_ARN,
};
const group = {
  AutoScalingGroupName: 'clients',
  Tags: [
    { Key: 'hashistack:cluster', Value: 'hashistack' },
    { Key: 'hashistack:role', Value: 'client' },
  ],
};
const execution = (name: string) => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:join:${name}`,
  stateMachineArn: JOIN_ARN,
  name,
  status: 'RUNNING' as const,
  startDate: new Date(),
});

function deps(lifecycleState: string | null = 'Pending:Wait') {
  return {
    config,
    describeGroup: vi.fn(async () => group),
    describeAutoScalingInstance: vi.fn(async () =>
      lifecycleState === null ? undefined : { InstanceId: INSTANCE, AutoScalingGroupName: 'clients', LifecycleState: lifecycleState },
    ),
    startExecution: vi.fn<RouterDeps['startExecution']>(async () => ({ started: true, executionArn: 'arn:x' })),
    listExecutions: vi.fn(async () => [
      execution(`join-${INSTANCE}-${TOKEN}`),
      execution('join-i-0ffffffffffffffff-other'),
      execution(`join-${INSTANCE}-older-token`),
    ]),
    stopExecution: vi.fn(async () => undefined),
    describeExecution: vi.fn<RouterDeps['describeExecution']>(async () => undefined),
  } satisfies RouterDeps;
}
const route = (event: unknown, d: ReturnType<typeof deps>) => routeLifecycleEvent(event, d);

describe('router: launch', () => {
  it('starts the join workflow with a deterministic name and the pool facts; a duplicate is harmless', async () => {
    const d = deps();
    d.startExecution.mockResolvedValueOnce({ started: true, executionArn: 'arn:x' }).mockResolvedValueOnce({ started: false, reason: 'duplicate' });
    const first = await route(launchEvent, d);
    const second = await route(launchEvent, d);
    const name = `join-${INSTANCE}-${TOKEN}`;
    expect(first).toEqual({ routed: 'join', executionName: name, started: true, executionArn: 'arn:x' });
    expect(second).toEqual({ routed: 'join', executionName: name, started: false });
    expect(d.startExecution).toHaveBeenCalledWith(
      JOIN_ARN,
      name,
      expect.objectContaining({ action: expect.objectContaining({ kind: 'launch', instanceId: INSTANCE }), pool: expect.objectContaining({ role: 'client' }) }),
    );
  });
  it('ignores a launch event for an instance already Terminating (out of order)', async () => {
    const d = deps('Terminating:Wait');
    const r = await route(launchEvent, d);
    expect(r).toMatchObject({ routed: 'ignored', reason: expect.stringContaining('Terminating:Wait') });
    expect(d.startExecution).not.toHaveBeenCalled();
  });
  it('ignores a launch event for an instance that no longer exists', async () => {
    const d = deps(null);
    expect((await route(launchEvent, d)).routed).toBe('ignored');
    expect(d.startExecution).not.toHaveBeenCalled();
  });
  it('ignores another launch hook and test notifications', async () => {
    const d = deps();
    expect((await route({ ...launchEvent, detail: { ...launchEvent.detail, LifecycleHookName: 'other' } }, d)).routed).toBe('ignored');
    expect((await route({ ...launchEvent, detail: { ...launchEvent.detail, LifecycleTransition: 'autoscaling:TEST_NOTIFICATION' } }, d)).routed).toBe(
      'ignored',
    );
    expect(d.startExecution).not.toHaveBeenCalled();
  });
});

describe('router: terminate', () => {
  it('stops every RUNNING join of that instance (InstanceTerminating), then starts the drain', async () => {
    const d = deps('Terminating:Wait');
    const r = await route(terminateEvent, d);
    expect(d.listExecutions).toHaveBeenCalledWith(JOIN_ARN, 'RUNNING');
    expect(d.stopExecution).toHaveBeenCalledTimes(2);
    expect(d.stopExecution).toHaveBeenCalledWith(execution(`join-${INSTANCE}-${TOKEN}`).executionArn, 'InstanceTerminating', expect.any(String));
    expect(d.stopExecution).toHaveBeenCalledWith(execution(`join-${INSTANCE}-older-token`).executionArn, 'InstanceTerminating', expect.any(String));
    expect(d.stopExecution).not.toHaveBeenCalledWith(expect.stringContaining('i-0ffffffffffffffff'), expect.anything(), expect.anything());
    expect(d.startExecution).toHaveBeenCalledWith(DRAIN_ARN, `drain-${INSTANCE}-${TOKEN}`, expect.anything());
    const lastStop = Math.max(...d.stopExecution.mock.invocationCallOrder);
    expect(d.startExecution.mock.invocationCallOrder[0]).toBeGreaterThan(lastStop);
    expect(r).toMatchObject({ routed: 'drain', started: true, stoppedJoins: [`join-${INSTANCE}-${TOKEN}`, `join-${INSTANCE}-older-token`] });
  });
  it('no running join: only the drain starts', async () => {
    const d = deps('Terminating:Wait');
    d.listExecutions.mockResolvedValue([]);
    const r = await route(terminateEvent, d);
    expect(d.stopExecution).not.toHaveBeenCalled();
    expect(r).toEqual({ routed: 'drain', executionName: `drain-${INSTANCE}-${TOKEN}`, started: true, executionArn: 'arn:x' });
  });
});
