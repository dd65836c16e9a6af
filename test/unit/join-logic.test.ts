import type { AutoScalingInstanceDetails } from '@aws-sdk/client-auto-scaling';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { PoolFacts } from '../../src/cluster/pool.js';
import type { LifecycleAction } from '../../src/events/lifecycle-action.js';
import type { ConsulCatalogNode, ConsulMember } from '../../src/hashicorp/consul/schemas.js';
import type { AutopilotHealth, NomadNodeStub } from '../../src/hashicorp/nomad/schemas.js';
import { getMetrics, MetricUnit } from '../../src/observability/metrics.js';
import { completeJoin } from '../../src/workflows/join/complete.js';
import type { JoinDeps } from '../../src/workflows/join/deps.js';
import { DIAGNOSTIC_SCRIPT, diagnoseJoin, parseSections } from '../../src/workflows/join/diagnose.js';
import { ACTION_NOT_ACTIVE, prepareJoin } from '../../src/workflows/join/prepare.js';
import { RETRY_JOIN_SECONDS, runJoin } from '../../src/workflows/join/run.js';
import type { JoinState } from '../../src/workflows/join/state.js';
import { watchJoin } from '../../src/workflows/join/watch.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const ID = 'i-0abc';
const asgInstance = (LifecycleState: string): AutoScalingInstanceDetails => ({
  InstanceId: ID,
  AutoScalingGroupName: 'clients',
  AvailabilityZone: 'us-east-1a',
  LifecycleState,
  HealthStatus: 'Healthy',
  ProtectedFromScaleIn: false,
});
const IP = '10.0.1.23';
const NAME = 'ip-10-0-1-23';
const action: LifecycleAction = {
  kind: 'launch',
  instanceId: ID,
  asgName: 'clients',
  hookName: 'hashistack-launch',
  token: 'tok',
  eventTime: T0,
  eventId: 'e',
};
const pool = (role: 'client' | 'server', over: Partial<PoolFacts> = {}): PoolFacts => ({
  asgName: 'clients',
  cluster: 'hashistack',
  role,
  pool: 'clients',
  nodePool: 'clients',
  nodeClass: null,
  datacenter: 'dc1',
  drainDeadlineMs: null,
  joinTimeoutMs: null,
  ...over,
});
const stub = (over: Partial<NomadNodeStub> = {}): NomadNodeStub => ({
  ID: 'n1',
  Name: NAME,
  Datacenter: 'dc1',
  NodePool: 'clients',
  NodeClass: '',
  Drain: false,
  SchedulingEligibility: 'eligible',
  Status: 'ready',
  LastDrain: null,
  CreateIndex: 5,
  ...over,
});
const apServer = (ID: string, Address: string, Leader: boolean, LastIndex: number, Healthy = true) => ({
  ID,
  Name: ID,
  Address,
  SerfStatus: 'alive',
  Leader,
  Healthy,
  Voter: true,
  LastIndex,
});

