import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearParameterCache } from '../src/aws/ssm.js';
import { resetConfig } from '../src/config/index.js';
import { resetClusterClients } from '../src/hashicorp/clients.js';
import { setClockSource, timeoutError } from '../src/time/clock.js';
import { createAwsSim } from './aws/index.js';
import { S3Service } from './aws/s3.js';
import { CloudWatchService } from './aws/cloudwatch.js';
import { EventsService } from './aws/events.js';
import { LambdaApiService } from './aws/lambda-api.js';
import { SqsService } from './aws/sqs.js';
import { WorldBus } from './core/bus.js';
import { SimClock } from './core/clock.js';
import { Faults, type ClusterFaults, type ServiceName } from './core/faults.js';
import { type Listener, listen, type RunningService, type SimRequest, type SimResponse, type SimService } from './core/http.js';
import { Recorder } from './core/recorder.js';
import { Rng } from './core/rng.js';
import { type ApiName, type SimPki, simPki } from './core/tls.js';
import { createHashistackSim } from './hashistack/index.js';
import { IamAuthorizer } from './iam/authorizer.js';
import { deployedIam, type DeployedIam } from './iam/deployed-iam.js';
import { packagedTemplate } from './iam/packaged-template.js';
import { stampOutgoingRequests } from './iam/principal.js';
import { IAM_PREFIX } from './iam/request-checks.js';
import { loadDeployConfig, SIM_ACCOUNT_ID, type DeployConfig } from './runtime/deploy-config.js';
import { EventBridgeSim } from './runtime/eventbridge.js';
import { LambdaRuntime } from './runtime/lambda.js';
import { StepFunctionsSim } from './runtime/stepfunctions.js';

export const PROJECT_ROOT = resolve(fileURLToPath(import.meta.url), '../..');

/** What every simulated caller signs with (the simulator decides who calls by the principal header, not by these). */
const SIM_CREDENTIALS = { accessKeyId: 'ASIASIMULATED0000000', secretAccessKey: 'simulated-secret-access-key' };
/** Sim time at which every simulation starts: a fixed instant, for reproducible reports. */
export const SIM_EPOCH = Date.parse('2026-01-05T09:00:00Z');

export interface SimulationOptions {
  seed?: number;
  /** Idle-time speed of the sim clock; Infinity (default) jumps between events. */
  timeScale?: number;
  faults?: Partial<ClusterFaults>;
  joinMode?: 'auto' | 'ssm';
  /**
   * The cluster's topology beyond its groups' tags: how Vault servers set
   * their raft node_id (default instance-id); `controlPlane` overrides the
   * deployed control plane's environment to match (e.g. VAULT_ENABLED,
   * VAULT_NODE_ID), as an operator's stage config would.
   */
  topology?: { vaultNodeId?: 'instance-id' | 'hostname'; controlPlane?: Record<string, string> };
  /** Stage whose config/<stage>.yml is deployed; default `example`. */
  stage?: string;
  /** Config keys deployed instead of the stage file's (as if config/<stage>.yml said so), e.g. `{ rebalanceReplace: true }`. */
  config?: Record<string, unknown>;
  /**
   * Serve Nomad, Consul and Vault over https with client certificates
   * required (mutual TLS), the CA given to the control plane as CLUSTER_CA_FILE.
   * `configured`: the stage (default `mtls`) names each API's client
   * certificate parameter and the parameters hold the certificates;
   * `absent`: the stage (default `example`) names none, as a deployment that
   * forgot them. Default: plain http.
   */
  mtls?: 'configured' | 'absent';
  /** Arm the schedule rules (hook audit, AMI refresh); default false. */
  schedules?: boolean;
  /** Control plane log level (Powertools); default WARN. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * IAM as packaged is enforced on every AWS request unless `enforce: false`
   * (or SIM_IAM=off, to measure its cost). `edit` changes the deployed
   * policies of this simulation only (a test that removes a permission).
   */
  iam?: {
    enforce?: boolean;
    edit?: (iam: DeployedIam) => void;
    /**
     * Record the decisions for the least-privilege report (SIM_IAM_USAGE_DIR);
     * default: unless `edit` changed the policies. A test whose calls are not
     * the control plane's own (it calls AWS as a role to provoke a refusal) sets false.
     */
    recordUsage?: boolean;
  };
}

