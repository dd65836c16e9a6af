import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedIam, PackagingError } from '../../../sim/iam/deployed-iam.js';
import { runAs } from '../../../sim/iam/principal.js';
import { buildCluster, type Cluster } from '../../../sim/scenarios/cluster.js';
import { Simulation } from '../../../sim/simulation.js';

let sim: Simulation;
let cluster: Cluster;
const clients = () => ({
  autoscaling: new AutoScalingClient({ maxAttempts: 1 }),
  ec2: new EC2Client({ maxAttempts: 1 }),
  ssm: new SSMClient({ maxAttempts: 1 }),
  sfn: new SFNClient({ maxAttempts: 1 }),
});

beforeAll(async () => {
  // The calls here are the test's own, made as a role to provoke refusals: not the control plane's usage.
  sim = await Simulation.start({ logLevel: 'SILENT', iam: { recordUsage: false } });
  cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 1 }] });
  await sim.clock.sleep(60_000);
});
afterAll(async () => sim?.stop());

/** Call AWS as the function `key`'s execution role (as its handler would), the sim clock held meanwhile. */
async function as<T>(key: string, call: () => Promise<T>): Promise<T> {
  const fn = sim.lambda.find(key);
  return sim.clock.holding(() => runAs(sim.iam.functionPrincipal(fn.arn, fn.name), call));
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the call was allowed');
}

const session = (key: string) => `arn:aws:sts::000000000000:assumed-role/hcp-example-us-east-1-${key}/hashistack-control-plane-example-${key}`;

