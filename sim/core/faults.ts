import type { Rng } from './rng.js';

/** The simulated services, each served on its own loopback port. */
export const SERVICES = ['autoscaling', 'ec2', 'ssm', 'sfn', 'sqs', 's3', 'events', 'cloudwatch', 'lambda', 'nomad', 'consul', 'vault'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The simulated AWS APIs the control plane calls (throttling scenarios target these). */
export const AWS_SERVICES: readonly ServiceName[] = ['autoscaling', 'ec2', 'ssm', 'sfn', 'sqs', 's3', 'events', 'cloudwatch', 'lambda'];

/** Faults injected into every request a service receives. */
export interface ServiceFaults {
  /** Probability that a request answers with the service's 5xx error. */
  errorRate: number;
  /** Probability that a request answers with the service's throttling error. */
  throttleRate: number;
  /** Sim-time latency per request, ms (default {@link BASELINE_LATENCY_MS}). */
  latencyMs: number;
  /** While true, every request fails with a 5xx (a service outage). */
  down: boolean;
}

/** How a node behaves once its instance runs. */
export interface NodeBehaviour {
  /** The OS hangs: no agent ever starts, SSM never answers. */
  neverBoots: boolean;
  /** Consul joins, the Nomad agent never registers. */
  consulOnly: boolean;
  /** The Nomad client registers in a node pool other than its ASG's. */
  wrongNodePool: boolean;
}

/** Faults that are not about a single request. */
export interface ClusterFaults {
  /** Launch ordinals (1-based, per simulation) whose node never boots. */
  neverBootOrdinals: number[];
  /** Probability that a launched node never boots. */
  neverBootRate: number;
  /** Launch ordinals whose node joins Consul but never Nomad. */
  consulOnlyOrdinals: number[];
  /** Launch ordinals whose Nomad client registers in the wrong node pool. */
  wrongNodePoolOrdinals: number[];
  /** Drains on these instance ordinals never finish (an allocation that never stops). */
  stuckDrainOrdinals: number[];
  /**
   * Service allocations on nodes booted from these AMIs start but never pass
   * their health checks (an image that breaks the workload): Nomad marks them
   * unhealthy once the group's migrate healthy_deadline has passed.
   */
  unhealthyImages: string[];
  /** Probability that an EventBridge event is delivered twice. */
  duplicateEventRate: number;
  /** Max extra sim delay (ms) added per event delivery, so events can overtake each other. */
  eventJitterMs: number;
  /** Shell lines (SSM Run Command) starting with one of these fail with exit 1 on every node. */
  failingShellCommands: string[];
  /**
   * Lambda invocations of these function names fail on their Nth call (1-based): killed after their side effects (Step Functions sees Lambda.Unknown), or
   * with `error`, a bug in the handler that throws that error type before doing anything (Step
   * Functions sees the type as the error name, e.g. TypeError).
   */
  lambdaCrashes: Array<{ functionName: string; onCall: number; error?: string }>;
  /**
   * Lambda throttles every invocation (of these functions; all when empty)
   * until this sim time (epoch ms): `Lambda.TooManyRequestsException`
   * before the handler runs, as when the account's or function's
   * concurrency is exhausted.
   */
  lambdaThrottle: { until: number; functionNames: string[] } | null;
}

/**
 * Latency every request has without injected faults, ms of sim time: AWS API
 * calls from a Lambda in the same region take tens of milliseconds, the
 * cluster's APIs inside the VPC a few.
 */
export const BASELINE_LATENCY_MS: Record<ServiceName, number> = {
  autoscaling: 25,
  ec2: 25,
  ssm: 25,
  sfn: 25,
  sqs: 25,
  s3: 25,
  events: 25,
  cloudwatch: 25,
  lambda: 25,
  nomad: 3,
  consul: 3,
  vault: 3,
};

/**
 * The fault plan of one simulation: per-service request faults (changeable
 * while it runs, e.g. "Consul down for ten minutes") and cluster faults.
 * Every random decision draws from its own seeded stream.
 */
export class Faults {
  private readonly services = new Map<ServiceName, ServiceFaults>();
  readonly cluster: ClusterFaults;
  private readonly rng: Rng;

  constructor(rng: Rng, cluster: Partial<ClusterFaults> = {}) {
    this.rng = rng.fork('faults');
    this.cluster = {
      neverBootOrdinals: [],
      neverBootRate: 0,
      consulOnlyOrdinals: [],
      wrongNodePoolOrdinals: [],
      stuckDrainOrdinals: [],
      unhealthyImages: [],
      duplicateEventRate: 0,
      eventJitterMs: 0,
      lambdaCrashes: [],
      lambdaThrottle: null,
      failingShellCommands: [],
      ...cluster,
    };
  }

  /** Current faults of a service. */
  service(name: ServiceName): ServiceFaults {
    return this.services.get(name) ?? { errorRate: 0, throttleRate: 0, latencyMs: BASELINE_LATENCY_MS[name], down: false };
  }

  /** Change a service's faults from now on. */
  set(name: ServiceName, faults: Partial<ServiceFaults>): void {
    this.services.set(name, { ...this.service(name), ...faults });
  }

  /** Set the same faults on several services (e.g. every AWS service). */
  setAll(names: readonly ServiceName[], faults: Partial<ServiceFaults>): void {
    for (const n of names) this.set(n, faults);
  }

  /** Decide the fate of one request: undefined, 'error' or 'throttle'. */
  drawRequestFault(name: ServiceName): 'error' | 'throttle' | undefined {
    const f = this.service(name);
    if (f.down) return 'error';
    if (this.rng.chance(f.throttleRate)) return 'throttle';
    if (this.rng.chance(f.errorRate)) return 'error';
    return undefined;
  }

  /** Behaviour of the node on the instance launched with this ordinal (1-based). */
  nodeBehaviour(ordinal: number): NodeBehaviour {
    const c = this.cluster;
    return {
      neverBoots: c.neverBootOrdinals.includes(ordinal) || this.rng.chance(c.neverBootRate),
      consulOnly: c.consulOnlyOrdinals.includes(ordinal),
      wrongNodePool: c.wrongNodePoolOrdinals.includes(ordinal),
    };
  }

  /** Whether an event delivery should be duplicated. */
  drawDuplicate(): boolean {
    return this.rng.chance(this.cluster.duplicateEventRate);
  }

  /** Extra delay for one event delivery, ms. */
  drawEventJitter(): number {
    return this.cluster.eventJitterMs > 0 ? this.rng.int(0, this.cluster.eventJitterMs) : 0;
  }
}