/** How long stop() lets running handler code finish: sim time, and wall time at most. */
const STOP_DRAIN_SIM_MS = 30 * 60_000;
const STOP_DRAIN_WALL_MS = 5_000;

/** ACL tokens of the simulated cluster, stored in SSM as the control plane expects. */
export const SIM_TOKENS = {
  nomad: 'b9f2c1de-6a41-4c53-9d27-3f8e7a1c0d11',
  consul: '5d0c8a7e-2b19-4f6e-8c3a-91e4d2b7f5a0',
  vault: 'hvs.sim-control-plane-token',
} as const;

// The control plane's SDK clients and config are created once per process, as
// in a Lambda container; a later simulation in the same process therefore
// serves on the same ports, held by the process from its first simulation on.
const listeners = new Map<string, Listener>();
const HASHICORP_APIS: ReadonlySet<ServiceName> = new Set<ServiceName>(['nomad', 'consul', 'vault']);

/** The operator's step for mutual TLS: each API's client certificate and key in the parameter the stage names (`aws ssm put-parameter --type SecureString`). */
function putClientCertificates(ssm: ReturnType<typeof createAwsSim>['api'], stageConfig: Record<string, unknown>, pki: SimPki): void {
  for (const api of ['nomad', 'consul', 'vault'] as const satisfies readonly ApiName[]) {
    const parameter = stageConfig[`${api}ClientCertParameter`];
    if (typeof parameter === 'string' && parameter !== '') ssm.putParameter(parameter, pki.clientPem[api], 'SecureString');
  }
}

/**
 * One simulated world: AWS (Auto Scaling, EC2, SSM, Step Functions,
 * EventBridge, Lambda) and the hashistack (Nomad, Consul, Vault) on loopback,
 * with the control plane's real handlers and state machines from
 * serverless.yml wired in, pointed there only by endpoint configuration.
 */
export class Simulation {
  private constructor(
    readonly clock: SimClock,
    readonly rng: Rng,
    readonly faults: Faults,
    readonly recorder: Recorder,
    readonly bus: WorldBus,
    readonly deploy: DeployConfig,
    readonly aws: ReturnType<typeof createAwsSim>,
    readonly hashistack: ReturnType<typeof createHashistackSim>,
    readonly lambda: LambdaRuntime,
    readonly sfn: StepFunctionsSim,
    readonly events: EventBridgeSim,
    readonly iam: IamAuthorizer,
    readonly sqs: SqsService,
    readonly s3: S3Service,
    readonly cloudwatch: CloudWatchService,
    readonly eventsApi: EventsService,
    private readonly running: RunningService[],
    readonly options: Required<Pick<SimulationOptions, 'seed' | 'stage'>>,
  ) {}

