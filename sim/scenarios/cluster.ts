import type { AutoScalingGroup, WarmPool } from '../aws/index.js';
import type { Simulation } from '../simulation.js';

/** A client pool (one ASG) of the simulated cluster. */
export interface PoolSpec {
  name: string;
  nodes: number;
  maxSize?: number;
  minSize?: number;
  /** ASG tag hashistack:drain-deadline (Go duration). */
  drainDeadline?: string;
  /** ASG tag hashistack:join-timeout (Go duration). */
  joinTimeout?: string;
  instanceType?: string;
  /** Spot Instances (EC2 may interrupt them). */
  spot?: boolean;
  /** The group's Capacity Rebalancing. */
  capacityRebalance?: boolean;
  /** A warm pool (PutWarmPool) from the start. */
  warmPool?: Partial<WarmPool>;
  /** The launch template version the group launches (README: `$Default`, or `$Latest`). */
  launchTemplateVersion?: '$Default' | '$Latest';
}

/** A server group and the raft systems it runs (ASG tag `hashistack:systems`; absent: all three). */
export interface ServerGroupSpec {
  name: string;
  servers: number;
  systems?: string;
}

export interface ClusterSpec {
  servers: number;
  /** Several server groups instead of the one all-in-one group of `servers` (topologies). */
  serverGroups?: ServerGroupSpec[];
  pools: PoolSpec[];
  /** Lifecycle hooks on the cluster's ASGs; default both. */
  hooks?: { launch: boolean; terminate: boolean };
  heartbeatTimeoutSeconds?: number;
}

export interface Cluster {
  imageId: string;
  /** The (first) server group. */
  serverGroup: string;
  /** Every server group, as specified. */
  serverGroups: string[];
  clientGroups: Record<string, string>;
  group(name: string): AutoScalingGroup;
}

export const IMAGE_NAME = 'hashistack-alpine-3.22-20260101';

/**
 * Create the cluster that exists at t0 — an AMI, launch templates, a server
 * ASG and one ASG per client pool, tagged and hooked as the README says —
 * with every instance InService and its agents already joined.
 */