describe('IAM enforcement: denied calls get each service answer', () => {
  it('Auto Scaling: AccessDenied 403 naming the role session, the action and the group ARN', async () => {
    const group = sim.aws.api.group(cluster.clientGroups.general as string);
    const { autoscaling } = clients();
    const allowed = await as('hookAudit', () => autoscaling.send(new DescribeAutoScalingGroupsCommand({})));
    expect(allowed.AutoScalingGroups?.length).toBeGreaterThan(0);
    const denied = await failure(
      as('hookAudit', () => autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group?.name, DesiredCapacity: 2 }))),
    );
    expect(denied).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: `User: ${session('hookAudit')} is not authorized to perform: autoscaling:SetDesiredCapacity on resource: ${group?.arn} because no identity-based policy allows the autoscaling:SetDesiredCapacity action`,
    });
    expect(group?.desiredCapacity).toBe(1);
  });

  it('Auto Scaling: the aws:ResourceTag condition decides (a group of another cluster is refused)', async () => {
    const { autoscaling } = clients();
    const template = sim.aws.api.createLaunchTemplate({ name: 'other', imageId: cluster.imageId });
    sim.aws.api.createAutoScalingGroup({
      name: 'other-cluster',
      minSize: 0,
      maxSize: 1,
      desiredCapacity: 0,
      launchTemplate: { id: template.id, version: '$Latest' },
      availabilityZones: ['us-east-1a'],
      tags: [{ key: 'hashistack:cluster', value: 'another', propagateAtLaunch: true }],
    });
    const heartbeat = (group: string) =>
      as('drainStart', () =>
        autoscaling.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: group,
            LifecycleHookName: 'hashistack-terminate',
            InstanceId: 'i-0000000000000000f',
          }),
        ),
      );
    expect((await failure(heartbeat('other-cluster'))).name).toBe('AccessDenied');
    // Same call on the cluster's group passes IAM; the service itself answers (no such action).
    expect((await failure(heartbeat(cluster.clientGroups.general as string))).name).toBe('ValidationError');
  });

  it('EC2: UnauthorizedOperation 403 with an encoded authorization message; aws:TagKeys limits which tags', async () => {
    const { ec2 } = clients();
    const instance = sim.aws.api.instances().find((i) => i.asgName === cluster.clientGroups.general) as { instanceId: string };
    const denied = await failure(
      as('hookAudit', () => ec2.send(new CreateTagsCommand({ Resources: [instance.instanceId], Tags: [{ Key: 'hashistack:nomad-node-id', Value: 'x' }] }))),
    );
    expect(denied.name).toBe('UnauthorizedOperation');
    expect(denied.status).toBe(403);
    expect(denied.message).toMatch(
      new RegExp(
        `^You are not authorized to perform this operation\\. User: ${session('hookAudit')} is not authorized to perform: ec2:CreateTags on resource: arn:aws:ec2:us-east-1:000000000000:instance/${instance.instanceId} because no identity-based policy allows the ec2:CreateTags action\\. Encoded authorization failure message: \\S+$`,
      ),
    );
    await as('joinWatch', () => ec2.send(new CreateTagsCommand({ Resources: [instance.instanceId], Tags: [{ Key: 'hashistack:nomad-node-id', Value: 'x' }] })));
    const otherKey = await failure(
      as('joinWatch', () => ec2.send(new CreateTagsCommand({ Resources: [instance.instanceId], Tags: [{ Key: 'Name', Value: 'x' }] }))),
    );
    expect(otherKey.name).toBe('UnauthorizedOperation');
    expect(sim.aws.api.instance(instance.instanceId)?.tags.Name).toBeUndefined();
  });

  it('SSM: AccessDeniedException 400 for a parameter outside the role (joinRun reads only the Consul token); a batch with one such name is refused whole', async () => {
    const { ssm } = clients();
    const consul = await as('joinRun', () => ssm.send(new GetParametersCommand({ Names: ['/hashistack/control-plane/consul-token'], WithDecryption: true })));
    expect(consul.Parameters?.[0]?.Value).toBeTruthy();
    const denied = await failure(
      as('joinRun', () =>
        ssm.send(
          new GetParametersCommand({ Names: ['/hashistack/control-plane/consul-token', '/hashistack/control-plane/nomad-token'], WithDecryption: true }),
        ),
      ),
    );
    expect(denied).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: `User: ${session('joinRun')} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:000000000000:parameter/hashistack/control-plane/nomad-token because no identity-based policy allows the ssm:GetParameters action`,
    });
    const both = await as('drainCleanup', () =>
      ssm.send(new GetParametersCommand({ Names: ['/hashistack/control-plane/consul-token', '/hashistack/control-plane/nomad-token'], WithDecryption: true })),
    );
    expect(both.Parameters?.map((p) => p.Name).sort()).toEqual(['/hashistack/control-plane/consul-token', '/hashistack/control-plane/nomad-token']);
  });

  it('Step Functions: AccessDeniedException 400; no execution is started', async () => {
    const { sfn } = clients();
    const drain = sim.sfn.machine('drain').arn;
    const before = sim.sfn.list().length;
    const denied = await failure(as('hookAudit', () => sfn.send(new StartExecutionCommand({ stateMachineArn: drain, input: '{}' }))));
    expect(denied).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: `User: ${session('hookAudit')} is not authorized to perform: states:StartExecution on resource: ${drain} because no identity-based policy allows the states:StartExecution action`,
    });
    expect(sim.sfn.list().length).toBe(before);
  });

  it('a request made outside any function (scenario setup, tests) is the administrator and allowed', async () => {
    const { autoscaling } = clients();
    const release = sim.clock.hold();
    try {
      await autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: cluster.clientGroups.general as string, DesiredCapacity: 1 }));
    } finally {
      release();
    }
    expect(sim.iam.adminRequests).toBeGreaterThan(0);
  });
});

describe('IAM as packaged', () => {
  it('an ARN that YAML turned into {} is a packaging error, not a silently wrong policy', () => {
    const template = {
      Resources: {
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: 'r',
            Policies: [
              {
                PolicyName: 'p',
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: { 'Fn::Join': ['', [{}, { Ref: 'AWS::Region' }, ':parameter/x']] } }],
                },
              },
            ],
          },
        },
      },
    };
    expect(() => deployedIam(template, { region: 'us-east-1', stackName: 's' })).toThrow(PackagingError);
  });
});
