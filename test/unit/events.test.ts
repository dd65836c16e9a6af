import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../src/errors/index.js';
import { parseLifecycleEvent } from '../../src/events/index.js';
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

describe('parseLifecycleEvent', () => {
  it('normalises a terminate action', () => {
    const r = parseLifecycleEvent(terminateEvent);
    expect(r).toEqual({
      type: 'action',
      action: {
        kind: 'terminate',
        instanceId: 'i-1234567890abcdef0',
        asgName: 'clients',
        hookName: 'hashistack-terminate',
        token: '87654321-4321-4321-4321-210987654321',
        eventTime: Date.parse('2026-01-05T09:00:00Z'),
        eventId: terminateEvent.id,
        origin: 'AutoScalingGroup',
        destination: 'EC2',
      },
    });
  });
  it('normalises a launch action', () => {
    const r = parseLifecycleEvent(launchEvent);
    expect(r.type === 'action' && r.action.kind).toBe('launch');
  });
  it('ignores test notifications', () => {
    const test = {
      ...terminateEvent,
      'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      detail: {
        AccountId: '123456789012',
        RequestId: 'r',
        AutoScalingGroupARN: 'arn',
        AutoScalingGroupName: 'clients',
        Service: 'AWS Auto Scaling',
        Event: 'autoscaling:TEST_NOTIFICATION',
        Time: '2026-01-05T09:00:00Z',
      },
    };
    expect(parseLifecycleEvent(test)).toEqual({ type: 'ignored', reason: 'test notification' });
  });
  it('rejects malformed events with InvalidInput', () => {
    expect(() => parseLifecycleEvent({ hello: 'world' })).toThrowError(InvalidInput);
    expect(() => parseLifecycleEvent({ ...terminateEvent, detail: { ...terminateEvent.detail, EC2InstanceId: 'not-an-id' } })).toThrowError(InvalidInput);
    expect(() => parseLifecycleEvent({ ...terminateEvent, detail: { ...terminateEvent.detail, LifecycleActionToken: undefined } })).toThrowError(
      /LifecycleActionToken/,
    );
    expect(() => parseLifecycleEvent({ ...terminateEvent, detail: launchEvent.detail })).toThrowError(/does not match/);
  });
});
