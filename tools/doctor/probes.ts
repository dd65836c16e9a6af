/**
 * What the doctor reads, and nothing it writes: the AWS reads go through the
 * control plane's own wrappers where they exist (same endpoints, same
 * retries), the cluster through its own clients with the tokens from SSM.
 */
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { describeGroupsByClusterTag, describeLifecycleHooks, type AutoScalingGroup, type LifecycleHook } from '../../src/aws/autoscaling.js';
import { ec2Client } from '../../src/aws/ec2.js';
import { getSecureString, ssmClient } from '../../src/aws/ssm.js';
import type { Config } from '../../src/config/index.js';
import { createClusterClients, type ClusterClients } from '../../src/hashicorp/clients.js';

export interface DoctorProbes {
  groups(clusterName: string): Promise<AutoScalingGroup[]>;
  hooks(asgName: string): Promise<LifecycleHook[]>;
  /** Tags of a launch template, undefined when it does not exist. */
  launchTemplateTags(launchTemplateId: string): Promise<Record<string, string> | undefined>;
  /** A SecureString's value, read fresh. */
  secureString(name: string): Promise<string>;
  /** Ping status of each managed node among these instances (absent: never registered). */
  ssmPingStatus(instanceIds: string[]): Promise<Map<string, string>>;
  clients: ClusterClients;
  /** The same clients without a token: reachability, TLS and leadership need none. */
  anonymous: ClusterClients;
}

/** The probes against the configured account and cluster (endpoints from the environment, as for the SDK). */
export function defaultProbes(config: Config): DoctorProbes {
  const secureString = (name: string): Promise<string> => getSecureString(name, { fresh: true });
  const clientCertParameters = new Set(Object.values(config.clientCertParameters).filter((p) => p !== undefined));
  return {
    groups: describeGroupsByClusterTag,
    hooks: (asgName) => describeLifecycleHooks(asgName),
    launchTemplateTags: async (id) => {
      try {
        const out = await ec2Client().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }));
        const template = out.LaunchTemplates?.[0];
        return template ? Object.fromEntries((template.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) : undefined;
      } catch (error) {
        if ((error as { name?: string }).name?.startsWith('InvalidLaunchTemplateId')) return undefined;
        throw error;
      }
    },
    secureString,
    ssmPingStatus: async (instanceIds) => {
      const status = new Map<string, string>();
      for (let i = 0; i < instanceIds.length; i += 50) {
        let nextToken: string | undefined;
        do {
          const out = await ssmClient().send(
            new DescribeInstanceInformationCommand({
              Filters: [{ Key: 'InstanceIds', Values: instanceIds.slice(i, i + 50) }],
              MaxResults: 50,
              NextToken: nextToken,
            }),
          );
          for (const n of out.InstanceInformationList ?? []) if (n.InstanceId) status.set(n.InstanceId, n.PingStatus ?? 'unknown');
          nextToken = out.NextToken;
        } while (nextToken);
      }
      return status;
    },
    clients: createClusterClients(config, (name) => secureString(name)),
    // Tokenless, but with the client certificates a cluster requiring mutual TLS asks for.
    anonymous: createClusterClients(config, (name) => (clientCertParameters.has(name) ? secureString(name) : Promise.resolve(''))),
  };
}
