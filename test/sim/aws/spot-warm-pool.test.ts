/**
 * Conformance of the simulated EC2 Spot signals, Capacity Rebalancing, AWS
 * Health retirements and warm pools, each checked against the AWS
 * documentation it cites.
 */
import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
  PutWarmPoolCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
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

const events = (w: World, detailType: string) => w.events.filter((e) => e.detailType === detailType);
const stateOf = (w: World, id: string) => w.aws.models.autoscaling.memberOf(id)?.member.lifecycleState;
const members = (w: World, group = 'clients') => w.aws.api.group(group)?.members ?? [];

describe('Spot signals (EC2 User Guide: "Spot Instance interruption notices", "EC2 instance rebalance recommendations")', () => {
  it('sends the interruption warning with instance-id and instance-action, and reclaims the instance two minutes later outside any hook', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 2, bootstrap: true, spot: true, hooks: [TERMINATE_HOOK] });
    const [victim] = members(world);
    const id = victim?.instanceId as string;
    const described = await world.call(() => world.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
    expect(described.Reservations?.[0]?.Instances?.[0]?.InstanceLifecycle).toBe('spot');

    const t0 = world.clock.now();
    const { reclaimAt } = world.aws.api.interruptSpot(id);
    expect(reclaimAt - t0).toBe(120_000);
    const [warning] = events(world, 'EC2 Spot Instance Interruption Warning');
    expect(warning).toMatchObject({ source: 'aws.ec2', detail: { 'instance-id': id, 'instance-action': 'terminate' } });
    expect(warning?.resources).toEqual([`arn:aws:ec2:us-east-1:000000000000:instance/${id}`]);

    await world.clock.sleep(119_000);
    expect(world.aws.api.instance(id)?.state).toBe('running');
    expect(stateOf(world, id)).toBe('InService');
    await world.clock.until(() => world.aws.api.instance(id)?.state === 'terminated', 30_000);
    expect(world.clock.now() - t0).toBeGreaterThanOrEqual(120_000);
    // Without Capacity Rebalancing no terminate hook ran: EC2 took the instance, the group replaces it afterwards.
    expect(events(world, 'EC2 Instance-terminate Lifecycle Action')).toHaveLength(0);
    await world.clock.until(() => members(world).length === 2 && !members(world).some((m) => m.instanceId === id), 60_000);
  });

  it('refuses Spot signals for On-Demand instances', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 1, bootstrap: true });
    const id = members(world)[0]?.instanceId as string;
    expect(() => world.aws.api.interruptSpot(id)).toThrow(/not a Spot Instance/);
    expect(() => world.aws.api.recommendRebalance(id)).toThrow(/not a Spot Instance/);
  });

  it('sends the rebalance recommendation with instance-id only; nothing happens to the instance by itself', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 2, bootstrap: true, spot: true });
    const id = members(world)[0]?.instanceId as string;
    world.aws.api.recommendRebalance(id);
    const [recommendation] = events(world, 'EC2 Instance Rebalance Recommendation');
    expect(recommendation).toMatchObject({ source: 'aws.ec2', detail: { 'instance-id': id } });
    expect(Object.keys(recommendation?.detail ?? {})).toEqual(['instance-id']);
    await world.clock.sleep(600_000);
    expect(world.aws.api.instance(id)?.state).toBe('running');
    expect(members(world)).toHaveLength(2);
  });
});