/** A fake cluster and AWS around one launching instance; `onBlock` lets a blocking read change the world. */
function fakes() {
  let t = T0 + 1000;
  const w = {
    consulNodes: [{ Node: NAME, Address: IP, TaggedAddresses: {}, Meta: { instance_id: ID } }] as ConsulCatalogNode[],
    members: [
      { Name: NAME, Addr: IP, Port: 8301, Tags: { role: 'node' }, Status: 1 },
      { Name: 'srv1', Addr: '10.0.0.10', Port: 8301, Tags: { role: 'consul' }, Status: 1 },
    ] as ConsulMember[],
    serf: 'passing',
    nomadNodes: [stub()],
    index: 10,
    onBlock: undefined as undefined | ((kind: string) => void),
    consulAp: {
      Healthy: true,
      FailureTolerance: 1,
      Servers: [apServer('c-self', `${IP}:8300`, false, 1000), apServer('c-lead', '10.0.0.10:8300', true, 1010)],
    } as AutopilotHealth,
    nomadAp: {
      Healthy: true,
      FailureTolerance: 1,
      Servers: [apServer('n-self', `${IP}:4647`, false, 500), apServer('n-lead', '10.0.0.10:4647', true, 505)],
    } as AutopilotHealth,
    vaultSelf: { id: ID, name: ID, address: `${IP}:8201`, healthy: true, status: 'voter', node_status: 'alive' },
  };
  const blocked = (kind: string, block: unknown): void => {
    if (block && w.onBlock) w.onBlock(kind);
  };
  const deps = {
    config: {
      clusterName: 'hashistack',
      joinTimeoutMs: 900_000,
      joinMode: 'auto' as 'auto' | 'ssm',
      vaultEnabled: true,
      vaultNodeId: 'instance-id' as 'instance-id' | 'hostname',
    },
    now: () => t,
    reads: {
      nomadNodesByInstanceId: vi.fn(async (_id: string, block?: unknown) => {
        blocked('nomad', block);
        return { value: w.nomadNodes, index: w.index };
      }),
      consulNodesByInstance: vi.fn(async (_id: string, _ip: string | null, block?: unknown) => {
        blocked('consul-catalog', block);
        return { value: w.consulNodes, index: w.index };
      }),
      consulNodeHealth: vi.fn(async (_n: string, block?: unknown) => {
        blocked('consul-health', block);
        return { value: [{ CheckID: 'serfHealth', Status: w.serf }], index: w.index };
      }),
    },
    consul: {
      members: vi.fn(async () => w.members),
      raftConfiguration: vi.fn(async () => ({
        Index: 1,
        Servers: [
          { ID: 'c-self', Node: NAME, Address: `${IP}:8300`, Leader: false, Voter: true },
          { ID: 'c-lead', Node: 'srv1', Address: '10.0.0.10:8300', Leader: true, Voter: true },
        ],
      })),
      autopilotHealth: vi.fn(async () => w.consulAp),
    },
    preflight: vi.fn(async () => []),
    nomad: {
      raftConfiguration: vi.fn(async () => ({
        Index: 1,
        Servers: [
          { ID: 'n-self', Node: `${NAME}.global`, Address: `${IP}:4647`, Leader: false, Voter: true },
          { ID: 'n-lead', Node: 'srv1.global', Address: '10.0.0.10:4647', Leader: true, Voter: true },
        ],
      })),
      autopilotHealth: vi.fn(async () => w.nomadAp),
    },
    vault: { autopilotState: vi.fn(async () => ({ healthy: w.vaultSelf.healthy, failure_tolerance: 1, servers: { [ID]: w.vaultSelf } })) },
    autoscaling: {
      describeLifecycleHooks: vi.fn(async () => [{ LifecycleHookName: 'hashistack-launch', HeartbeatTimeout: 600 }]),
      recordLifecycleActionHeartbeat: vi.fn(async () => 'recorded' as 'recorded' | 'not-active'),
      describeAutoScalingInstance: vi.fn(async (): Promise<AutoScalingInstanceDetails | undefined> => asgInstance('Pending:Wait')),
    },
    ec2: {
      describeInstance: vi.fn(async () => ({ instanceId: ID, privateIp: IP, state: 'running', tags: {} })),
      createTags: vi.fn(async () => undefined),
    },
    ssm: {
      runShellScript: vi.fn(
        async (_ids: string[], _lines: string[], _timeoutSec: number, _comment?: string) =>
          ({ commandId: 'c1' }) as { commandId: string } | { status: 'NodeUnreachable'; reason: string },
      ),
      waitForCommand: vi.fn(async () => ({ status: 'Success' as const, responseCode: 0, stdout: '', stderr: '' })),
    },
  } satisfies JoinDeps;
  return { w, deps, advance: (ms: number) => (t += ms) };
}

const plenty = (): number => 800_000;

// The metrics the workflow records, at the one place countMetric and secondsMetric store them.
let addMetric: MockInstance<ReturnType<typeof getMetrics>['addMetric']>;
beforeEach(() => {
  const metrics = getMetrics();
  addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
});
afterEach(() => addMetric.mockRestore());
const metricNames = (): string[] => addMetric.mock.calls.map(([name]) => name);

