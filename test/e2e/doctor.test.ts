/**
 * The doctor against the rehearsal sandbox: all green on the cluster the
 * README describes, and for each misconfiguration an operator can make
 * (injected the way it happens: through the AWS API as an administrator,
 * in SSM, in the cluster) exactly one failing row, naming it.
 */
import {
  CreateOrUpdateTagsCommand,
  DeleteLifecycleHookCommand,
  DeleteTagsCommand,
  PutLifecycleHookCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sim/sandbox/serve.js';
import { autoScalingClient } from '../../src/aws/autoscaling.js';
import { ssmClient } from '../../src/aws/ssm.js';
import { loadConfig } from '../../src/config/index.js';
import { runDoctor } from '../../tools/doctor/checks.js';
import { defaultProbes, probeFunctionName } from '../../tools/doctor/probes.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.stop();
  box = undefined;
});

async function sandbox(): Promise<Sandbox> {
  box = await startSandbox({ stage: 'example', seed: 3, nodes: 2, servers: 3, timeScale: 600, schedules: false });
  return box;
}

/** The doctor as `npm run doctor -- --stage example` runs it with the sandbox's variables (the simulation set them in this process's environment, as deployed). */
async function doctor(b: Sandbox, stage = 'example') {
  const config = loadConfig({
    ...process.env,
    NOMAD_ADDR: b.variables.NOMAD_ADDR,
    CONSUL_HTTP_ADDR: b.variables.CONSUL_HTTP_ADDR,
    VAULT_ADDR: b.variables.VAULT_ADDR,
  });
  const probeFunction = probeFunctionName(readFileSync(resolve(import.meta.dirname, '../../serverless.yml'), 'utf8'), stage);
  return runDoctor(config, defaultProbes(config, { probeFunction }));
}

const failing = (rows: Awaited<ReturnType<typeof doctor>>) => rows.filter((r) => r.status !== 'pass').map((r) => `${r.check} | ${r.subject} | ${r.status}`);