describe('Capacity Rebalancing (EC2 Auto Scaling User Guide: "Use Capacity Rebalancing to handle Amazon EC2 Spot Interruptions")', () => {
  it('launches a replacement on a rebalance recommendation and terminates the old instance through its terminate hook once the replacement is InService', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 2, bootstrap: true, spot: true, hooks: [LAUNCH_HOOK, TERMINATE_HOOK] });
    await world.call(() => world.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'clients', CapacityRebalance: true })));
    const described = await world.call(() => world.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['clients'] })));
    expect(described.AutoScalingGroups?.[0]?.CapacityRebalance).toBe(true);
    const old = members(world)[0]?.instanceId as string;
    world.aws.api.recommendRebalance(old);

    await world.clock.until(() => events(world, 'EC2 Instance-launch Lifecycle Action').length === 1, 120_000);
    const launch = events(world, 'EC2 Instance-launch Lifecycle Action')[0]?.detail as Record<string, string>;
    expect(launch).toMatchObject({ Origin: 'EC2', Destination: 'AutoScalingGroup' });
    // The old instance stays InService while its replacement waits in the launch hook.
    await world.clock.sleep(60_000);
    expect(stateOf(world, old)).toBe('InService');
    expect(events(world, 'EC2 Instance-terminate Lifecycle Action')).toHaveLength(0);

    await world.call(() =>
      world.autoscaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'clients',
          LifecycleHookName: 'launch',
          InstanceId: launch.EC2InstanceId,
          LifecycleActionResult: 'CONTINUE',
        }),
      ),
    );
    expect(stateOf(world, String(launch.EC2InstanceId))).toBe('InService');
    expect(stateOf(world, old)).toBe('Terminating:Wait');
    expect(events(world, 'EC2 Instance-terminate Lifecycle Action')[0]?.detail).toMatchObject({
      EC2InstanceId: old,
      Origin: 'AutoScalingGroup',
      Destination: 'EC2',
    });
    expect(world.aws.api.group('clients')?.desiredCapacity).toBe(2);
  });

  it('terminates an instance that receives the interruption warning through its terminate hook, and launches a replacement', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 2, bootstrap: true, spot: true, capacityRebalance: true, hooks: [TERMINATE_HOOK] });
    const id = members(world)[0]?.instanceId as string;
    const t0 = world.clock.now();
    world.aws.api.interruptSpot(id);
    await world.clock.until(() => stateOf(world, id) === 'Terminating:Wait', 30_000);
    expect(world.clock.now() - t0).toBeLessThan(10_000);
    expect(events(world, 'EC2 Instance-terminate Lifecycle Action')[0]?.detail).toMatchObject({ EC2InstanceId: id });
    expect(members(world).filter((m) => m.lifecycleState !== 'Terminating:Wait')).toHaveLength(2);
    // Nobody completes the action: EC2 still reclaims the instance at two minutes.
    await world.clock.until(() => world.aws.api.instance(id)?.state !== 'running', 130_000);
    expect(world.clock.now() - t0).toBeGreaterThanOrEqual(120_000);
  });
});

describe('AWS Health scheduled retirement (AWS Health User Guide: "AWS Health events Amazon EventBridge schema")', () => {
  it('sends an AWS Health Event naming the instances in affectedEntities and retires them at startTime', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 2, bootstrap: true, hooks: [TERMINATE_HOOK] });
    const id = members(world)[0]?.instanceId as string;
    const startTime = world.clock.now() + 3_600_000;
    world.aws.api.scheduleRetirement([id], startTime);
    const [event] = events(world, 'AWS Health Event');
    expect(event?.source).toBe('aws.health');
    expect(event?.resources).toEqual([id]);
    expect(event?.detail).toMatchObject({
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
      eventTypeCategory: 'scheduledChange',
      affectedEntities: [{ entityValue: id }],
    });
    expect(String(event?.detail.eventArn)).toMatch(/^arn:aws:health:us-east-1::event\/EC2\/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED\//);
    expect(Date.parse(String(event?.detail.startTime))).toBe(Math.floor(startTime / 1000) * 1000);
    await world.clock.sleep(3_599_000);
    expect(world.aws.api.instance(id)?.state).toBe('running');
    await world.clock.until(() => world.aws.api.instance(id)?.state === 'terminated', 60_000);
  });
});