describe('join Prepare', () => {
  it('sets the deadline from the pool tag, else JOIN_TIMEOUT, and heartbeats once', async () => {
    const { deps } = fakes();
    const s = await prepareJoin({ action, pool: pool('client', { joinTimeoutMs: 300_000 }) }, deps);
    expect(s).toMatchObject({ next: 'watch', mode: 'auto', privateIp: IP, deadlineAt: T0 + 300_000, ended: null });
    expect(s.hook.heartbeatLimitAt).toBe(T0 + 60_000_000);
    expect(deps.autoscaling.recordLifecycleActionHeartbeat).toHaveBeenCalledOnce();
    expect((await prepareJoin({ action, pool: pool('client') }, deps)).deadlineAt).toBe(T0 + 900_000);
  });
  it('ssm mode starts with RunJoin', async () => {
    const { deps } = fakes();
    deps.config.joinMode = 'ssm';
    expect((await prepareJoin({ action, pool: pool('client') }, deps)).next).toBe('run-join');
  });
  it('an instance already Terminating ends cleanly (JoinAbortedTerminating), without a heartbeat', async () => {
    const { deps } = fakes();
    deps.autoscaling.describeAutoScalingInstance.mockResolvedValue(asgInstance('Terminating:Wait'));
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    expect(s).toMatchObject({ next: 'ended', ended: 'Auto Scaling lifecycle state Terminating:Wait' });
    expect(deps.autoscaling.recordLifecycleActionHeartbeat).not.toHaveBeenCalled();
    expect(addMetric).toHaveBeenCalledWith('JoinAbortedTerminating', MetricUnit.Count, 1);
  });
  it('an action already completed (heartbeat not-active) ends cleanly', async () => {
    const { deps } = fakes();
    deps.autoscaling.recordLifecycleActionHeartbeat.mockResolvedValue('not-active');
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    expect(s).toMatchObject({ next: 'ended', ended: ACTION_NOT_ACTIVE });
  });
});