export function buildCluster(sim: Simulation, spec: ClusterSpec): Cluster {
  const aws = sim.aws.api;
  const cfg = sim.deploy.stageConfig;
  const clusterName = String(cfg.clusterName);
  const hooks = spec.hooks ?? { launch: true, terminate: true };
  const heartbeatTimeout = spec.heartbeatTimeoutSeconds ?? 900;
  const lifecycleHooks = [
    ...(hooks.launch
      ? [{ name: String(cfg.launchHookName), transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' as const, heartbeatTimeout, defaultResult: 'CONTINUE' as const }]
      : []),
    ...(hooks.terminate
      ? [
          {
            name: String(cfg.terminateHookName),
            transition: 'autoscaling:EC2_INSTANCE_TERMINATING' as const,
            heartbeatTimeout,
            defaultResult: 'CONTINUE' as const,
          },
        ]
      : []),
  ];
  const image = aws.registerImage({ name: IMAGE_NAME, ownerId: 'self', architecture: 'arm64', tags: { 'hashistack:os': 'alpine' } });
  // The user's service alarms the stage gates upgrades on (config upgradeAlarms), as they exist in their account: OK.
  for (const name of Array.isArray(cfg.upgradeAlarms) ? cfg.upgradeAlarms.map(String) : []) {
    sim.cloudwatch.putAlarm({
      name,
      namespace: 'Hashistack/Services',
      metricName: '5xxErrorRate',
      threshold: 5,
      period: 60,
      state: 'OK',
      stateReason: 'Threshold Crossed: no datapoint above 5',
    });
  }
  const azs = [`${sim.deploy.region}a`, `${sim.deploy.region}b`, `${sim.deploy.region}c`];
  const tags = (role: string, pool: string, extra: Record<string, string | undefined> = {}) => [
    { key: 'hashistack:cluster', value: clusterName, propagateAtLaunch: true },
    { key: 'hashistack:role', value: role, propagateAtLaunch: true },
    { key: 'hashistack:pool', value: pool, propagateAtLaunch: true },
    ...Object.entries(extra)
      .filter((e): e is [string, string] => e[1] !== undefined)
      // The systems tag reaches the instances too: the node's agents are configured from it (its user data reads it).
      .map(([key, value]) => ({ key, value, propagateAtLaunch: key === 'hashistack:systems' })),
  ];

  // Launch templates carry the cluster tag: the upgrade's launch template writes are scoped to it.
  const templateTags = { 'hashistack:cluster': clusterName };
  const serverSpecs: ServerGroupSpec[] = spec.serverGroups ?? [{ name: '', servers: spec.servers }];
  const serverGroups: string[] = [];
  for (const g of serverSpecs) {
    const suffix = g.name ? `-${g.name}` : '';
    const serverTemplate = aws.createLaunchTemplate({
      name: `hashistack-server${suffix}`,
      imageId: image.imageId,
      instanceType: 'm6g.large',
      tags: templateTags,
    });
    const name = `${clusterName}-servers${suffix}`;
    serverGroups.push(name);
    aws.createAutoScalingGroup({
      name,
      minSize: g.servers,
      maxSize: g.servers + 1,
      desiredCapacity: g.servers,
      launchTemplate: { id: serverTemplate.id, version: '$Default' },
      availabilityZones: azs,
      tags: tags('server', `servers${suffix}`, { 'hashistack:systems': g.systems }),
      lifecycleHooks,
      bootstrapInService: true,
    });
  }
  const serverGroup = serverGroups[0] as string;

  const clientGroups: Record<string, string> = {};
  for (const pool of spec.pools) {
    const template = aws.createLaunchTemplate({
      name: `hashistack-client-${pool.name}`,
      imageId: image.imageId,
      instanceType: pool.instanceType ?? 'm6g.xlarge',
      tags: templateTags,
    });
    const name = `${clusterName}-clients-${pool.name}`;
    clientGroups[pool.name] = name;
    aws.createAutoScalingGroup({
      name,
      minSize: pool.minSize ?? 0,
      maxSize: pool.maxSize ?? pool.nodes * 3,
      desiredCapacity: pool.nodes,
      launchTemplate: { id: template.id, version: pool.launchTemplateVersion ?? '$Default' },
      availabilityZones: azs,
      tags: tags('client', pool.name, { 'hashistack:drain-deadline': pool.drainDeadline, 'hashistack:join-timeout': pool.joinTimeout }),
      lifecycleHooks,
      bootstrapInService: true,
      ...(pool.spot ? { spot: true } : {}),
      ...(pool.capacityRebalance ? { capacityRebalance: true } : {}),
      ...(pool.warmPool ? { warmPool: pool.warmPool } : {}),
    });
  }

  // Warm pool instances launched with the group are not part of the t0 cluster.
  const initial = aws.instances().filter((i) => (i.state === 'running' || i.state === 'pending') && !i.targetLifecycleState?.startsWith('Warmed:'));
  sim.hashistack.api.bootstrap(initial);

  return {
    imageId: image.imageId,
    serverGroup,
    serverGroups,
    clientGroups,
    group: (name) => {
      const g = aws.group(name);
      if (!g) throw new Error(`no group ${name}`);
      return g;
    },
  };
}

/** Lifecycle actions of a transition that have not ended yet. */
export function pendingActions(sim: Simulation, transition: 'LAUNCHING' | 'TERMINATING'): number {
  return sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith(transition) && a.result === null).length;
}

/** Executions still running. */
export function runningExecutions(sim: Simulation): number {
  return sim.sfn.list().filter((e) => e.status === 'RUNNING').length;
}

/** Whether every group is at its desired capacity with every member InService. */
export function groupsSteady(sim: Simulation): boolean {
  return sim.aws.api.groups().every((g) => {
    // Warm pool instances are not the group's; a pool whose instances are all warmed (or none) is steady.
    const members = g.members.filter((m) => !m.lifecycleState.startsWith('Warmed:'));
    const warmSettling = g.members.some((m) => m.lifecycleState.startsWith('Warmed:') && !/^Warmed:(Stopped|Running|Hibernated)$/.test(m.lifecycleState));
    return members.length === g.desiredCapacity && members.every((m) => m.lifecycleState === 'InService') && !warmSettling;
  });
}

/**
 * Resolve once nothing is in flight: every group steady, no pending lifecycle
 * action, no running execution. Rejects past `limitMs` of sim time.
 */
export async function settle(sim: Simulation, limitMs: number): Promise<void> {
  await sim.clock.until(
    () => groupsSteady(sim) && pendingActions(sim, 'LAUNCHING') === 0 && pendingActions(sim, 'TERMINATING') === 0 && runningExecutions(sim) === 0,
    limitMs,
  );
}