  static async start(options: SimulationOptions = {}): Promise<Simulation> {
    const seed = options.seed ?? 1;
    const stage = options.stage ?? (options.mtls === 'configured' ? 'mtls' : 'example');
    const pki = options.mtls === undefined ? undefined : await simPki();
    const clock = new SimClock({ start: SIM_EPOCH, timeScale: options.timeScale ?? Number.POSITIVE_INFINITY });
    const rng = new Rng(seed);
    const faults = new Faults(rng, options.faults);
    const recorder = new Recorder(clock);
    const bus = new WorldBus();
    const deploy = loadDeployConfig(resolve(PROJECT_ROOT, 'serverless.yml'), stage, options.config);

    const hashistack = createHashistackSim({
      clock,
      rng,
      faults,
      recorder,
      bus,
      tokens: SIM_TOKENS,
      joinMode: options.joinMode ?? 'auto',
      ...(options.topology?.vaultNodeId ? { vaultNodeId: options.topology.vaultNodeId } : {}),
    });
    const aws = createAwsSim({ clock, rng, faults, recorder, bus, shell: hashistack.shell });
    const lambda = new LambdaRuntime(deploy.functions, { clock, faults, recorder, rng });
    const sfn = new StepFunctionsSim(deploy.stateMachines, { clock, recorder, rng, lambda, bus, region: deploy.region });
    const sqs = new SqsService({ clock, rng, recorder, region: deploy.region, account: SIM_ACCOUNT_ID });
    const s3 = new S3Service({ clock, rng, recorder, region: deploy.region });
    // The stack's buckets, and a bucket the stage config names (created by the operator).
    for (const b of deploy.buckets) s3.createBucket(b.name, b.encryption);
    const givenBucket = String(deploy.stageConfig.snapshotBucket ?? '');
    if (givenBucket !== '') {
      const key = String(deploy.stageConfig.snapshotKmsKey ?? '');
      s3.createBucket(givenBucket, key ? { algorithm: 'aws:kms', kmsKeyArn: key } : { algorithm: 'AES256' });
    }
    const events = new EventBridgeSim(deploy.rules, { clock, faults, recorder, rng, bus, lambda, sfn, sqs, region: deploy.region });
    const cloudwatch = new CloudWatchService({ clock, rng, recorder, region: deploy.region, account: SIM_ACCOUNT_ID });
    const eventsApi = new EventsService({ rng, recorder, bus: () => (e) => events.put(e) });
    const lambdaApi = new LambdaApiService({ rng, recorder, lambda, region: deploy.region, account: SIM_ACCOUNT_ID });

    const deployed = deployedIam(await packagedTemplate(PROJECT_ROOT, stage), { region: deploy.region, stackName: `${deploy.service}-${stage}` });
    options.iam?.edit?.(deployed);
    const enforce = (options.iam?.enforce ?? true) && process.env.SIM_IAM !== 'off';
    const recordUsage = options.iam?.recordUsage ?? options.iam?.edit === undefined;
    const iam = new IamAuthorizer(deployed, { models: { ...aws.models, s3 }, clock, recorder, region: deploy.region }, { enforce, recordUsage });
    stampOutgoingRequests();
    lambda.useIam(iam);
    lambda.resetBeforeEachInvocation(clearParameterCache);
    sfn.useIam(iam);
    events.useIam(iam);
    const authorize = (service: SimService, action: string, req: SimRequest): Promise<SimResponse | undefined> =>
      service.name in IAM_PREFIX ? iam.authorizeRequest(service.name as keyof typeof IAM_PREFIX, action, req) : Promise.resolve(undefined);

    const services: SimService[] = [
      aws.services.autoscaling,
      aws.services.ec2,
      aws.services.ssm,
      sfn,
      sqs,
      s3,
      cloudwatch,
      eventsApi,
      lambdaApi,
      hashistack.services.nomad,
      hashistack.services.consul,
      hashistack.services.vault,
    ];
    const running: RunningService[] = [];
    for (const service of services) {
      const tls = pki && HASHICORP_APIS.has(service.name) ? { ca: pki.caPem, ...pki.server } : undefined;
      const key = `${service.name}${tls ? '+mtls' : ''}`;
      let listener = listeners.get(key);
      if (!listener) {
        listener = await listen(0, tls);
        listeners.set(key, listener);
      }
      running.push(listener.attach(service, { clock, faults, recorder, authorize }));
    }
    const url = (name: ServiceName): string => (running.find((r) => r.name === name) as RunningService).url;
    // Queue URLs point at the simulated SQS (the SDK sends each request to its QueueUrl's host).
    for (const q of deploy.queues) sqs.createQueue(q.name, url('sqs'));
    const sqsOrigin = `https://sqs.${deploy.region}.amazonaws.com`;
    for (const fn of deploy.functions) {
      for (const [k, v] of Object.entries(fn.environment)) if (v.startsWith(`${sqsOrigin}/`)) fn.environment[k] = `${url('sqs')}${v.slice(sqsOrigin.length)}`;
    }

    sfn.useSdkEndpoints({ region: deploy.region, endpoints: { autoscaling: url('autoscaling') }, credentials: SIM_CREDENTIALS });
    configureControlPlaneEnvironment(deploy, {
      AWS_REGION: deploy.region,
      AWS_DEFAULT_REGION: deploy.region,
      AWS_ACCESS_KEY_ID: SIM_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SIM_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_AUTO_SCALING: url('autoscaling'),
      AWS_ENDPOINT_URL_EC2: url('ec2'),
      AWS_ENDPOINT_URL_SSM: url('ssm'),
      AWS_ENDPOINT_URL_SFN: url('sfn'),
      AWS_ENDPOINT_URL_SQS: url('sqs'),
      AWS_ENDPOINT_URL_S3: url('s3'),
      AWS_ENDPOINT_URL_CLOUDWATCH: url('cloudwatch'),
      AWS_ENDPOINT_URL_EVENTBRIDGE: url('events'),
      AWS_ENDPOINT_URL_LAMBDA: url('lambda'),
      NOMAD_ADDR: url('nomad'),
      CONSUL_HTTP_ADDR: url('consul'),
      VAULT_ADDR: url('vault'),
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...options.topology?.controlPlane,
      // The CA layer's file as the Lambdas get it (serverless.yml), here the simulated cluster's CA.
      ...(pki ? { CLUSTER_CA_FILE: pki.caFile } : {}),
    });
    // Another simulation of this process may have deployed another topology: read the configuration again.
    resetConfig();
    resetClusterClients();
    // Back-off and polls wait in sim time, parked: on AWS a sleeping Lambda uses no CPU either.
    // Request timeouts run out in sim time too (a blocking query's wait + margin).
    setClockSource(
      () => clock.now(),
      (ms) => clock.sleep(ms, { parked: true }),
      (ms) => {
        const controller = new AbortController();
        const timer = clock.schedule(ms, () => controller.abort(timeoutError()), 'http-timeout');
        return { signal: controller.signal, cancel: () => timer.cancel() };
      },
    );
    await lambda.warmUp();

    const stageConfig = deploy.stageConfig;
    aws.api.putParameter(String(stageConfig.nomadTokenParameter), SIM_TOKENS.nomad, 'SecureString');
    aws.api.putParameter(String(stageConfig.consulTokenParameter), SIM_TOKENS.consul, 'SecureString');
    aws.api.putParameter(String(stageConfig.vaultTokenParameter), SIM_TOKENS.vault, 'SecureString');
    if (pki) putClientCertificates(aws.api, stageConfig, pki);
    events.start({ schedules: options.schedules ?? false });

    return new Simulation(clock, rng, faults, recorder, bus, deploy, aws, hashistack, lambda, sfn, events, iam, sqs, s3, cloudwatch, eventsApi, running, {
      seed,
      stage,
    });
  }