describe('join gate: client', () => {
  it('Consul alive + Nomad ready, eligible, right pool → joined, instance tagged, no blocking query', async () => {
    const { deps } = fakes();
    const s = await watchJoin(await prepareJoin({ action, pool: pool('client') }, deps), deps, plenty);
    expect(s.next).toBe('joined');
    expect(s.gate.conditions.every((c) => c.ok)).toBe(true);
    expect(s.gate.conditions.map((c) => c.name)).toEqual(['consul-member', 'nomad-node', 'nomad-placement', 'nomad-ready', 'nomad-eligible']);
    expect(deps.ec2.createTags).toHaveBeenCalledWith([ID], { 'hashistack:nomad-node-id': 'n1', 'hashistack:consul-node': NAME });
    expect(s.timings).toMatchObject({ satisfiedAt: T0 + 1000, satisfiedExact: false });
    expect(deps.reads.nomadNodesByInstanceId).toHaveBeenCalledWith(ID);
  });
  it('wrong node pool → gate-failed at once (no waiting for the timeout), diagnosed and abandoned', async () => {
    const { w, deps } = fakes();
    w.nomadNodes = [stub({ NodePool: 'default' })];
    const s = await watchJoin(await prepareJoin({ action, pool: pool('client') }, deps), deps, plenty);
    expect(s.next).toBe('gate-failed');
    expect(s.gate.conditions.find((c) => c.name === 'nomad-placement')).toMatchObject({ ok: false, fatal: true });
    expect(deps.reads.nomadNodesByInstanceId.mock.calls.every((c) => c[1] === undefined)).toBe(true);
    const d = await diagnoseJoin(s, deps);
    expect(d.next).toBe('abandon');
    expect(d.error?.Error).toBe('NodeNeverJoined');
    const cause = JSON.parse(d.error?.Cause ?? '{}') as { reason: string; failed: string[] };
    expect(cause.reason).toBe('gate-failed');
    expect(cause.failed[0]).toMatch(/^nomad-placement: node n1: NodePool "default" \(want "clients"\)/);
  });
  it('Consul alive but Nomad missing → not joined; blocks on the Nomad node list, joined within moments of registration', async () => {
    const { w, deps, advance } = fakes();
    w.nomadNodes = [];
    w.onBlock = (kind) => {
      expect(kind).toBe('nomad');
      advance(40_000);
      w.index += 1;
      w.nomadNodes = [stub()];
    };
    const s = await watchJoin(await prepareJoin({ action, pool: pool('client') }, deps), deps, plenty);
    expect(deps.reads.nomadNodesByInstanceId).toHaveBeenCalledWith(ID, { index: 10, waitMs: 300_000 });
    expect(deps.reads.consulNodeHealth).not.toHaveBeenCalledWith(NAME, expect.anything());
    expect(s.next).toBe('joined');
    expect(s.timings).toMatchObject({ satisfiedAt: T0 + 41_000, satisfiedExact: true });
    expect(deps.autoscaling.recordLifecycleActionHeartbeat).toHaveBeenCalledTimes(2); // Prepare + after the blocking return
  });
  it('blocks on ONE condition at a time: Consul first, then Nomad initializing → ready', async () => {
    const { w, deps, advance } = fakes();
    w.serf = 'critical';
    w.nomadNodes = [stub({ Status: 'initializing' })];
    const seen: string[] = [];
    w.onBlock = (kind) => {
      seen.push(kind);
      advance(5_000);
      w.index += 1;
      if (kind === 'consul-health') w.serf = 'passing';
      else w.nomadNodes = [stub()];
    };
    const s = await watchJoin(await prepareJoin({ action, pool: pool('client') }, deps), deps, plenty);
    expect(seen).toEqual(['consul-health', 'nomad']);
    expect(s.next).toBe('joined');
  });
  it('a node still missing when the invocation runs short of time → watch again (state machine loops, no Wait)', async () => {
    const { w, deps } = fakes();
    w.nomadNodes = [];
    const s = await watchJoin(await prepareJoin({ action, pool: pool('client') }, deps), deps, () => 40_000);
    expect(s.next).toBe('watch');
    expect(s.gate.conditions.find((c) => c.name === 'nomad-node')?.ok).toBe(false);
  });
  it('blocking waits never pass the join deadline; at the deadline → timeout', async () => {
    const { w, deps, advance } = fakes();
    w.nomadNodes = [];
    const prepared = await prepareJoin({ action, pool: pool('client', { joinTimeoutMs: 120_000 }) }, deps);
    w.onBlock = () => advance(119_000);
    const s = await watchJoin(prepared, deps, plenty);
    expect(deps.reads.nomadNodesByInstanceId).toHaveBeenCalledWith(ID, { index: 10, waitMs: 119_000 });
    expect(s.next).toBe('timeout');
  });
});

