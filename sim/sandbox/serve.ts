/**
 * The rehearsal sandbox: a simulated world that keeps running, with the
 * stage's config deployed, driven from outside exactly as the real one is
 * (the `aws` CLI or any SDK through one endpoint, curl against the Nomad,
 * Consul and Vault APIs). Time runs at `timeScale` x wall speed.
 */
import { buildCluster, type Cluster } from '../scenarios/cluster.js';
import { standardJobs } from '../scenarios/jobs.js';
import { SIM_TOKENS, Simulation } from '../simulation.js';
import { startGateway, type Gateway } from './gateway.js';

export interface SandboxOptions {
  stage: string;
  seed: number;
  /** Client nodes of the `general` pool. */
  nodes: number;
  servers: number;
  /** Sim seconds per wall second. */
  timeScale: number;
  /** Arm the schedules (hook audit, reconcile sweep, AMI refresh), as deployed. */
  schedules: boolean;
}

export interface Sandbox {
  sim: Simulation;
  cluster: Cluster;
  /** An AMI newer than the pool's, matching the stage's amiFilter: the target of a rehearsed upgrade. */
  upgradeImageId: string;
  /** Environment variables that point a shell at the sandbox. */
  variables: Record<string, string>;
  stop(): Promise<void>;
}

/** Fake credentials: the sandbox does not check signatures (requests run as the administrator). */
const SANDBOX_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIASANDBOX000000000', AWS_SECRET_ACCESS_KEY: 'sandbox-secret-access-key' };

/** Start the sandbox: the cluster of the scenarios (servers, a `general` client pool with jobs), every hook and tag as the README says. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const sim = await Simulation.start({ stage: options.stage, seed: options.seed, timeScale: options.timeScale, schedules: options.schedules });
  const cluster = buildCluster(sim, {
    servers: options.servers,
    pools: [{ name: 'general', nodes: options.nodes, maxSize: options.nodes * 2 + 2, drainDeadline: '30m', joinTimeout: '10m' }],
  });
  for (const job of standardJobs('general', options.nodes)) sim.hashistack.api.registerJob(job);
  const upgradeImageId = registerUpgradeImage(sim);
  const endpoints = sim.endpoints();
  const gateway: Gateway = await startGateway(endpoints);
  const region = sim.deploy.region;
  const variables: Record<string, string> = {
    AWS_ENDPOINT_URL: gateway.url,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    ...SANDBOX_CREDENTIALS,
    NOMAD_ADDR: endpoints.nomad,
    NOMAD_TOKEN: SIM_TOKENS.nomad,
    CONSUL_HTTP_ADDR: endpoints.consul,
    CONSUL_HTTP_TOKEN: SIM_TOKENS.consul,
    VAULT_ADDR: endpoints.vault,
    VAULT_TOKEN: SIM_TOKENS.vault,
    SANDBOX_STAGE: options.stage,
    SANDBOX_POOL_UPGRADE_ARN: sim.sfn.machine('poolUpgrade').arn,
    SANDBOX_CLIENT_ASG: cluster.clientGroups.general as string,
    SANDBOX_SERVER_ASG: cluster.serverGroup,
    SANDBOX_UPGRADE_IMAGE_ID: upgradeImageId,
  };
  return {
    sim,
    cluster,
    upgradeImageId,
    variables,
    stop: async () => {
      await gateway.close();
      await sim.stop();
    },
  };
}

/** A newer AMI that the stage's amiFilter (name pattern, tags) and the pool's architecture accept. */
function registerUpgradeImage(sim: Simulation): string {
  const filter = (sim.deploy.stageConfig.amiFilter ?? {}) as { namePattern?: string; tags?: string[] };
  const name = (filter.namePattern ?? 'hashistack-alpine-*').replaceAll('*', '20260201');
  const tags: Record<string, string> = { 'hashistack:os': 'alpine' };
  for (const pair of filter.tags ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0) tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return sim.aws.api.registerImage({ name, ownerId: 'self', architecture: 'arm64', tags }).imageId;
}

/** `export NAME='value'` lines for a POSIX shell. */
export function exportLines(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([k, v]) => `export ${k}='${v.replaceAll("'", "'\\''")}'`)
    .join('\n');
}

/** What to try first, with the sandbox's own names. */
export function usage(box: Sandbox): string {
  const v = box.variables;
  return `Rehearsal commands (after the exports above):
  aws autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[].[AutoScalingGroupName,DesiredCapacity]'
  aws stepfunctions start-execution --state-machine-arn "$SANDBOX_POOL_UPGRADE_ARN" \\
      --input '{"pool": "general", "imageId": "${v.SANDBOX_UPGRADE_IMAGE_ID}", "approval": true}'
  aws stepfunctions get-execution-history --execution-arn <arn> --reverse-order --max-results 5
  aws stepfunctions send-task-success --task-token <token> --task-output '{}'
  aws autoscaling set-desired-capacity --auto-scaling-group-name "$SANDBOX_CLIENT_ASG" --desired-capacity ${box.cluster.group(v.SANDBOX_CLIENT_ASG as string).desiredCapacity + 1}
  curl -s -H "X-Nomad-Token: $NOMAD_TOKEN" "$NOMAD_ADDR/v1/nodes"
  curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/agent/members"
  curl -s "$VAULT_ADDR/v1/sys/health"
  npm run doctor -- --stage ${v.SANDBOX_STAGE}
  npm run timeline -- <execution arn>
The approval task token is in the execution history: the Payload.token of the Approval state's TaskScheduled parameters.`;
}
