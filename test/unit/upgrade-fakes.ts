/** Fake pools (Auto Scaling groups, launch template versions, images, executions, Nomad nodes) for the upgrade workflows' unit tests. */
import type { AutoScalingGroup, LifecycleState } from '@aws-sdk/client-auto-scaling';
import { vi } from 'vitest';
import type { ExecutionFacts } from '../../src/aws/sfn.js';
import type { AlarmStatus } from '../../src/aws/cloudwatch.js';
import type { NomadAllocation, NomadDeployment, NomadNodeStub } from '../../src/hashicorp/nomad/schemas.js';
import type { ClusterUpgradeDeps } from '../../src/workflows/cluster-upgrade/deps.js';

export const T0 = Date.parse('2026-01-05T09:00:00Z');
export const LT_ID = 'lt-0123456789abcdef0';
export const OLD_AMI = 'ami-0000000000000000a';
export const NEW_AMI = 'ami-0000000000000000b';
export const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:poolUpgrade:up-1';

export interface FakeMember {
  id: string;
  state: LifecycleState;
  version: number;
}

export interface FakeGroup {
  name: string;
  role: 'client' | 'server';
  pool: string;
  desired: number;
  min: number;
  max: number;
  /** The launch template version the group names ('$Latest', '$Default' or a number). */
  version: string;
  members: FakeMember[];
  tags: Record<string, string>;
}

export interface FakeNode {
  id: string;
  drain: boolean;
  eligible: boolean;
}

export interface UpgradeWorld {
  groups: FakeGroup[];
  /** Launch template versions → image. */
  versions: Map<number, string>;
  defaultVersion: number;
  images: Map<string, string>;
  /** Image architecture (x86_64 unless set). */
  architectures: Map<string, string>;
  /** The instance type every launch template version names. */
  instanceType: string;
  executions: Map<string, ExecutionFacts>;
  refreshes: Map<string, { id: string; status: string }[]>;
  /** Nomad nodes by instance id. */
  nodes: Map<string, FakeNode>;
  /** SSM parameters (the upgrade locks) by name. */
  parameters: Map<string, string>;
  /** CloudWatch alarms by name. */
  alarms: Map<string, AlarmStatus>;
  /** Allocations by Nomad node id. */
  allocations: Map<string, NomadAllocation[]>;
  /** What `GET /v1/deployments?namespace=*` answers. */
  deployments: NomadDeployment[];
  /** Milestone events put on the bus. */
  events: Array<{ source: string; detailType: string; detail: object }>;
  t: number;
}

/** A group of `n` InService members on version 1 (i-<name>-1 …), launching the template's `$Default`. */
export function fakeGroup(name: string, n: number, over: Partial<FakeGroup> = {}): FakeGroup {
  return {
    name,
    role: 'client',
    pool: name,
    desired: n,
    min: 0,
    max: n * 2 + 2,
    version: '$Default',
    members: Array.from({ length: n }, (_, i) => ({ id: `i-${name}-${i + 1}`, state: 'InService', version: 1 })),
    tags: {},
    ...over,
  };
}

