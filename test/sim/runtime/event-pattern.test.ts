import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../sim/runtime/event-pattern.js';
import { parseRate } from '../../../sim/runtime/eventbridge.js';

const terminate = {
  source: 'aws.autoscaling',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  detail: { AutoScalingGroupName: 'hashistack-clients', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' },
};

describe('EventBridge pattern matching', () => {
  it('matches any listed value of every key', () => {
    expect(
      matchesPattern(
        { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance-launch Lifecycle Action', 'EC2 Instance-terminate Lifecycle Action'] },
        terminate,
      ),
    ).toBe(true);
    expect(matchesPattern({ source: ['aws.ec2'] }, terminate)).toBe(false);
  });

  it('matches nested detail fields and operators', () => {
    expect(matchesPattern({ detail: { AutoScalingGroupName: [{ prefix: 'hashistack-' }] } }, terminate)).toBe(true);
    expect(matchesPattern({ detail: { AutoScalingGroupName: [{ 'anything-but': 'hashistack-clients' }] } }, terminate)).toBe(false);
    expect(matchesPattern({ detail: { NotificationMetadata: [{ exists: false }] } }, terminate)).toBe(true);
    expect(matchesPattern({ detail: { NotificationMetadata: [{ exists: true }] } }, terminate)).toBe(false);
    expect(matchesPattern({ detail: { status: ['FAILED'] } }, terminate)).toBe(false);
  });

  it('rejects patterns whose values are not lists, as EventBridge does', () => {
    expect(() => matchesPattern({ source: 'aws.autoscaling' }, terminate)).toThrow(/lists/);
  });

  it('parses rate() schedules', () => {
    expect(parseRate('rate(1 hour)')).toBe(3_600_000);
    expect(parseRate('rate(5 minutes)')).toBe(300_000);
    expect(() => parseRate('cron(0 4 ? * SUN *)')).toThrow(/rate/);
  });
});
