/**
 * What the doctor reads, and nothing it writes: the AWS reads go through the
 * control plane's own wrappers where they exist (same endpoints, same
 * retries), the cluster through its own clients with the tokens from SSM.
 */
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { describeGroupsByClusterTag, describeLifecycleHooks, type AutoScalingGroup, type LifecycleHook } from '../../src/aws/autoscaling.js';
import { ec2Client } from '../../src/aws/ec2.js';
import { getSecureString, ssmClient } from '../../src/aws/ssm.js';
import type { Config } from '../../src/config/index.js';
import { createClusterClients, type ClusterClients, tokenlessClients } from '../../src/hashicorp/clients.js';
import { REACHABILITY_ENDPOINTS, type Reachability, ReachabilitySchema } from '../../src/hashicorp/reachability.js';
import * as z from '../../src/validation/zod.js';

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
  /** Reachability as the deployed `reachabilityProbe` Lambda sees it from the Lambdas' subnets. */
  fromLambdas(): Promise<Reachability[]>;
}

/** The deployed probe function's name, as the framework names functions: `<service>-<stage>-reachabilityProbe`. */
export function probeFunctionName(serverlessYml: string, stage: string): string {
  const service = /^service:\s*(\S+)/m.exec(serverlessYml)?.[1];
  if (!service) throw new Error('serverless.yml names no service');
  return `${service}-${stage}-reachabilityProbe`;
}

/** Invoke the probe and read its rows; a function error or an unexpected answer throws, naming it. */
async function invokeProbe(functionName: string): Promise<Reachability[]> {
  const out = await new LambdaClient({}).send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode('{}') }));
  const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
  if (out.FunctionError) throw new Error(`${functionName} failed (${out.FunctionError}): ${text.slice(0, 300)}`);
  return z.array(ReachabilitySchema).parse((JSON.parse(text) as { rows?: unknown }).rows);
}

/** The probes against the configured account and cluster (endpoints from the environment, as for the SDK). */
export function defaultProbes(config: Config, options: { probeFunction: string }): DoctorProbes {
  const secureString = (name: string): Promise<string> => getSecureString(name, { fresh: true });
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
    anonymous: tokenlessClients(config, REACHABILITY_ENDPOINTS, secureString),
    fromLambdas: () => invokeProbe(options.probeFunction),
  };
}
