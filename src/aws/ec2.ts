/** Thin wrapper over EC2: instance facts and tags. */
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
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
    return { instanceId, privateIp: i.PrivateIpAddress, state: i.State?.Name, tags };
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