describe('Warm pools (EC2 Auto Scaling User Guide: "Use lifecycle hooks with a warm pool", "Warm pool example events and patterns")', () => {
  it('launches into the pool through Warmed:Pending:Wait (Origin EC2, Destination WarmPool), stops there, and moves into the group through Pending:Wait (Origin WarmPool)', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 1, max: 3, bootstrap: true, hooks: [LAUNCH_HOOK, TERMINATE_HOOK] });
    await world.call(() => world.autoscaling.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'clients', MinSize: 1, PoolState: 'Stopped' })));
    // Size: MaxGroupPreparedCapacity (default MaxSize 3) less desired 1 = 2.
    await world.clock.until(() => events(world, 'EC2 Instance-launch Lifecycle Action').length === 2, 60_000);
    const warmLaunches = events(world, 'EC2 Instance-launch Lifecycle Action').map((e) => e.detail as Record<string, string>);
    for (const d of warmLaunches) {
      expect(d).toMatchObject({ Origin: 'EC2', Destination: 'WarmPool' });
      expect(stateOf(world, String(d.EC2InstanceId))).toBe('Warmed:Pending:Wait');
    }
    const groups = await world.call(() => world.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['clients'] })));
    expect(groups.AutoScalingGroups?.[0]?.Instances).toHaveLength(1);
    for (const d of warmLaunches) {
      await world.call(() =>
        world.autoscaling.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: 'clients',
            LifecycleHookName: 'launch',
            InstanceId: d.EC2InstanceId,
            LifecycleActionResult: 'CONTINUE',
          }),
        ),
      );
    }
    const [first, second] = warmLaunches.map((d) => d.EC2InstanceId as string);
    await world.clock.until(() => stateOf(world, first as string) === 'Warmed:Stopped' && stateOf(world, second as string) === 'Warmed:Stopped', 60_000);
    expect(world.aws.api.instance(first as string)?.state).toBe('stopped');
    const pool = await world.call(() => world.autoscaling.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'clients' })));
    expect(pool.WarmPoolConfiguration).toMatchObject({ MinSize: 1, PoolState: 'Stopped' });
    expect(pool.Instances?.map((i) => i.LifecycleState)).toEqual(['Warmed:Stopped', 'Warmed:Stopped']);

    await world.call(() => world.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'clients', DesiredCapacity: 2 })));
    const moved = [first, second].find((id) => stateOf(world, id as string) === 'Pending') as string;
    const stays = [first, second].find((id) => id !== moved) as string;
    expect(moved).toBeDefined();
    await world.clock.until(() => events(world, 'EC2 Instance-launch Lifecycle Action').length === 3, 60_000);
    const out = events(world, 'EC2 Instance-launch Lifecycle Action')[2]?.detail;
    expect(out).toMatchObject({ EC2InstanceId: moved, Origin: 'WarmPool', Destination: 'AutoScalingGroup' });
    expect(stateOf(world, moved)).toBe('Pending:Wait');
    expect(world.aws.api.instance(moved)?.targetLifecycleState).toBe('InService');
    // Desired 2 of max 3: the pool shrinks to max(MinSize 1, 3 - 2) = 1 — the remaining one stays.
    expect(stateOf(world, stays)).toBe('Warmed:Stopped');
  });

  it('terminates from the pool through Warmed:Terminating:Wait (Origin WarmPool, Destination EC2)', async () => {
    world = await startWorld();
    seedGroup(world, { desired: 1, max: 3, bootstrap: true, hooks: [TERMINATE_HOOK] });
    world.aws.api.putWarmPool('clients', { minSize: 0, poolState: 'Stopped' });
    await world.clock.until(() => members(world).filter((m) => m.lifecycleState === 'Warmed:Stopped').length === 2, 120_000);
    // Raising desired to the maximum leaves the pool no room: its instances go into the group, none stays warm.
    world.aws.api.putWarmPool('clients', { minSize: 0, maxGroupPreparedCapacity: 2, poolState: 'Stopped' });
    await world.clock.until(() => events(world, 'EC2 Instance-terminate Lifecycle Action').length === 1, 60_000);
    const d = events(world, 'EC2 Instance-terminate Lifecycle Action')[0]?.detail as Record<string, string>;
    expect(d).toMatchObject({ Origin: 'WarmPool', Destination: 'EC2' });
    expect(stateOf(world, String(d.EC2InstanceId))).toBe('Warmed:Terminating:Wait');
    world.aws.api.completeLifecycleAction({ groupName: 'clients', hookName: 'drain', instanceId: String(d.EC2InstanceId) }, 'CONTINUE');
    await world.clock.until(() => world.aws.api.instance(String(d.EC2InstanceId))?.state === 'terminated', 60_000);
    expect(members(world).filter((m) => m.lifecycleState.startsWith('Warmed:'))).toHaveLength(1);
  });
});
