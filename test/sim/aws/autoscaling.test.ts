import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  CancelInstanceRefreshCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  StartInstanceRefreshCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { seedGroup, startWorld, type World } from './harness.js';

const LAUNCH_HOOK = { name: 'launch', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' as const, heartbeatTimeout: 600, defaultResult: 'ABANDON' as const };
const TERMINATE_HOOK = {
  name: 'drain',
  transition: 'autoscaling:EC2_INSTANCE_TERMINATING' as const,
  heartbeatTimeout: 900,
  defaultResult: 'CONTINUE' as const,
};

let world: World;
afterEach(async () => world?.close());

function lifecycleEvents(w: World, detailType: string): Array<Record<string, unknown>> {
  return w.events.filter((e) => e.detailType === detailType).map((e) => e.detail);
}

function stateOf(w: World, instanceId: string): string | undefined {
  return w.aws.models.autoscaling.memberOf(instanceId)?.member.lifecycleState;
}

describe('simulated Auto Scaling through the real SDK', () => {
  it('describes groups (by name and by tag filters) and instances', async () => {
    world = await startWorld();
    const { groupName, templateId } = seedGroup(world, { desired: 3, bootstrap: true });
    seedGroup(world, { name: 'servers', desired: 1, bootstrap: true });

    const byName = await world.call(() => world.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })));
    const group = byName.AutoScalingGroups?.[0];
    expect(byName.AutoScalingGroups).toHaveLength(1);
    expect(group).toMatchObject({
      AutoScalingGroupName: 'clients',
      MinSize: 1,
      MaxSize: 5,
      DesiredCapacity: 3,
      LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
    });
    expect(group?.CreatedTime).toBeInstanceOf(Date);
    expect(group?.Instances?.map((i) => i.LifecycleState)).toEqual(['InService', 'InService', 'InService']);
    expect(group?.Instances?.map((i) => i.AvailabilityZone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(group?.Tags?.find((t) => t.Key === 'hashistack:role')).toMatchObject({
      Value: 'client',
      PropagateAtLaunch: true,
      ResourceType: 'auto-scaling-group',
    });

    const byTag = await world.call(() =>
      world.autoscaling.send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:hashistack:role', Values: ['client'] }] })),
    );
    expect(byTag.AutoScalingGroups?.map((g) => g.AutoScalingGroupName).sort()).toEqual(['clients', 'servers']);
    const byKey = await world.call(() => world.autoscaling.send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag-key', Values: ['nope'] }] })));
    expect(byKey.AutoScalingGroups).toEqual([]);

    const id = group?.Instances?.[0]?.InstanceId as string;
    const instances = await world.call(() => world.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] })));
    expect(instances.AutoScalingInstances).toEqual([
      expect.objectContaining({ InstanceId: id, AutoScalingGroupName: 'clients', LifecycleState: 'InService', HealthStatus: 'HEALTHY' }),
    ]);

    const ec2 = world.aws.api.instance(id);
    expect(ec2?.tags).toEqual({ 'hashistack:role': 'client', 'hashistack:pool': 'default', 'aws:autoscaling:groupName': 'clients' });
    expect(ec2?.privateDnsName).toBe(`ip-${ec2?.privateIp.replaceAll('.', '-')}.ec2.internal`);

    const tags = await world.call(() => world.autoscaling.send(new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: ['clients'] }] })));
    expect(tags.Tags).toHaveLength(3);
  });

  it('scale-out with a launch hook: Pending:Wait with the real event detail, CONTINUE → InService', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 1, bootstrap: true, hooks: [{ ...LAUNCH_HOOK, notificationMetadata: 'pool=default' }] });
    await world.call(() => world.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: 2 })));
    await world.clock.until(() => lifecycleEvents(world, 'EC2 Instance-launch Lifecycle Action').length === 1, 60_000);

    const event = world.events.find((e) => e.detailType === 'EC2 Instance-launch Lifecycle Action');
    const detail = event?.detail as Record<string, string>;
    expect(event?.source).toBe('aws.autoscaling');
    expect(event?.resources[0]).toMatch(/^arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:.*:autoScalingGroupName\/clients$/);
    expect(Object.keys(detail)).toEqual([
      'LifecycleActionToken',
      'AutoScalingGroupName',
      'LifecycleHookName',
      'EC2InstanceId',
      'LifecycleTransition',
      'NotificationMetadata',
      'Origin',
      'Destination',
    ]);
    expect(detail).toMatchObject({
      AutoScalingGroupName: 'clients',
      LifecycleHookName: 'launch',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      NotificationMetadata: 'pool=default',
      Origin: 'EC2',
      Destination: 'AutoScalingGroup',
    });
    expect(detail.LifecycleActionToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stateOf(world, detail.EC2InstanceId as string)).toBe('Pending:Wait');
    expect(world.busLog).toContainEqual(['instance.running', detail.EC2InstanceId]);
    expect(
      world.events.some(
        (e) => e.detailType === 'EC2 Instance State-change Notification' && e.detail.state === 'running' && e.detail['instance-id'] === detail.EC2InstanceId,
      ),
    ).toBe(true);

    await world.call(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'launch',
          LifecycleActionToken: detail.LifecycleActionToken,
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    expect(stateOf(world, detail.EC2InstanceId as string)).toBe('InService');
    const record = world.recorder.lifecycleActions().find((a) => a.token === detail.LifecycleActionToken);
    expect(record).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1, completeCallsRejected: 0 });

    const again = await world.failure(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'launch',
          LifecycleActionToken: detail.LifecycleActionToken,
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    expect(again).toEqual({ name: 'ValidationError', message: `No active Lifecycle Action found with token ${detail.LifecycleActionToken}`, status: 400 });
    expect(world.recorder.lifecycleActions().find((a) => a.token === detail.LifecycleActionToken)?.completeCallsRejected).toBe(1);
  });

  it('ABANDON on launch terminates the instance (running the terminate hook) and launches a replacement', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 0, min: 0, hooks: [LAUNCH_HOOK, TERMINATE_HOOK] });
    world.aws.api.setDesiredCapacity(groupName, 1);
    await world.clock.until(() => lifecycleEvents(world, 'EC2 Instance-launch Lifecycle Action').length === 1, 60_000);
    const first = lifecycleEvents(world, 'EC2 Instance-launch Lifecycle Action')[0] as Record<string, string>;

    await world.call(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'launch',
          InstanceId: first.EC2InstanceId,
          LifecycleActionResult: 'ABANDON',
        }),
      ),
    );
    expect(stateOf(world, first.EC2InstanceId as string)).toBe('Terminating:Wait');
    const terminate = lifecycleEvents(world, 'EC2 Instance-terminate Lifecycle Action')[0] as Record<string, string>;
    expect(terminate).toMatchObject({
      EC2InstanceId: first.EC2InstanceId,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      Origin: 'AutoScalingGroup',
      Destination: 'EC2',
    });
    const members = world.aws.api.group(groupName)?.members ?? [];
    expect(members).toHaveLength(2);
    const replacement = members.find((m) => m.instanceId !== first.EC2InstanceId);
    expect(replacement?.lifecycleState).toBe('Pending');

    world.aws.api.completeLifecycleAction({ groupName, hookName: 'drain', token: terminate.LifecycleActionToken }, 'CONTINUE');
    await world.clock.until(() => world.aws.api.instance(first.EC2InstanceId as string)?.state === 'terminated', 60_000);
    expect(world.busLog.filter(([, id]) => id === first.EC2InstanceId).map(([k]) => k)).toEqual([
      'instance.running',
      'instance.shutting-down',
      'instance.terminated',
    ]);
    expect(world.aws.api.group(groupName)?.members.map((m) => m.instanceId)).toEqual([replacement?.instanceId]);
    expect(world.recorder.lifecycleActions().find((a) => a.token === first.LifecycleActionToken)?.result).toBe('ABANDON');
  });

  it('a heartbeat restarts the timeout; expiry applies the default result and records EXPIRED', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 0, min: 0, hooks: [{ ...LAUNCH_HOOK, heartbeatTimeout: 300, defaultResult: 'CONTINUE' }] });
    world.aws.api.setDesiredCapacity(groupName, 1);
    await world.clock.until(() => world.aws.api.lifecycleActions(true).length === 1, 60_000);
    const action = world.aws.api.lifecycleActions(true)[0];
    if (!action) throw new Error('no action');
    expect(action.globalDeadline - action.startedAt).toBe(30_000_000); // 100 x 300 s

    await world.clock.sleep(250_000);
    await world.call(() =>
      world.autoscaling.send(
        new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: groupName, LifecycleHookName: 'launch', LifecycleActionToken: action.token }),
      ),
    );
    const heartbeatAt = world.clock.now();
    await world.clock.sleep(250_000);
    expect(action.result).toBeNull(); // 500 s after start, but only 250 s after the heartbeat
    await world.clock.until(() => action.result !== null, 400_000);
    expect(world.clock.now() - heartbeatAt).toBeGreaterThan(299_000);
    expect(world.clock.now() - heartbeatAt).toBeLessThan(301_000);
    expect(action.result).toBe('CONTINUE');
    expect(stateOf(world, action.instanceId)).toBe('InService');
    expect(world.recorder.lifecycleActions()[0]).toMatchObject({ result: 'EXPIRED', heartbeats: 1 });

    const late = await world.failure(() =>
      world.autoscaling.send(
        new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: groupName, LifecycleHookName: 'launch', InstanceId: action.instanceId }),
      ),
    );
    expect(late).toMatchObject({ name: 'ValidationError', message: `No active Lifecycle Action found with instance ID ${action.instanceId}` });
  });

  it('an expired ABANDON launch action terminates the instance and the group replaces it', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 0, min: 0, hooks: [{ ...LAUNCH_HOOK, heartbeatTimeout: 60 }] });
    world.aws.api.setDesiredCapacity(groupName, 1);
    await world.clock.until(() => world.aws.api.lifecycleActions().length === 2, 600_000);
    const [first] = world.aws.api.lifecycleActions();
    expect(world.recorder.lifecycleActions()[0]?.result).toBe('EXPIRED');
    await world.clock.until(() => world.aws.api.instance(first?.instanceId ?? '')?.state === 'terminated', 60_000);
  });

  it('completes by instance id and rejects an unknown instance as AWS words it', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 0, min: 0, hooks: [LAUNCH_HOOK] });
    world.aws.api.setDesiredCapacity(groupName, 1);
    await world.clock.until(() => world.aws.api.lifecycleActions(true).length === 1, 60_000);
    const action = world.aws.api.lifecycleActions(true)[0];
    const unknown = await world.failure(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'launch',
          InstanceId: 'i-0000000000000000',
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    expect(unknown).toEqual({ name: 'ValidationError', message: 'No active Lifecycle Action found with instance ID i-0000000000000000', status: 400 });
    await world.call(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'launch',
          InstanceId: action?.instanceId,
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    expect(stateOf(world, action?.instanceId ?? '')).toBe('InService');
  });

  it('refuses SetDesiredCapacity outside [min, max] and termination below min size, with AWS messages', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 1, min: 1, max: 3, bootstrap: true });
    const above = await world.failure(() => world.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: 5 })));
    expect(above).toEqual({ name: 'ValidationError', message: 'New SetDesiredCapacity value 5 is above max value 3 for the AutoScalingGroup.', status: 400 });
    const below = await world.failure(() => world.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: 0 })));
    expect(below.message).toBe('New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.');

    const id = world.aws.api.group(groupName)?.members[0]?.instanceId as string;
    const minViolation = await world.failure(() =>
      world.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true })),
    );
    expect(minViolation).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(minViolation.message).toBe(
      "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
    );
    const notInGroup = await world.failure(() =>
      world.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0123456789abcdef0', ShouldDecrementDesiredCapacity: false })),
    );
    expect(notInGroup).toMatchObject({
      name: 'ValidationError',
      message: 'Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0',
    });
  });

  it('terminate hook: Terminating:Wait → CONTINUE → terminated, with bus events; decrement shrinks the group', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 2, min: 1, bootstrap: true });
    await world.call(() =>
      world.autoscaling.send(
        new PutLifecycleHookCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'drain',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          HeartbeatTimeout: 900,
          DefaultResult: 'CONTINUE',
        }),
      ),
    );
    const hooks = await world.call(() => world.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName })));
    expect(hooks.LifecycleHooks).toEqual([
      expect.objectContaining({ LifecycleHookName: 'drain', HeartbeatTimeout: 900, GlobalTimeout: 90_000, DefaultResult: 'CONTINUE' }),
    ]);

    const id = world.aws.api.group(groupName)?.members[0]?.instanceId as string;
    const result = await world.call(() =>
      world.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true })),
    );
    expect(result.Activity?.Description).toBe(`Terminating EC2 instance: ${id}`);
    expect(result.Activity?.Cause).toMatch(/shrinking the capacity from 2 to 1\.$/);
    expect(stateOf(world, id)).toBe('Terminating:Wait');
    expect(world.aws.api.group(groupName)?.desiredCapacity).toBe(1);
    const detail = lifecycleEvents(world, 'EC2 Instance-terminate Lifecycle Action')[0] as Record<string, string>;
    expect(detail.EC2InstanceId).toBe(id);
    expect(world.busLog.filter(([k]) => k === 'instance.shutting-down')).toEqual([]);

    await world.call(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'drain',
          LifecycleActionToken: detail.LifecycleActionToken,
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    expect(world.busLog).toContainEqual(['instance.shutting-down', id]);
    await world.clock.until(() => world.busLog.some(([k, i]) => k === 'instance.terminated' && i === id), 60_000);
    expect(world.aws.api.instance(id)?.state).toBe('terminated');
    expect(world.aws.api.group(groupName)?.members).toHaveLength(1);
    expect(
      world.events.filter((e) => e.detailType === 'EC2 Instance State-change Notification' && e.detail['instance-id'] === id).map((e) => e.detail.state),
    ).toEqual(['shutting-down', 'terminated']);
  });

  it('scale-in terminates instances on an older launch template version first', async () => {
    world = await startWorld();
    const { groupName, templateId, imageId } = seedGroup(world, { desired: 2, bootstrap: true });
    const oldIds = world.aws.api.group(groupName)?.members.map((m) => m.instanceId) ?? [];
    world.aws.api.createLaunchTemplateVersion({ launchTemplateId: templateId, imageId });
    world.aws.api.setDesiredCapacity(groupName, 3);
    await world.clock.until(
      () =>
        world.aws.api.group(groupName)?.members.every((m) => m.lifecycleState === 'InService') === true && world.aws.api.group(groupName)?.members.length === 3,
      60_000,
    );
    const newId = world.aws.api.group(groupName)?.members.find((m) => !oldIds.includes(m.instanceId))?.instanceId;
    expect(world.aws.api.group(groupName)?.members.find((m) => m.instanceId === newId)?.launchTemplate.version).toBe(2);
    await world.call(() => world.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, DesiredCapacity: 1 })));
    await world.clock.until(() => world.aws.api.group(groupName)?.members.length === 1, 60_000);
    expect(world.aws.api.group(groupName)?.members.map((m) => m.instanceId)).toEqual([newId]);
  });

  it('records an instance refresh that stays InProgress until cancelled', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 1, bootstrap: true });
    const started = await world.call(() => world.autoscaling.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: groupName })));
    const second = await world.failure(() => world.autoscaling.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: groupName })));
    expect(second.name).toBe('InstanceRefreshInProgressFault'); // the SDK's class for wire code InstanceRefreshInProgress
    const listed = await world.call(() => world.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName })));
    expect(listed.InstanceRefreshes).toEqual([expect.objectContaining({ InstanceRefreshId: started.InstanceRefreshId, Status: 'InProgress' })]);
    await world.call(() => world.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: groupName })));
    await world.clock.sleep(10_000);
    const after = await world.call(() => world.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName })));
    expect(after.InstanceRefreshes?.[0]?.Status).toBe('Cancelled');
  });

  it('injected throttling surfaces as the SDK Throttling error; unknown actions are InvalidAction', async () => {
    world = await startWorld();
    world.faults.set('autoscaling', { throttleRate: 1 });
    const throttled = await world.failure(() => world.autoscaling.send(new DescribeAutoScalingGroupsCommand({})));
    expect(throttled).toMatchObject({ name: 'Throttling', status: 400 });
    world.faults.set('autoscaling', { throttleRate: 0, errorRate: 1 });
    const broken = await world.failure(() => world.autoscaling.send(new DescribeAutoScalingGroupsCommand({})));
    expect(broken).toMatchObject({ name: 'InternalFailure', status: 500 });
    world.faults.set('autoscaling', { errorRate: 0 });
    const response = await world.call(() =>
      fetch(`${world.urls.autoscaling}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=Nope&Version=2011-01-01',
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
  });
});