describe('npm run doctor against the sandbox', () => {
  it('is all green on a correct setup', async () => {
    const rows = await doctor(await sandbox());
    expect(failing(rows)).toEqual([]);
    const checks = new Set(rows.map((r) => r.check));
    for (const c of [
      'cluster groups',
      'launch hook',
      'terminate hook',
      'tags',
      'launch template',
      'token parameter',
      'reachable',
      'reachable from Lambdas',
      'token capabilities',
      'versions',
      'ssm agent',
      'node conventions',
    ])
      expect(checks, c).toContain(c);
  }, 120_000);

  it('asks the deployed probe Lambda, and says so when the stage has no stack', async () => {
    const b = await sandbox();
    const green = await doctor(b);
    const lambdaRows = green.filter((r) => r.check === 'reachable from Lambdas');
    expect(lambdaRows.map((r) => r.subject)).toEqual(['consul', 'nomad', 'vault']);
    const invocations = b.sim.recorder.apiCalls()['lambda:Invoke'];
    expect(invocations?.calls).toBe(1);
    const rows = await doctor(b, 'prod');
    expect(failing(rows)).toEqual(['reachable from Lambdas | reachabilityProbe | fail']);
    expect(rows.find((r) => r.status === 'fail')?.detail).toMatch(
      /ResourceNotFoundException: Function not found: .*hashistack-control-plane-prod-reachabilityProbe/,
    );
  }, 120_000);

  type Injection = { name: string; inject: (b: Sandbox) => Promise<void>; expected: (b: Sandbox) => string | string[] };
  const clients = (b: Sandbox) => b.cluster.clientGroups.general as string;
  const firstClient = (b: Sandbox) => b.cluster.group(clients(b)).members[0]?.instanceId as string;
  const injections: Injection[] = [
    {
      name: 'launch hook deleted',
      inject: async (b) => {
        await autoScalingClient().send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: clients(b), LifecycleHookName: 'hashistack-launch' }));
      },
      expected: (b) => `launch hook | ${clients(b)} | fail`,
    },
    {
      name: 'terminate hook heartbeat 60 s',
      inject: async (b) => {
        await autoScalingClient().send(
          new PutLifecycleHookCommand({
            AutoScalingGroupName: b.cluster.serverGroup,
            LifecycleHookName: 'hashistack-terminate',
            LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
            HeartbeatTimeout: 60,
            DefaultResult: 'CONTINUE',
          }),
        );
      },
      expected: (b) => `terminate hook | ${b.cluster.serverGroup} | fail`,
    },
    {
      name: 'role tag removed',
      inject: async (b) => {
        await autoScalingClient().send(
          new DeleteTagsCommand({ Tags: [{ ResourceId: clients(b), ResourceType: 'auto-scaling-group', Key: 'hashistack:role' }] }),
        );
      },
      expected: (b) => `tags | ${clients(b)} | fail`,
    },
    {
      name: 'drain deadline tag not a duration',
      inject: async (b) => {
        await autoScalingClient().send(
          new CreateOrUpdateTagsCommand({
            Tags: [{ ResourceId: clients(b), ResourceType: 'auto-scaling-group', Key: 'hashistack:drain-deadline', Value: '1 hour', PropagateAtLaunch: false }],
          }),
        );
      },
      expected: (b) => `tags | ${clients(b)} | fail`,
    },
    {
      name: 'group pinned to launch template version 1',
      inject: async (b) => {
        const lt = b.cluster.group(clients(b)).launchTemplate;
        await autoScalingClient().send(
          new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: clients(b), LaunchTemplate: { LaunchTemplateId: lt.id, Version: '1' } }),
        );
      },
      expected: (b) => `launch template | ${clients(b)} | fail`,
    },
    {
      name: 'vault token parameter missing',
      inject: async () => {
        await ssmClient().send(new DeleteParameterCommand({ Name: '/hashistack/control-plane/vault-token' }));
      },
      expected: () => 'token parameter | vault | fail',
    },
    {
      name: 'nomad token without node:write',
      inject: async (b) => {
        b.sim.hashistack.api.addToken('nomad', {
          secret: 'nomad-read-only-secret',
          accessor: 'nomad-read-only',
          name: 'read only',
          management: false,
          policies: [{ name: 'readonly', rules: { node: 'read', agent: 'read' } }],
        });
        b.sim.aws.api.putParameter('/hashistack/control-plane/nomad-token', 'nomad-read-only-secret', 'SecureString', true);
      },
      expected: () => 'token capabilities | nomad | fail',
    },
    {
      name: 'Vault sealed',
      inject: async (b) => {
        for (const m of b.cluster.group(b.cluster.serverGroup).members) b.sim.hashistack.api.sealVault(m.instanceId);
      },
      // A sealed Vault is sealed from everywhere: from here and from the Lambdas' subnets.
      expected: () => ['reachable | vault | fail', 'reachable from Lambdas | vault | fail'],
    },
    {
      name: 'SSM agent stopped on a client',
      inject: async (b) => {
        b.sim.aws.api.setSsmAgentRunning(firstClient(b), false);
      },
      expected: (b) => `ssm agent | ${firstClient(b)} | fail`,
    },
    {
      name: 'Nomad agent stopped on a client (node down)',
      inject: async (b) => {
        const id = firstClient(b);
        await b.sim.hashistack.shell.run(id, 'rc-service nomad stop');
        await b.sim.clock.until(() => b.sim.hashistack.api.nodeOfInstance(id)?.Status === 'down', 10 * 60_000);
      },
      expected: (b) => `node conventions | ${firstClient(b)} | fail`,
    },
  ];

  for (const injection of injections) {
    it(`names one failure: ${injection.name}`, async () => {
      const b = await sandbox();
      await injection.inject(b);
      const rows = await doctor(b);
      expect(failing(rows)).toEqual([injection.expected(b)].flat());
      const row = rows.find((r) => r.status === 'fail');
      expect(row?.fix).not.toBe('');
    }, 120_000);
  }
});
