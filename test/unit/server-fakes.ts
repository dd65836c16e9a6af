/** A fake server group (Nomad, Consul and Vault raft + autopilot, ASG, EC2) for the server workflows' unit tests. */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { vi } from 'vitest';
import type { LifecycleAction } from '../../src/events/lifecycle-action.js';
import type { DrainState } from '../../src/workflows/drain/state.js';
import type { ServerDeps } from '../../src/workflows/servers/deps.js';

export const T0 = Date.parse('2026-01-05T09:00:00Z');
export const ASG = 'servers';

export interface FakeServer {
  /** The EC2 instance id (Vault node_id by convention). */
  id: string;
  ip: string;
  leader?: boolean;
  healthy?: boolean;
  /** Autopilot's LastContact (Go duration); a stale one makes the server unhealthy for the guard. */
  lastContact?: string;
  voter?: boolean;
}

/** The fake cluster's state, changed by the tests between calls. */
export interface FakeWorld {
  servers: FakeServer[];
  /** Instances of the group in a Terminating* lifecycle state. */
  terminating: Set<string>;
  /** EC2 tags per instance (the guard's removal tag lands here). */
  tags: Map<string, Record<string, string>>;
  t: number;
}

const healthy = (s: FakeServer): boolean => s.healthy !== false;

export function serverFakes(servers: FakeServer[], terminating: string[] = []) {
  const w: FakeWorld = { servers, terminating: new Set(terminating), tags: new Map(), t: T0 + 60_000 };
  const hashiRaft = (port: number, prefix: string, name: (s: FakeServer) => string) => ({
    Index: 1,
    Servers: w.servers.map((s) => ({
      ID: `${prefix}-${s.id}`,
      Node: name(s),
      Address: `${s.ip}:${port}`,
      Leader: s.leader === true,
      Voter: s.voter !== false,
    })),
  });
  const hashiAutopilot = (port: number, prefix: string, name: (s: FakeServer) => string) => ({
    Healthy: w.servers.every(healthy),
    FailureTolerance: 0,
    Servers: w.servers.map((s) => ({
      ID: `${prefix}-${s.id}`,
      Name: name(s),
      Address: `${s.ip}:${port}`,
      SerfStatus: 'alive',
      Leader: s.leader === true,
      LastContact: s.leader ? '0s' : (s.lastContact ?? '10ms'),
      LastIndex: 100,
      Healthy: healthy(s),
      Voter: s.voter !== false,
    })),
  });
  const group = (): AutoScalingGroup => ({
    AutoScalingGroupName: ASG,
    MinSize: 0,
    MaxSize: 10,
    DesiredCapacity: w.servers.length,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date(T0),
    Instances: w.servers.map((s) => ({
      InstanceId: s.id,
      AvailabilityZone: 'us-east-1a',
      LifecycleState: w.terminating.has(s.id) ? 'Terminating:Wait' : 'InService',
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
    })),
  });
  const deps = {
    config: { clusterName: 'hashistack', serverQuorumWaitMs: 30 * 60_000, giveUpAfterMs: 30 * 60_000, vaultEnabled: true, vaultNodeId: 'instance-id' },
    now: () => w.t,
    nomad: {
      raftConfiguration: vi.fn(async () => hashiRaft(4647, 'n', (s) => `${s.id}.global`)),
      autopilotHealth: vi.fn(async () => hashiAutopilot(4647, 'n', (s) => `${s.id}.global`)),
      removeRaftPeer: vi.fn(async () => undefined),
      transferLeadership: vi.fn(async () => undefined),
      agentMembers: vi.fn(async () => ({ Members: [] })),
      forceLeave: vi.fn(async () => undefined),
    },
    consul: {
      raftConfiguration: vi.fn(async () => hashiRaft(8300, 'c', (s) => s.id)),
      autopilotHealth: vi.fn(async () => hashiAutopilot(8300, 'c', (s) => s.id)),
      removeRaftPeer: vi.fn(async () => undefined),
      forceLeave: vi.fn(async () => true),
      members: vi.fn(async () => []),
    },
    vault: {
      raftConfiguration: vi.fn(async () => ({
        servers: w.servers.map((s) => ({ node_id: s.id, address: `${s.ip}:8201`, leader: s.leader === true, voter: s.voter !== false })),
      })),
      autopilotState: vi.fn(async () => ({
        healthy: w.servers.every(healthy),
        failure_tolerance: 0,
        servers: Object.fromEntries(
          w.servers.map((s) => [
            s.id,
            {
              id: s.id,
              name: s.id,
              address: `${s.ip}:8201`,
              last_contact: s.leader ? '0s' : (s.lastContact ?? '10ms'),
              healthy: healthy(s),
              status: s.leader ? 'leader' : 'voter',
            },
          ]),
        ),
      })),
      removeRaftPeer: vi.fn(async () => undefined),
    },
    autoscaling: {
      describeGroup: vi.fn(async () => group()),
      recordLifecycleActionHeartbeat: vi.fn(async () => 'recorded' as const),
      setDesiredCapacity: vi.fn(async () => undefined),
      terminateInstance: vi.fn(async () => undefined),
    },
    ec2: {
      describeInstance: vi.fn(async (id: string) => {
        const s = w.servers.find((x) => x.id === id);
        return s ? { instanceId: id, privateIp: s.ip, state: 'running', tags: w.tags.get(id) ?? {} } : undefined;
      }),
      createTags: vi.fn(async (ids: string[], tags: Record<string, string>) => {
        for (const id of ids) w.tags.set(id, { ...w.tags.get(id), ...tags });
      }),
      describeLaunchTemplateVersions: vi.fn(async () => []),
    },
    ssm: {
      runShellScript: vi.fn<ServerDeps['ssm']['runShellScript']>(async () => ({ commandId: 'c1' })),
      waitForCommand: vi.fn<ServerDeps['ssm']['waitForCommand']>(async () => ({ status: 'Success', responseCode: 0, stdout: '', stderr: '' })),
    },
  } satisfies ServerDeps;
  return { w, deps };
}

/** The drain state of a terminating server as ServerGuard receives it. */
export function serverState(s: FakeServer): DrainState {
  const action: LifecycleAction = {
    kind: 'terminate',
    instanceId: s.id,
    asgName: ASG,
    hookName: 'hashistack-terminate',
    token: `tok-${s.id}`,
    eventTime: T0,
    eventId: `e-${s.id}`,
  };
  return {
    action,
    pool: {
      asgName: ASG,
      cluster: 'hashistack',
      role: 'server',
      pool: 'servers',
      nodePool: 'default',
      nodeClass: null,
      datacenter: 'dc1',
      drainDeadlineMs: null,
      joinTimeoutMs: null,
    },
    plan: 'server',
    giveUpAt: T0 + 30 * 60_000,
    nomadNodeId: `node-${s.id}`,
    consulNode: s.id,
    privateIp: s.ip,
    hook: { heartbeatTimeoutSec: 300, heartbeatLimitAt: T0 + 30_000_000 },
    drain: { deadlineNs: 0, waitMs: 0, index: 0, done: false, mode: null, hookFiredAt: T0, startedAt: null, doneAt: null },
    leaveBeforeCompletion: false,
    left: null,
  };
}

/** `n` healthy servers i-1 … i-n (10.0.0.1 …), the first the leader of every system. */
export const servers = (n: number, over: Record<number, Partial<FakeServer>> = {}): FakeServer[] =>
  Array.from({ length: n }, (_, i) => ({ id: `i-${i + 1}`, ip: `10.0.0.${i + 1}`, leader: i === 0, ...over[i + 1] }));