describe('join gate: server', () => {
  const prep = async (deps: JoinDeps) => prepareJoin({ action, pool: pool('server') }, deps);
  it('voters, autopilot healthy, caught up, Vault healthy voter → joined (no Nomad client expected)', async () => {
    const { deps } = fakes();
    const s = await watchJoin(await prep(deps), deps, plenty);
    expect(s.next).toBe('joined');
    expect(s.gate.conditions.map((c) => c.name)).toEqual([
      'consul-member',
      'consul-voter',
      'consul-autopilot',
      'consul-caught-up',
      'nomad-voter',
      'nomad-autopilot',
      'nomad-caught-up',
      'vault-voter',
    ]);
    expect(deps.ec2.createTags).toHaveBeenCalledWith([ID], { 'hashistack:consul-node': NAME });
  });
  it('a dead peer (instance gone out of band) with a healthy quorum does not hold the new server back; without quorum it does', async () => {
    const { w, deps } = fakes();
    const dead = apServer('c-dead', '10.0.0.99:8300', false, 900);
    w.consulAp = { ...w.consulAp, Healthy: false, FailureTolerance: 0, Servers: [...w.consulAp.Servers, { ...dead, Healthy: false }] };
    const s = await watchJoin(await prep(deps), deps, plenty);
    expect(s.next).toBe('joined');
    expect(s.gate.conditions.find((c) => c.name === 'consul-autopilot')?.detail).toContain('2/3 voters healthy, quorum 2');
    const { w: w2, deps: deps2 } = fakes();
    w2.consulAp = {
      ...w2.consulAp,
      Healthy: false,
      Servers: [...w2.consulAp.Servers, { ...dead, Healthy: false }, { ...apServer('c-dead2', '10.0.0.98:8300', false, 900), Healthy: false }],
    };
    const blocked = await watchJoin(await prep(deps2), deps2, plenty);
    expect(blocked.gate.conditions.find((c) => c.name === 'consul-autopilot')?.ok).toBe(false);
  });
  it('Vault sealed (autopilot: node unhealthy) → not joined; polled through a Wait, not blocked on', async () => {
    const { w, deps } = fakes();
    w.vaultSelf = { ...w.vaultSelf, healthy: false };
    const s = await watchJoin(await prep(deps), deps, plenty);
    expect(s).toMatchObject({ next: 'poll', pollAfterSeconds: 5 });
    expect(s.gate.conditions.filter((c) => !c.ok).map((c) => c.name)).toEqual(['vault-voter']);
    const again = await watchJoin(s, deps, plenty);
    expect(again.pollAfterSeconds).toBe(10); // the poll interval grows
  });
  it('raft index lagging the leader → not joined', async () => {
    const { w, deps } = fakes();
    w.consulAp = { ...w.consulAp, Servers: [apServer('c-self', `${IP}:8300`, false, 100), apServer('c-lead', '10.0.0.10:8300', true, 5000)] };
    const s = await watchJoin(await prep(deps), deps, plenty);
    expect(s.next).toBe('poll');
    expect(s.gate.conditions.find((c) => c.name === 'consul-caught-up')).toMatchObject({ ok: false, detail: expect.stringContaining('lag 4900') });
  });
  it('not yet a Nomad raft voter → not joined', async () => {
    const { deps } = fakes();
    deps.nomad.raftConfiguration.mockResolvedValue({
      Index: 1,
      Servers: [{ ID: 'n-self', Node: `${NAME}.global`, Address: `${IP}:4647`, Leader: false, Voter: false }],
    });
    const s = await watchJoin(await prep(deps), deps, plenty);
    expect(s.gate.conditions.find((c) => c.name === 'nomad-voter')?.ok).toBe(false);
    expect(s.next).toBe('poll');
  });
});

