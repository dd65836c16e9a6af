/**
 * Conformance of the simulated AWS APIs with AWS behaviour the control plane
 * must survive, exercised with the AWS CLI (botocore, a different client from
 * the control plane's SDK v3): paging, eventual registration of SSM
 * invocations, tag value constraints, malformed ids, instance architecture.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedGroup, startWorld, type World } from '../aws/harness.js';
import { AWS_CLI_ENV as ENV } from './aws-cli-env.js';
import { type AwsCliResult, awsCliJson } from './aws-cli-runner.js';

let world: World;
afterEach(async () => world?.close());

/**
 * Run the AWS CLI against a simulated service with the clock held by
 * `holders` (the clock runs at 1/holders of wall speed meanwhile).
 * @returns parsed JSON output, or the error code and message on failure.
 */
async function aws(service: 'autoscaling' | 'ec2' | 'ssm', args: string[], holders = 1): Promise<AwsCliResult> {
  const releases = Array.from({ length: holders }, () => world.clock.hold());
  try {
    return await awsCliJson(world.urls[service], [service, ...args], { env: ENV, timeout: 30_000 });
  } finally {
    for (const r of releases) r();
  }
}

describe('AWS conformance (aws CLI)', () => {
  it('DescribeAutoScalingGroups pages by MaxRecords with a NextToken', async () => {
    world = await startWorld();
    for (const name of ['a', 'b', 'c']) seedGroup(world, { name, desired: 0, min: 0 });
    const first = await aws('autoscaling', ['describe-auto-scaling-groups', '--max-records', '2', '--no-paginate']);
    if (!first.ok) throw new Error(first.message);
    expect((first.out.AutoScalingGroups as unknown[]).length).toBe(2);
    expect(typeof first.out.NextToken).toBe('string');
    // The CLI pages on the server's NextToken: pages of 2, stopping after 2 items, then resuming.
    const head = await aws('autoscaling', ['describe-auto-scaling-groups', '--page-size', '2', '--max-items', '2']);
    if (!head.ok) throw new Error(head.message);
    const second = await aws('autoscaling', ['describe-auto-scaling-groups', '--page-size', '2', '--starting-token', String(head.out.NextToken)]);
    if (!second.ok) throw new Error(second.message);
    expect((second.out.AutoScalingGroups as unknown[]).length).toBe(1);
    expect(second.out.NextToken).toBeUndefined();
    // The CLI's own paginator follows NextToken to the end.
    const all = await aws('autoscaling', ['describe-auto-scaling-groups', '--page-size', '1']);
    expect(all.ok && (all.out.AutoScalingGroups as unknown[]).length).toBe(3);
    const tooMany = await aws('autoscaling', ['describe-auto-scaling-groups', '--max-records', '500', '--no-paginate']);
    expect(tooMany).toMatchObject({ ok: false, code: 'ValidationError' });
  });

  it('DescribeInstances pages by MaxResults; MaxResults with InstanceIds is refused', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 7, max: 10, bootstrap: true });
    const ids = world.aws.api.group(groupName)?.members.map((m) => m.instanceId) ?? [];
    const first = await aws('ec2', ['describe-instances', '--max-results', '5', '--no-paginate']);
    if (!first.ok) throw new Error(first.message);
    expect((first.out.Reservations as unknown[]).length).toBe(5);
    expect(typeof first.out.NextToken).toBe('string');
    const all = await aws('ec2', ['describe-instances', '--page-size', '5']);
    expect(all.ok && (all.out.Reservations as unknown[]).length).toBe(7);
    const combined = await aws('ec2', ['describe-instances', '--max-results', '5', '--instance-ids', ids[0] ?? '', '--no-paginate']);
    expect(combined).toMatchObject({ ok: false, code: 'InvalidParameterCombination' });
  });

  it('GetCommandInvocation right after SendCommand: InvocationDoesNotExist until SSM registered it', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 1, bootstrap: true });
    const id = world.aws.api.group(groupName)?.members[0]?.instanceId ?? '';
    world.shell.online.add(id);
    // 60 holders: sim time crawls (1/60 of wall speed) while the CLI processes start, as if the two calls ran back to back.
    const sent = await aws('ssm', ['send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', id, '--parameters', 'commands=["echo hi"]'], 60);
    if (!sent.ok) throw new Error(sent.message);
    const commandId = (sent.out.Command as { CommandId: string }).CommandId;
    const early = await aws('ssm', ['get-command-invocation', '--command-id', commandId, '--instance-id', id], 60);
    expect(early).toMatchObject({ ok: false, code: 'InvocationDoesNotExist' });
    await world.clock.sleep(5_000);
    const later = await aws('ssm', ['get-command-invocation', '--command-id', commandId, '--instance-id', id]);
    expect(later).toMatchObject({ ok: true, out: { Status: 'Success', StandardOutputContent: 'hi\n' } });
  });

  it('tag values with control characters are refused (EC2 and Auto Scaling); printable ones round-trip', async () => {
    world = await startWorld();
    const { groupName } = seedGroup(world, { desired: 1, bootstrap: true });
    const id = world.aws.api.group(groupName)?.members[0]?.instanceId ?? '';
    const bad = await aws('ec2', ['create-tags', '--resources', id, '--tags', JSON.stringify([{ Key: 'note', Value: 'a\u0007b' }])]);
    expect(bad).toMatchObject({ ok: false, code: 'InvalidParameterValue' });
    const badAsg = await aws('autoscaling', [
      'create-or-update-tags',
      '--tags',
      JSON.stringify([{ ResourceId: groupName, ResourceType: 'auto-scaling-group', Key: 'note', Value: 'a\u0001b', PropagateAtLaunch: false }]),
    ]);
    expect(badAsg).toMatchObject({ ok: false, code: 'ValidationError' });
    const good = await aws('ec2', ['create-tags', '--resources', id, '--tags', 'Key=note,Value=drained at 10:00 (ok)']);
    expect(good.ok).toBe(true);
    const described = await aws('ec2', ['describe-instances', '--instance-ids', id]);
    const tags = described.ok
      ? ((described.out.Reservations as Array<{ Instances: Array<{ Tags: Array<{ Key: string; Value: string }> }> }>)[0]?.Instances[0]?.Tags ?? [])
      : [];
    expect(tags).toContainEqual({ Key: 'note', Value: 'drained at 10:00 (ok)' });
  });

  it('malformed instance, image and launch template ids are *.Malformed, well-formed unknown ones *.NotFound', async () => {
    world = await startWorld();
    expect(await aws('ec2', ['describe-instances', '--instance-ids', 'i-nothex'])).toMatchObject({ ok: false, code: 'InvalidInstanceID.Malformed' });
    expect(await aws('ec2', ['describe-instances', '--instance-ids', 'i-0123456789abcdef0'])).toMatchObject({ ok: false, code: 'InvalidInstanceID.NotFound' });
    expect(await aws('ec2', ['describe-images', '--image-ids', 'ami-xyz'])).toMatchObject({ ok: false, code: 'InvalidAMIID.Malformed' });
    expect(await aws('ec2', ['describe-launch-template-versions', '--launch-template-id', 'lt-bad'])).toMatchObject({
      ok: false,
      code: 'InvalidLaunchTemplateId.Malformed',
    });
  });

  it('instance architecture follows the instance type (Graviton types are arm64)', async () => {
    world = await startWorld();
    const { templateId, groupName } = seedGroup(world, { desired: 1, bootstrap: true });
    // EC2 refuses an AMI of another architecture than the type's: the Graviton version gets an arm64 image.
    const arm = world.aws.api.registerImage({ name: 'hashistack-alpine-arm64', architecture: 'arm64' });
    world.aws.api.createLaunchTemplateVersion({ launchTemplateId: templateId, sourceVersion: '$Latest', instanceType: 'm7g.large', imageId: arm.imageId });
    world.aws.api.updateAutoScalingGroup(groupName, { desiredCapacity: 2 });
    await world.clock.until(() => (world.aws.api.group(groupName)?.members.length ?? 0) === 2, 120_000);
    const out = await aws('ec2', ['describe-instances']);
    const instances = out.ok
      ? (out.out.Reservations as Array<{ Instances: Array<{ InstanceType: string; Architecture: string }> }>).flatMap((r) => r.Instances)
      : [];
    expect(instances.map((i) => `${i.InstanceType} ${i.Architecture}`).sort()).toEqual(['m6i.large x86_64', 'm7g.large arm64']);
  });
});