  /**
   * Rotate the control plane's ACL token of a system the way an operator
   * does: a new token with the same policies, its secret written to the SSM
   * parameter, the old token revoked at once. Running Lambdas still hold the
   * old secret in their parameter cache.
   * @returns the new secret.
   */
  rotateToken(system: 'nomad' | 'consul'): string {
    const parameter = String(this.deploy.stageConfig[`${system}TokenParameter`]);
    const old = this.aws.api.parameter(parameter)?.value;
    const secret = this.rng.uuid();
    if (!old || !this.hashistack.api.rotateToken(system, old, secret)) throw new Error(`no ${system} token in ${parameter} to rotate`);
    this.aws.api.putParameter(parameter, secret, 'SecureString', true);
    this.recorder.event('scenario', `${system} ACL token rotated: new secret in ${parameter}, the old token revoked`);
    return secret;
  }

  /** Base URL of each simulated service on loopback (what the control plane is pointed at). */
  endpoints(): Record<ServiceName, string> {
    return Object.fromEntries(this.running.map((r) => [r.name, r.url])) as Record<ServiceName, string>;
  }

  /**
   * Stop every service and timer. Handler code still running (a Lambda whose
   * execution was stopped, parked in a blocking query) is let finish first,
   * in sim time (bounded): left running, it would retry against the next
   * simulation of this process on the same ports, and its parked requests
   * there would count as that simulation's idle time.
   */
  async stop(): Promise<void> {
    const drained = this.clock.until(() => this.lambda.inFlight === 0, STOP_DRAIN_SIM_MS).catch(() => undefined);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, STOP_DRAIN_WALL_MS).unref())]);
    this.clock.stop();
    this.iam.flush();
    await Promise.all(this.running.map((r) => r.close()));
  }
}

/**
 * Give the in-process handlers the environment serverless.yml deploys them
 * with (the union of every function's; a variable two functions set
 * differently is an error), then point them at the simulated endpoints.
 */
function configureControlPlaneEnvironment(deploy: DeployConfig, overrides: Record<string, string>): void {
  const merged: Record<string, string> = {};
  for (const fn of deploy.functions) {
    for (const [k, v] of Object.entries(fn.environment)) {
      if (k in merged && merged[k] !== v) throw new Error(`functions set ${k} differently (${merged[k]} vs ${v}); the simulator runs them in one process`);
      merged[k] = v;
    }
  }
  delete merged.NODE_EXTRA_CA_CERTS; // plain HTTP on loopback; read at process start only anyway
  Object.assign(process.env, merged, overrides);
}