describe('join timeout and diagnostics', () => {
  const SSM_OUT = [
    '### consul-status',
    ' * status: started',
    '### nomad-status',
    ' * status: stopped',
    '### consul-log',
    'line1',
    'line2',
    '### nomad-log',
    '==> Error starting agent: bad config',
  ].join('\n');
  it('past the deadline: diagnostics over SSM, failed conditions, NodeNeverJoined with a compact JSON cause, ABANDON', async () => {
    const { w, deps, advance } = fakes();
    w.nomadNodes = [];
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    advance(900_000);
    const timedOut = await watchJoin(s, deps, plenty);
    expect(timedOut.next).toBe('timeout');
    deps.ssm.waitForCommand.mockResolvedValue({ status: 'Success', responseCode: 0, stdout: SSM_OUT, stderr: '' });
    const d = await diagnoseJoin(timedOut, deps);
    expect(deps.ssm.runShellScript).toHaveBeenCalledWith([ID], [...DIAGNOSTIC_SCRIPT], 30, expect.any(String));
    expect(DIAGNOSTIC_SCRIPT).toEqual(
      expect.arrayContaining([
        'rc-service consul status 2>&1',
        'rc-service nomad status 2>&1',
        'tail -n 50 /var/log/consul/consul.log 2>&1',
        'tail -n 50 /var/log/nomad/nomad.log 2>&1',
      ]),
    );
    expect(d.diagnostics?.sections['nomad-status']).toBe(' * status: stopped');
    expect(d).toMatchObject({ next: 'abandon', error: { Error: 'NodeNeverJoined' } });
    const cause = JSON.parse(d.error?.Cause ?? '{}') as Record<string, unknown>;
    expect(cause).toMatchObject({
      instanceId: ID,
      reason: 'timeout',
      joinTimeoutSec: 900,
      ssm: { status: 'Success', nomad: ' * status: stopped', nomadLog: ['==> Error starting agent: bad config'] },
    });
    expect(cause.failed).toEqual([expect.stringMatching(/^nomad-node: no Nomad node/)]);

    const out = await completeJoin(
      { action, result: 'ABANDON', workflow: 'join', outcome: 'failed', error: d.error, timings: { hookFiredAt: T0 } },
      { autoscaling: { completeLifecycleAction: vi.fn(async () => 'completed' as const), recordLifecycleActionHeartbeat: vi.fn() }, now: deps.now },
    );
    expect(out).toEqual({ completion: 'completed', result: 'ABANDON', outcome: 'failed' });
    expect(addMetric).toHaveBeenCalledWith('NodeNeverJoined', MetricUnit.Count, 1);
    expect(metricNames()).not.toContain('Joined');
  });
  it('a node that never booted: NodeUnreachable recorded in the diagnostics and the cause', async () => {
    const { w, deps, advance } = fakes();
    w.consulNodes = [];
    w.nomadNodes = [];
    deps.ssm.runShellScript.mockResolvedValue({ status: 'NodeUnreachable', reason: 'InvalidInstanceId: Instances not in a valid state for account' });
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    advance(900_000);
    const d = await diagnoseJoin({ ...s, next: 'timeout' }, deps);
    expect(d.diagnostics).toEqual({ ssmStatus: 'NodeUnreachable', reason: 'InvalidInstanceId: Instances not in a valid state for account', sections: {} });
    const cause = JSON.parse(d.error?.Cause ?? '{}') as { ssm: { status: string }; failed: string[] };
    expect(cause.ssm.status).toBe('NodeUnreachable');
    expect(cause.failed.map((f) => f.split(':')[0])).toEqual(['consul-member', 'nomad-node']);
    expect(deps.ssm.waitForCommand).not.toHaveBeenCalled();
  });
  it('a cluster unreachable past the deadline times out instead of retrying forever', async () => {
    const { deps, advance } = fakes();
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    advance(900_000);
    const { ClusterUnreachable } = await import('../../src/errors/index.js');
    deps.reads.consulNodesByInstance.mockRejectedValue(new ClusterUnreachable('consul', 'no leader'));
    const t = await watchJoin(s, deps, plenty);
    expect(t.next).toBe('timeout');
    expect(t.gate.conditions[0]).toMatchObject({ name: 'cluster-reachable', ok: false });
  });
  it('parses the diagnostic sections', () => {
    expect(parseSections(SSM_OUT)).toEqual({
      'consul-status': ' * status: started',
      'nomad-status': ' * status: stopped',
      'consul-log': 'line1\nline2',
      'nomad-log': '==> Error starting agent: bad config',
    });
  });
});