export function upgradeFakes(groups: FakeGroup[]) {
  const w: UpgradeWorld = {
    groups,
    versions: new Map([[1, OLD_AMI]]),
    defaultVersion: 1,
    images: new Map([
      [OLD_AMI, 'available'],
      [NEW_AMI, 'available'],
    ]),
    architectures: new Map(),
    instanceType: 'm5.large',
    executions: new Map(),
    refreshes: new Map(),
    nodes: new Map(groups.flatMap((g) => g.members.map((m): [string, FakeNode] => [m.id, { id: `node-${m.id}`, drain: false, eligible: true }]))),
    parameters: new Map(),
    alarms: new Map(),
    allocations: new Map(),
    deployments: [],
    events: [],
    t: T0,
  };
  const find = (name: string): FakeGroup | undefined => w.groups.find((g) => g.name === name);
  const latest = (): number => Math.max(...w.versions.keys());
  const resolve = (ref: string): number | undefined => (ref === '$Latest' ? latest() : ref === '$Default' ? w.defaultVersion : Number(ref));
  const asAsg = (g: FakeGroup): AutoScalingGroup => ({
    AutoScalingGroupName: g.name,
    MinSize: g.min,
    MaxSize: g.max,
    DesiredCapacity: g.desired,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date(T0),
    LaunchTemplate: { LaunchTemplateId: LT_ID, LaunchTemplateName: 'nodes', Version: g.version },
    Instances: g.members.map((m) => ({
      InstanceId: m.id,
      AvailabilityZone: 'us-east-1a',
      LifecycleState: m.state,
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
      LaunchTemplate: { LaunchTemplateId: LT_ID, LaunchTemplateName: 'nodes', Version: String(m.version) },
    })),
    Tags: Object.entries({ 'hashistack:cluster': 'hashistack', 'hashistack:role': g.role, 'hashistack:pool': g.pool, ...g.tags }).map(([Key, Value]) => ({
      Key,
      Value,
    })),
  });
  const nodeStub = (instanceId: string, n: FakeNode): NomadNodeStub => ({
    ID: n.id,
    Name: instanceId,
    Datacenter: 'dc1',
    NodePool: 'default',
    NodeClass: '',
    Drain: n.drain,
    SchedulingEligibility: n.eligible ? 'eligible' : 'ineligible',
    Status: 'ready',
    LastDrain: null,
    CreateIndex: 1,
  });
  const byNodeId = (id: string): FakeNode | undefined => [...w.nodes.values()].find((n) => n.id === id);
  const nomadClient = {
    findNodeByInstanceId: vi.fn(async (instanceId: string) => {
      const n = w.nodes.get(instanceId);
      return n ? nodeStub(instanceId, n) : null;
    }),
    getNode: vi.fn(async () => {
      throw new Error('not used by the upgrade steps');
    }),
    setEligibility: vi.fn(async (nodeId: string, eligible: boolean) => {
      const n = byNodeId(nodeId);
      if (n) n.eligible = eligible;
    }),
    drainNode: vi.fn(async (nodeId: string) => {
      const n = byNodeId(nodeId);
      if (n) {
        n.drain = true;
        n.eligible = false;
      }
      return { index: 1 };
    }),
    nodeAllocations: vi.fn(async (nodeId: string) => w.allocations.get(nodeId) ?? []),
    deployments: vi.fn(async () => w.deployments),
    cancelDrain: vi.fn(async (nodeId: string, markEligible: boolean) => {
      const n = byNodeId(nodeId);
      if (n) {
        n.drain = false;
        if (markEligible) n.eligible = true;
      }
    }),
  };
  const deps = {
    config: {
      clusterName: 'hashistack',
      drainDeadlineMs: 3_600_000,
      joinTimeoutMs: 900_000,
      serverReplaceStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:serverReplace' as string | undefined,
      poolUpgradeStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:poolUpgrade' as string | undefined,
      vaultEnabled: true,
      amiFilter: { owners: ['self'], namePattern: 'ami-*', tags: {} as Record<string, string> },
      amiAllowedIds: [] as string[],
      upgradeAlarms: [] as string[],
      upgradeBakeTimeMs: 0,
      upgradeHealthTimeoutMs: 900_000,
    },
    now: () => w.t,
    cloudwatch: {
      describeAlarms: vi.fn(async (names: readonly string[]) => names.flatMap((n) => (w.alarms.has(n) ? [w.alarms.get(n) as AlarmStatus] : []))),
    },
    events: {
      putEvent: vi.fn(async (source: string, detailType: string, detail: object) => {
        w.events.push({ source, detailType, detail });
        return `event-${w.events.length}`;
      }),
    },
    autoscaling: {
      describeGroup: vi.fn(async (name: string) => {
        const g = find(name);
        return g ? asAsg(g) : undefined;
      }),
      describeGroupsByClusterTag: vi.fn(async () => w.groups.map(asAsg)),
      activeInstanceRefreshes: vi.fn(async (name: string) => w.refreshes.get(name) ?? []),
      setDesiredCapacity: vi.fn(async (name: string, desired: number) => {
        const g = find(name);
        if (g) g.desired = desired;
      }),
      terminateInstance: vi.fn(async (id: string, decrement: boolean) => {
        const g = w.groups.find((x) => x.members.some((m) => m.id === id));
        const m = g?.members.find((x) => x.id === id);
        if (!g || !m) return;
        m.state = 'Terminating:Wait';
        if (decrement) g.desired--;
      }),
    },
    ec2: {
      // Every fake image is the account's own (owner alias `self`), named after its id.
      describeImages: vi.fn(async (input: { imageIds?: string[]; owners?: string[]; filters?: { name: string; values: string[] }[] }) =>
        (input.imageIds ?? [])
          .filter((id) => w.images.has(id) && (input.owners === undefined || input.owners.includes('self')))
          .map((id) => ({
            imageId: id,
            name: id,
            state: w.images.get(id) ?? 'available',
            creationDate: '2026-01-01T00:00:00.000Z',
            ownerId: '123456789012',
            architecture: w.architectures.get(id) ?? 'x86_64',
            tags: {},
          })),
      ),
      describeLaunchTemplateVersions: vi.fn(async (_id: string, refs: string[]) =>
        refs.flatMap((ref) => {
          const n = resolve(ref);
          const imageId = n === undefined ? undefined : w.versions.get(n);
          return n === undefined || imageId === undefined
            ? []
            : [
                {
                  launchTemplateId: LT_ID,
                  launchTemplateName: 'nodes',
                  versionNumber: n,
                  imageId,
                  instanceType: w.instanceType,
                  defaultVersion: n === w.defaultVersion,
                },
              ];
        }),
      ),
      createLaunchTemplateVersion: vi.fn(async (_id: string, _source: string, imageId: string) => {
        const n = latest() + 1;
        w.versions.set(n, imageId);
        return n;
      }),
      // Graviton types (a "g" after the generation) are arm64, the others x86_64; an unknown name is undefined.
      instanceTypeArchitectures: vi.fn(async (type: string) => {
        const m = /^[a-z]+\d+([a-z-]*)\./.exec(type);
        return m ? [m[1]?.includes('g') ? 'arm64' : 'x86_64'] : undefined;
      }),
      setDefaultLaunchTemplateVersion: vi.fn(async (_id: string, version: number) => {
        w.defaultVersion = version;
      }),
    },
    sfn: {
      describeExecution: vi.fn(async (arn: string) => w.executions.get(arn)),
      startExecution: vi.fn(async (stateMachineArn: string, name: string, _input: unknown) => {
        const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        if (w.executions.has(executionArn)) return { started: false as const, reason: 'duplicate' as const };
        w.executions.set(executionArn, {
          executionArn,
          status: 'RUNNING',
          output: undefined,
          error: undefined,
          cause: undefined,
          startDate: new Date(w.t),
          stopDate: undefined,
        });
        return { started: true as const, executionArn };
      }),
    },
    // Parameter Store as the lock uses it: a create that fails on an existing name, reads, overwrites, deletes.
    ssm: {
      createParameterIfAbsent: vi.fn(async (name: string, value: string) => {
        if (w.parameters.has(name)) return false;
        w.parameters.set(name, value);
        return true;
      }),
      overwriteParameter: vi.fn(async (name: string, value: string) => {
        w.parameters.set(name, value);
      }),
      readParameter: vi.fn(async (name: string) => w.parameters.get(name)),
      deleteParameter: vi.fn(async (name: string) => {
        w.parameters.delete(name);
      }),
    },
    nomad: () => nomadClient,
  } satisfies ClusterUpgradeDeps;
  return { w, deps, nomad: nomadClient, find: (name: string) => find(name) as FakeGroup };
}
