import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { seedGroup, startWorld, type World } from './harness.js';

let world: World;
afterEach(async () => world?.close());

describe('simulated EC2 through the real SDK', () => {
  it('DescribeInstanceTypes: Graviton types are arm64, the others x86_64; an unknown type is InvalidInstanceType', async () => {
    world = await startWorld();
    const out = await world.call(() =>
      world.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m6g.large', 'c7gn.xlarge', 't4g.micro', 'm6i.large', 'g4dn.xlarge', 'a1.medium'] })),
    );
    expect(Object.fromEntries((out.InstanceTypes ?? []).map((t) => [t.InstanceType, t.ProcessorInfo?.SupportedArchitectures]))).toEqual({
      'm6g.large': ['arm64'],
      'c7gn.xlarge': ['arm64'],
      't4g.micro': ['arm64'],
      'm6i.large': ['x86_64'],
      'g4dn.xlarge': ['x86_64'],
      'a1.medium': ['arm64'],
    });
    const bad = await world.failure(() => world.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m6x.huge-ish' as never] })));
    expect(bad.name).toBe('InvalidInstanceType');
  });

  it('an ASG launch of an x86_64 AMI on an arm64 type fails as RunInstances does (InvalidParameterValue), the activity Failed, and nothing boots', async () => {
    world = await startWorld();
    const image = world.aws.api.registerImage({ name: 'x86-image', architecture: 'x86_64' });
    const template = world.aws.api.createLaunchTemplate({ name: 'lt-arm', imageId: image.imageId, instanceType: 'm6g.large' });
    world.aws.api.createAutoScalingGroup({
      name: 'arm',
      minSize: 0,
      maxSize: 2,
      desiredCapacity: 1,
      launchTemplate: { id: template.id, version: '$Default' },
      availabilityZones: ['us-east-1a'],
      tags: [],
    });
    expect(world.aws.api.group('arm')?.members).toHaveLength(0);
    expect(world.aws.api.instances()).toHaveLength(0);
    expect(
      world.recorder.timeline.some((e) =>
        /arm: launch failed: The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64' of the specified AMI/.test(
          e.message,
        ),
      ),
    ).toBe(true);
  });

  it('describes instances with tag, state and address filters', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 2, bootstrap: true });
    seedGroup(world, { name: 'servers', desired: 1, bootstrap: true });
    const [first] = world.aws.api.group(groupName)?.members ?? [];
    const byTag = await world.call(() =>
      world.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:aws:autoscaling:groupName', Values: ['clients'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        }),
      ),
    );
    const instances = byTag.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    expect(instances).toHaveLength(2);
    const one = instances.find((i) => i.InstanceId === first?.instanceId);
    expect(one).toMatchObject({ State: { Code: 16, Name: 'running' }, InstanceType: 'm6i.large', Placement: { AvailabilityZone: 'us-east-1a' } });
    expect(one?.PrivateIpAddress).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(one?.PrivateDnsName).toBe(`ip-${one?.PrivateIpAddress?.replaceAll('.', '-')}.ec2.internal`);
    expect(one?.LaunchTime).toBeInstanceOf(Date);
    expect(one?.Tags).toContainEqual({ Key: 'hashistack:role', Value: 'client' });

    const byIp = await world.call(() =>
      world.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-ip-address', Values: [one?.PrivateIpAddress ?? ''] }] })),
    );
    expect(byIp.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([first?.instanceId]);
    const byKey = await world.call(() => world.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['hashistack:pool'] }] })));
    expect(byKey.Reservations).toHaveLength(3);
    const missing = await world.failure(() => world.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
    expect(missing).toMatchObject({ name: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-0123456789abcdef0' does not exist", status: 400 });
  });

  it('creates and deletes tags, escaping values the XML way', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 1, bootstrap: true });
    const id = world.aws.api.group(groupName)?.members[0]?.instanceId as string;
    const tricky = `a<b>&"c'd`;
    await world.call(() => world.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'hashistack:drained', Value: tricky }] })));
    const described = await world.call(() => world.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
    expect(described.Reservations?.[0]?.Instances?.[0]?.Tags).toContainEqual({ Key: 'hashistack:drained', Value: tricky });
    await world.call(() => world.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'hashistack:drained' }] })));
    expect(world.aws.api.instance(id)?.tags['hashistack:drained']).toBeUndefined();
  });

  it('finds images by name wildcard, owner and tag', async () => {
    world = await startWorld();
    world.aws.api.registerImage({ name: 'hashistack-client-2026-01-01', tags: { Role: 'client' }, creationDate: Date.parse('2026-01-01T00:00:00Z') });
    const newer = world.aws.api.registerImage({ name: 'hashistack-client-2026-01-04', tags: { Role: 'client' } });
    world.aws.api.registerImage({ name: 'hashistack-server-2026-01-04', tags: { Role: 'server' } });
    const result = await world.call(() =>
      world.ec2.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [
            { Name: 'name', Values: ['hashistack-client-*'] },
            { Name: 'state', Values: ['available'] },
          ],
        }),
      ),
    );
    expect(result.Images?.map((i) => i.Name).sort()).toEqual(['hashistack-client-2026-01-01', 'hashistack-client-2026-01-04']);
    expect(result.Images?.find((i) => i.ImageId === newer.imageId)).toMatchObject({
      State: 'available',
      OwnerId: '000000000000',
      CreationDate: '2026-01-05T09:00:00.000Z',
    });
    const byTag = await world.call(() => world.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'tag:Role', Values: ['server'] }] })));
    expect(byTag.Images?.map((i) => i.Name)).toEqual(['hashistack-server-2026-01-04']);
  });

  it('launch template versions: create, override the image from a source version, $Latest/$Default, set default', async () => {
    world = await startWorld();
    const a = world.aws.api.registerImage({ name: 'img-a' });
    const b = world.aws.api.registerImage({ name: 'img-b' });
    const created = await world.call(() =>
      world.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'clients',
          LaunchTemplateData: { ImageId: a.imageId, InstanceType: 'm6i.large', UserData: Buffer.from('#!/bin/sh').toString('base64') },
        }),
      ),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId as string;
    expect(created.LaunchTemplate).toMatchObject({ LaunchTemplateName: 'clients', DefaultVersionNumber: 1, LatestVersionNumber: 1 });
    const v2 = await world.call(() =>
      world.ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { ImageId: b.imageId } })),
    );
    expect(v2.LaunchTemplateVersion).toMatchObject({
      VersionNumber: 2,
      DefaultVersion: false,
      LaunchTemplateData: { ImageId: b.imageId, InstanceType: 'm6i.large' },
    });
    const bad = await world.failure(() =>
      world.ec2.send(
        new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { ImageId: 'ami-0000000000000000a' } }),
      ),
    );
    expect(bad).toMatchObject({ name: 'InvalidAMIID.NotFound', status: 400 });

    const latest = await world.call(() =>
      world.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Latest', '$Default'] })),
    );
    expect(latest.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.LaunchTemplateData?.ImageId])).toEqual([
      [2, b.imageId],
      [1, a.imageId],
    ]);
    await world.call(() => world.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' })));
    const listed = await world.call(() => world.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['clients'] })));
    expect(listed.LaunchTemplates?.[0]).toMatchObject({ LaunchTemplateId: id, DefaultVersionNumber: 2, LatestVersionNumber: 2 });
  });

  it('injected throttling surfaces as RequestLimitExceeded (503)', async () => {
    world = await startWorld();
    world.faults.set('ec2', { throttleRate: 1 });
    const throttled = await world.failure(() => world.ec2.send(new DescribeInstancesCommand({})));
    expect(throttled).toMatchObject({ name: 'RequestLimitExceeded', status: 503 });
  });
});