describe('join ends cleanly', () => {
  it('instance terminated meanwhile (EC2 shutting-down) → ended, no cluster reads', async () => {
    const { deps } = fakes();
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    deps.ec2.describeInstance.mockResolvedValue({ instanceId: ID, privateIp: IP, state: 'shutting-down', tags: {} });
    const e = await watchJoin(s, deps, plenty);
    expect(e).toMatchObject({ next: 'ended', ended: 'EC2 state shutting-down' });
    expect(deps.reads.consulNodesByInstance).not.toHaveBeenCalled();
    expect(addMetric).toHaveBeenCalledWith('JoinAbortedTerminating', MetricUnit.Count, 1);
  });
  it('instance terminated before the diagnostics → ended, no NodeNeverJoined', async () => {
    const { deps } = fakes();
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    deps.autoscaling.describeAutoScalingInstance.mockResolvedValue(undefined);
    const e = await diagnoseJoin({ ...s, next: 'timeout' }, deps);
    expect(e.next).toBe('ended');
    expect(e.error).toBeUndefined();
    expect(deps.ssm.runShellScript).not.toHaveBeenCalled();
  });
  it('action completed meanwhile (heartbeat not-active after a blocking return) → ended', async () => {
    const { w, deps } = fakes();
    w.nomadNodes = [];
    const s = await prepareJoin({ action, pool: pool('client') }, deps);
    deps.autoscaling.recordLifecycleActionHeartbeat.mockResolvedValue('not-active');
    const e = await watchJoin(s, deps, plenty);
    expect(e).toMatchObject({ next: 'ended', ended: ACTION_NOT_ACTIVE });
  });
  it('Complete on an already-completed action succeeds and says so; Joined and gate latency recorded', async () => {
    const { deps } = fakes();
    const out = await completeJoin(
      {
        action,
        result: 'CONTINUE',
        workflow: 'join',
        outcome: 'joined',
        timings: { hookFiredAt: T0, startedAt: T0, doneAt: T0 + 500 },
        gate: { satisfiedAt: T0 + 500, exact: true },
      },
      { autoscaling: { completeLifecycleAction: vi.fn(async () => 'already-completed' as const), recordLifecycleActionHeartbeat: vi.fn() }, now: deps.now },
    );
    expect(out.completion).toBe('already-completed');
    expect(addMetric).toHaveBeenCalledWith('LifecycleActionGoneBeforeCompletion', MetricUnit.Count, 1);
    expect(addMetric).toHaveBeenCalledWith('Joined', MetricUnit.Count, 1);
    expect(addMetric).toHaveBeenCalledWith('JoinGateLatency', MetricUnit.Seconds, 0.5);
    expect(addMetric).toHaveBeenCalledWith('JoinLifecycleDuration', MetricUnit.Seconds, 1);
  });
});

describe('join through SSM (JOIN_MODE=ssm)', () => {
  const ssmState = async (deps: JoinDeps): Promise<JoinState> => {
    (deps.config as { joinMode: string }).joinMode = 'ssm';
    return prepareJoin({ action, pool: pool('client') }, deps);
  };
  it('runs consul join with the alive Consul servers and starts Nomad (OpenRC), then watches', async () => {
    const { deps } = fakes();
    const s = await runJoin(await ssmState(deps), deps);
    expect(deps.ssm.runShellScript).toHaveBeenCalledWith([ID], ['set -e', 'consul join 10.0.0.10:8301', 'rc-service nomad start'], 60, expect.any(String));
    expect(s).toMatchObject({ next: 'watch', join: { attempts: 1, lastResult: 'Success' } });
  });
  it('SSM agent not online yet (NodeUnreachable) → retry after a Wait that grows', async () => {
    const { deps } = fakes();
    deps.ssm.runShellScript.mockResolvedValue({ status: 'NodeUnreachable', reason: 'InvalidInstanceId' });
    const s = await runJoin(await ssmState(deps), deps);
    expect(s).toMatchObject({
      next: 'retry-join',
      pollAfterSeconds: RETRY_JOIN_SECONDS[0],
      join: { attempts: 1, lastResult: 'NodeUnreachable: InvalidInstanceId' },
    });
    expect((await runJoin(s, deps)).pollAfterSeconds).toBe(RETRY_JOIN_SECONDS[1]);
  });
  it('past the join deadline → timeout without another command', async () => {
    const { deps, advance } = fakes();
    const s = await ssmState(deps);
    advance(900_000);
    expect((await runJoin(s, deps)).next).toBe('timeout');
    expect(deps.ssm.runShellScript).not.toHaveBeenCalled();
  });
  it('never puts an unsafe member address into the shell line', async () => {
    const { w, deps } = fakes();
    w.members = [...w.members, { Name: 'evil', Addr: '1.2.3.4; rm -rf /', Port: 8301, Tags: { role: 'consul' }, Status: 1 }];
    await runJoin(await ssmState(deps), deps);
    expect(deps.ssm.runShellScript.mock.calls[0]?.[1]).toContain('consul join 10.0.0.10:8301');
  });
});
