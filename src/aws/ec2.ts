/** Thin wrapper over EC2: instance facts, tags, images and launch template versions. */
import {
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { awsClientOptions, awsErrorName, mapAwsError } from './client-options.js';

let client: EC2Client | undefined;

/** The EC2 client of this container, created on first use. */
export function ec2Client(): EC2Client {
  client ??= new EC2Client(awsClientOptions());
  return client;
}

/** What the control plane needs to know about an instance. */
export interface InstanceFacts {
  instanceId: string;
  privateIp: string | undefined;
  /** e.g. ip-10-0-1-5.ec2.internal (empty once terminated). */
  privateDnsName?: string | undefined;
  /** pending | running | shutting-down | terminated | stopping | stopped */
  state: string | undefined;
  tags: Record<string, string>;
}

/** Describe one instance; undefined when EC2 does not know it. */
export async function describeInstance(instanceId: string): Promise<InstanceFacts | undefined> {
  try {
    const out = await ec2Client().send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const i = out.Reservations?.flatMap((r) => r.Instances ?? []).find((x) => x.InstanceId === instanceId);
    if (!i) return undefined;
    const tags: Record<string, string> = {};
    for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
    return { instanceId, privateIp: i.PrivateIpAddress, privateDnsName: i.PrivateDnsName || undefined, state: i.State?.Name, tags };
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceID.NotFound' || awsErrorName(error) === 'InvalidInstanceID.Malformed') return undefined;
    throw mapAwsError('ec2', error);
  }
}

/** Tag resources. */
export async function createTags(resourceIds: string[], tags: Record<string, string>): Promise<void> {
  try {
    await ec2Client().send(new CreateTagsCommand({ Resources: resourceIds, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  } catch (error) {
    throw mapAwsError('ec2', error);
  }
}

/** What the control plane needs to know about an AMI. */
export interface ImageFacts {
  imageId: string;
  name: string;
  state: string;
  /** ISO-8601. */
  creationDate: string;
  ownerId: string;
  /** i386 | x86_64 | arm64 | x86_64_mac | arm64_mac */
  architecture: string;
  tags: Record<string, string>;
}

/**
 * Describe images by id or by owners and filters (`name`, `tag:<key>`, `state`).
 * Unknown ids answer an empty list, not an error.
 */
export async function describeImages(input: { imageIds?: string[]; owners?: string[]; filters?: { name: string; values: string[] }[] }): Promise<ImageFacts[]> {
  try {
    const out = await ec2Client().send(
      new DescribeImagesCommand({
        ImageIds: input.imageIds,
        Owners: input.owners,
        Filters: input.filters?.map((f) => ({ Name: f.name, Values: f.values })),
      }),
    );
    return (out.Images ?? []).map((i) => ({
      imageId: i.ImageId ?? '',
      name: i.Name ?? '',
      state: i.State ?? '',
      creationDate: i.CreationDate ?? '',
      ownerId: i.OwnerId ?? '',
      architecture: i.Architecture ?? '',
      tags: Object.fromEntries((i.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ''])),
    }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'InvalidAMIID.NotFound' || name === 'InvalidAMIID.Malformed' || name === 'InvalidAMIID.Unavailable') return [];
    throw mapAwsError('ec2', error);
  }
}

/** One launch template version as the control plane uses it. */
export interface LaunchTemplateVersionFacts {
  launchTemplateId: string;
  launchTemplateName: string;
  versionNumber: number;
  imageId: string | undefined;
  /** The instance type it launches, when the version names one. */
  instanceType: string | undefined;
  defaultVersion: boolean;
}

/**
 * Resolve launch template versions (`$Latest`, `$Default` or numbers).
 * @returns undefined entries are left out: an unknown version answers an empty list.
 */
export async function describeLaunchTemplateVersions(launchTemplateId: string, versions: string[]): Promise<LaunchTemplateVersionFacts[]> {
  try {
    const out = await ec2Client().send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: versions }));
    return (out.LaunchTemplateVersions ?? []).map((v) => ({
      launchTemplateId: v.LaunchTemplateId ?? launchTemplateId,
      launchTemplateName: v.LaunchTemplateName ?? '',
      versionNumber: v.VersionNumber ?? 0,
      imageId: v.LaunchTemplateData?.ImageId,
      instanceType: v.LaunchTemplateData?.InstanceType,
      defaultVersion: v.DefaultVersion ?? false,
    }));
  } catch (error) {
    const name = awsErrorName(error) ?? '';
    if (/^InvalidLaunchTemplate(Id|Name)\.(NotFound|VersionNotFound|Malformed)$/.test(name) || name === 'InvalidLaunchTemplateId.VersionNotFound') return [];
    throw mapAwsError('ec2', error);
  }
}

/**
 * The processor architectures an instance type runs (ProcessorInfo.SupportedArchitectures).
 * @returns undefined for a name EC2 does not know (`InvalidInstanceType`)
 */
export async function instanceTypeArchitectures(instanceType: string): Promise<string[] | undefined> {
  try {
    const out = await ec2Client().send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] }));
    const t = out.InstanceTypes?.find((x) => x.InstanceType === instanceType);
    return t ? (t.ProcessorInfo?.SupportedArchitectures ?? []).map(String) : undefined;
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceType') return undefined;
    throw mapAwsError('ec2', error);
  }
}

/** Create a launch template version from `sourceVersion` with the given image (EC2 requires some LaunchTemplateData). @returns the new version number. */
export async function createLaunchTemplateVersion(launchTemplateId: string, sourceVersion: string, imageId: string, description: string): Promise<number> {
  try {
    const out = await ec2Client().send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: launchTemplateId,
        SourceVersion: sourceVersion,
        VersionDescription: description,
        LaunchTemplateData: { ImageId: imageId },
      }),
    );
    return out.LaunchTemplateVersion?.VersionNumber ?? 0;
  } catch (error) {
    throw mapAwsError('ec2', error);
  }
}

/** Make `version` the launch template's default version (what a group on `$Default` launches). */
export async function setDefaultLaunchTemplateVersion(launchTemplateId: string, version: number): Promise<void> {
  try {
    await ec2Client().send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: launchTemplateId, DefaultVersion: String(version) }));
  } catch (error) {
    throw mapAwsError('ec2', error);
  }
}
