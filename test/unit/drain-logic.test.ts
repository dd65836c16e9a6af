import { describe, expect, it, vi } from 'vitest';
import type { PoolFacts } from '../../src/cluster/pool.js';
import { GiveUp, LifecycleActionLost, NotFound, PermissionDenied } from '../../src/errors/index.js';
import type { LifecycleAction } from '../../src/events/lifecycle-action.js';
import type { NomadNode } from '../../src/hashicorp/nomad/schemas.js';
import type { DrainDeps } from '../../src/workflows/drain/deps.js';
import { leaveCluster } from '../../src/workflows/drain/leave.js';
import { cleanupAfterTermination, purgeNomadNode } from '../../src/workflows/drain/cleanup.js';
import { prepareDrain } from '../../src/workflows/drain/prepare.js';
import { DrainStateSchema } from '../../src/workflows/drain/state.js';
import { HOOK_LIMIT_MARGIN_MS, startDrain } from '../../src/workflows/drain/start.js';
import { watchDrain } from '../../src/workflows/drain/watch.js';
import { type RouterDeps, routeLifecycleEvent } from '../../src/workflows/router/route.js';
import { terminateEvent } from './helpers.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const action: LifecycleAction = {
  kind: 'terminate',
  instanceId: 'i-0abc',
  asgName: 'clients',
  hookName: 'hashistack-terminate',
  token: 'tok',
  eventTime: T0,
  eventId: 'e',
};
const pool = (role: 'client' | 'server'): PoolFacts => ({
  asgName: 'clients',
  cluster: 'hashistack',
  role,
  pool: 'clients',
  nodePool: 'clients',
  nodeClass: null,
  datacenter: 'dc1',
  drainDeadlineMs: 600_000,
  joinTimeoutMs: null,
});
const nomadNode = (over: Partial<NomadNode> = {}): NomadNode => ({
  ID: 'n1',
  Name: 'ip-10-0-1-23',
  Attributes: {},
  Meta: {},
  DrainStrategy: null,
  SchedulingEligibility: 'eligible',
  Status: 'ready',
  LastDrain: null,
  Events: [],
  ...over,
});

function fakes(over: { nomadFound?: boolean; consulFound?: boolean; node?: NomadNode } = {}) {
  let t = T0 + 1000;
  const deps = {
    config: { clusterName: 'hashistack', drainDeadlineMs: 3_600_000, giveUpAfterMs: 1_800_000, purgeNomadNode: true },
    now: () => t,
    sleep: vi.fn(async () => undefined),
    preflight: vi.fn(async () => []),
    nomad: {
      findNodeByInstanceId: vi.fn(async () =>
        over.nomadFound === false
          ? null
          : { ID: 'n1', Name: 'ip-10-0-1-23', Drain: false, SchedulingEligibility: 'eligible', Status: 'ready', LastDrain: null },
      ),
      getNode: vi.fn(async () => ({ node: over.node ?? nomadNode(), index: 10 })),
      setEligibility: vi.fn(async () => undefined),
      drainNode: vi.fn(async () => ({ index: 11 })),
      purgeNode: vi.fn(async () => true),
      nodeAllocations: vi.fn<DrainDeps['nomad']['nodeAllocations']>(async () => []),
    },
    consul: {
      findNodeByInstanceId: vi.fn(async () =>
        over.consulFound === false ? null : { Node: 'ip-10-0-1-23', Address: '10.0.1.23', TaggedAddresses: {}, Meta: {} },
      ),
      members: vi.fn(async () => [{ Name: 'ip-10-0-1-23', Addr: '10.0.1.23', Port: 8301, Tags: {}, Status: 1 }]),
      forceLeave: vi.fn(async () => true),
    },
    autoscaling: {
      describeLifecycleHooks: vi.fn(async () => [{ LifecycleHookName: 'hashistack-terminate', HeartbeatTimeout: 300 }]),
      recordLifecycleActionHeartbeat: vi.fn(async () => 'recorded' as const),
      completeLifecycleAction: vi.fn(async () => 'completed' as const),
    },
    ec2: { describeInstance: vi.fn(async () => ({ instanceId: 'i-0abc', privateIp: '10.0.1.23', state: 'running', tags: {} })) },
    ssm: {
      runShellScript: vi.fn<DrainDeps['ssm']['runShellScript']>(async () => ({ commandId: 'c1' })),
    },
  } satisfies DrainDeps;
  return { deps, advance: (ms: number) => (t += ms) };
}

describe('Prepare', () => {
  it('plans a client drain with the pool deadline and a bounded wait', async () => {
    const { deps } = fakes();
    const s = await prepareDrain({ action, pool: pool('client') }, deps);
    expect(s).toMatchObject({ plan: 'client', nomadNodeId: 'n1', consulNode: 'ip-10-0-1-23', privateIp: '10.0.1.23', giveUpAt: T0 + 1000 + 1_800_000 });
    expect(s.drain).toMatchObject({ deadlineNs: 600_000 * 1e6, waitMs: 150_000, done: false });
    expect(s.hook.heartbeatLimitAt).toBe(T0 + 30_000_000); // 100 × 300 s
  });
  it('nothing joined → complete at once', async () => {
    const { deps } = fakes({ nomadFound: false, consulFound: false });
    const s = await prepareDrain({ action, pool: pool('client') }, deps);
    expect(s.plan).toBe('nothing-joined');
    expect(s.drain.done).toBe(true);
  });
  it('a server is planned as server, never as client (even with a Nomad node)', async () => {
    const { deps } = fakes();
    const s = await prepareDrain({ action, pool: pool('server') }, deps);
    expect(s.plan).toBe('server');
  });
  it('an ACL-filtered Consul lookup with no Nomad node is PermissionDenied, never nothing-joined', async () => {
    const { deps } = fakes({ nomadFound: false });
    deps.consul.findNodeByInstanceId.mockRejectedValue(new PermissionDenied('consul', 'catalog nodes: results filtered by ACLs'));
    await expect(prepareDrain({ action, pool: pool('client') }, deps)).rejects.toBeInstanceOf(PermissionDenied);
  });
  it('a Consul token without node:read: the Nomad node is still drained, then LeaveCluster fails loudly', async () => {
    const { deps } = fakes();
    deps.preflight.mockResolvedValue([{ system: 'consul', missing: 'node:read', workflows: ['drain-client'], detail: 'token lacks node:read' }] as never);
    const s = await prepareDrain({ action, pool: pool('client') }, deps);
    expect(s).toMatchObject({ plan: 'client', nomadNodeId: 'n1', consulNode: null });
    expect(s.consulUnreadable).toMatch(/node:read/);
    expect(s.leaveBeforeCompletion).toBe(true);
    await expect(leaveCluster(s, deps)).rejects.toBeInstanceOf(PermissionDenied);
    expect(deps.ssm.runShellScript).not.toHaveBeenCalled();
    // A drain started before leaveBeforeCompletion existed (a deploy mid-drain) carries no flag: still parsed, still loud.
    const { leaveBeforeCompletion: _, ...older } = s;
    await expect(leaveCluster(DrainStateSchema.parse(older), deps)).rejects.toBeInstanceOf(PermissionDenied);
  });
  it('a Nomad token that cannot read allocations still drains, and the drain ends WorkUnverified, never "nothing lost"', async () => {
    const { deps, advance } = fakes();
    deps.preflight.mockResolvedValue([{ system: 'nomad', missing: 'namespace:read', workflows: ['drain-client'], detail: 'x' }] as never);
    const prepared = await prepareDrain({ action, pool: pool('client') }, deps);
    expect(prepared.allocationsUnreadable).toMatch(/namespace:read/);
    const started = await startDrain(prepared, deps);
    expect(deps.nomad.drainNode).toHaveBeenCalledTimes(1);
    deps.nomad.getNode.mockImplementation(async () => {
      advance(10_000);
      return {
        node: nomadNode({ LastDrain: { Status: 'complete' }, Events: [{ Subsystem: 'Drain', Message: 'Node drain complete', Details: {} }] }),
        index: 30,
      };
    });
    // What a filtered read answers: nothing.
    deps.nomad.nodeAllocations.mockResolvedValue([]);
    const s = await watchDrain(started, deps, () => 800_000);
    expect(s.drain.done).toBe(true);
    expect(s.drain.workLost).toMatchObject({ error: 'WorkUnverified', allocations: [] });
    expect(s.drain.workLost?.cause).toMatch(/cannot read allocations .*namespace:read/);
  });
  it('a missing Nomad grant stops the drain at Prepare, before anything is touched', async () => {
    const { deps } = fakes();
    deps.preflight.mockResolvedValue([{ system: 'nomad', missing: 'node:write', workflows: ['drain-client'], detail: 'x' }] as never);
    await expect(prepareDrain({ action, pool: pool('client') }, deps)).rejects.toBeInstanceOf(PermissionDenied);
  });
  it('the filter lookups find nothing but EC2 tags the node the join gate saw: the tagged Nomad node is drained', async () => {
    const { deps } = fakes({ nomadFound: false, consulFound: false });
    deps.ec2.describeInstance.mockResolvedValue({ instanceId: 'i-0abc', privateIp: '10.0.1.23', state: 'running', tags: { 'hashistack:nomad-node-id': 'n1' } });
    expect(await prepareDrain({ action, pool: pool('client') }, deps)).toMatchObject({ plan: 'client', nomadNodeId: 'n1' });
    deps.nomad.getNode.mockRejectedValue(new NotFound('nomad', 'node not found'));
    expect((await prepareDrain({ action, pool: pool('client') }, deps)).plan).toBe('nothing-joined');
  });
  it('gives up when the hook fired more than GIVE_UP_AFTER ago', async () => {
    const { deps, advance } = fakes();
    advance(1_800_001);
    await expect(prepareDrain({ action, pool: pool('client') }, deps)).rejects.toBeInstanceOf(GiveUp);
  });
});

describe('StartDrain', () => {
  it('marks ineligible and drains with IgnoreSystemJobs', async () => {
    const { deps } = fakes();
    const s = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.autoscaling.recordLifecycleActionHeartbeat).toHaveBeenCalledOnce();
    expect(deps.nomad.setEligibility).toHaveBeenCalledWith('n1', false);
    expect(deps.nomad.drainNode).toHaveBeenCalledWith('n1', { deadlineNs: 600_000 * 1e6, ignoreSystemJobs: true }, expect.any(Object));
    expect(s.drain).toMatchObject({ mode: 'started', index: 11, done: false });
  });
  it('already draining → no new drain, just watch', async () => {
    const { deps } = fakes({ node: nomadNode({ DrainStrategy: { Deadline: 1 }, SchedulingEligibility: 'ineligible' }) });
    const s = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.nomad.drainNode).not.toHaveBeenCalled();
    expect(s.drain).toMatchObject({ mode: 'already-draining', done: false, index: 10 });
  });
  it('already drained → done without a new drain (a retried task repeats no side effect)', async () => {
    const { deps } = fakes({ node: nomadNode({ LastDrain: { Status: 'complete' }, SchedulingEligibility: 'ineligible' }) });
    const s = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.nomad.drainNode).not.toHaveBeenCalled();
    expect(s.drain).toMatchObject({ mode: 'already-drained', done: true });
  });
  it('throws GiveUp past giveUpAt', async () => {
    const { deps, advance } = fakes();
    const s = await prepareDrain({ action, pool: pool('client') }, deps);
    advance(1_800_001);
    await expect(startDrain(s, deps)).rejects.toThrowError(GiveUp);
  });
  it("caps the deadline to end before the hook's global limit (minus the leave/completion margin)", async () => {
    const { deps } = fakes();
    deps.autoscaling.describeLifecycleHooks.mockResolvedValue([{ LifecycleHookName: 'hashistack-terminate', HeartbeatTimeout: 6 }]); // limit: 600 s after the hook fired
    const long = { ...pool('client'), drainDeadlineMs: 7_200_000 };
    const s = await startDrain(await prepareDrain({ action, pool: { ...long } }, deps), deps);
    const expected = Math.max(1_000, T0 + 600_000 - (T0 + 1000) - HOOK_LIMIT_MARGIN_MS) * 1e6;
    expect(deps.nomad.drainNode).toHaveBeenCalledWith('n1', { deadlineNs: expected, ignoreSystemJobs: true }, expect.any(Object));
    expect(s.drain).toMatchObject({ deadlineNs: expected, deadlineCappedFromNs: 7_200_000 * 1e6 });
  });
  it('a lifecycle action no longer active before the drain starts fails loudly (LifecycleActionLost), nothing drained', async () => {
    const { deps } = fakes();
    deps.autoscaling.recordLifecycleActionHeartbeat.mockResolvedValue('not-active' as never);
    await expect(startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps)).rejects.toBeInstanceOf(LifecycleActionLost);
    expect(deps.nomad.drainNode).not.toHaveBeenCalled();
  });
});

describe('WatchDrain', () => {
  it('blocks with the index until DrainStrategy is null, heartbeating between returns', async () => {
    const { deps, advance } = fakes();
    const started = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    let calls = 0;
    deps.nomad.getNode.mockImplementation(async () => {
      calls++;
      advance(150_000);
      return { node: nomadNode(calls < 3 ? { DrainStrategy: { Deadline: 1 } } : { LastDrain: { Status: 'complete' } }), index: 20 + calls };
    });
    const s = await watchDrain(started, deps, () => 800_000);
    expect(deps.nomad.getNode).toHaveBeenNthCalledWith(2, 'n1', { index: 11, waitMs: 150_000 });
    expect(deps.nomad.getNode).toHaveBeenLastCalledWith('n1', { index: 22, waitMs: 150_000 });
    expect(s.drain).toMatchObject({ done: true, index: 23 });
    expect(s.giveUpAt).toBe(deps.now() + 1_800_000);
    expect(deps.autoscaling.recordLifecycleActionHeartbeat).toHaveBeenCalledTimes(3); // start + 2 watch returns
  });
  it('the action expiring while the node still drains is LifecycleActionLost, never success', async () => {
    const { deps } = fakes({ node: nomadNode({ DrainStrategy: { Deadline: 1 } }) });
    const started = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    deps.autoscaling.recordLifecycleActionHeartbeat.mockResolvedValue('not-active' as never);
    await expect(watchDrain(started, deps, () => 800_000)).rejects.toThrowError(/no longer active while Nomad node n1 still drains/);
  });
  it('a drain that ended at its deadline names what Nomad stopped then, and migrations with no replacement (not those replaced, not system jobs)', async () => {
    const { deps, advance } = fakes();
    const started = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    const deadline = T0 + 601_000;
    deps.nomad.getNode.mockImplementation(async () => {
      advance(600_000);
      return {
        node: nomadNode({
          LastDrain: { Status: 'complete' },
          Events: [{ Subsystem: 'Drain', Message: 'Node drain complete', Details: { deadline_reached: 'true' }, Timestamp: new Date(deadline).toISOString() }],
        }),
        index: 30,
      };
    });
    const alloc = (id: string, job: string, type: string, modifiedAt: number, next = 'r-1') => ({
      ID: id,
      JobID: job,
      Job: { Type: type },
      TaskGroup: 'web',
      ClientStatus: 'complete',
      DesiredStatus: 'stop',
      ModifyTime: modifiedAt * 1e6,
      DesiredTransition: { Migrate: true },
      NextAllocation: next,
    });
    deps.nomad.nodeAllocations.mockResolvedValue([
      alloc('a-migrated', 'api', 'service', deadline - 300_000),
      alloc('a-unplaced', 'api', 'service', deadline - 200_000, ''),
      alloc('a-killed', 'api', 'service', deadline + 5_000),
      alloc('a-system', 'logs', 'system', deadline + 5_000, ''),
    ]);
    const s = await watchDrain(started, deps, () => 800_000);
    expect(s.drain.workLost?.allocations).toEqual([
      { id: 'a-unplaced', jobId: 'api', taskGroup: 'web', reason: 'no-room' },
      { id: 'a-killed', jobId: 'api', taskGroup: 'web', reason: 'drain-deadline' },
    ]);
    expect(s.drain.workLost?.cause).toContain('a-killed job=api group=web (drain-deadline)');
  });
  it('a drain that finished by itself with every migration replaced reports no lost work', async () => {
    const { deps, advance } = fakes();
    const started = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    deps.nomad.getNode.mockImplementation(async () => {
      advance(10_000);
      return {
        node: nomadNode({ LastDrain: { Status: 'complete' }, Events: [{ Subsystem: 'Drain', Message: 'Node drain complete', Details: {} }] }),
        index: 30,
      };
    });
    deps.nomad.nodeAllocations.mockResolvedValue([
      {
        ID: 'a1',
        JobID: 'api',
        Job: { Type: 'service' },
        TaskGroup: 'web',
        ClientStatus: 'complete',
        DesiredStatus: 'stop',
        DesiredTransition: { Migrate: true },
        NextAllocation: 'a2',
      },
    ]);
    const s = await watchDrain(started, deps, () => 800_000);
    expect(s.drain).toMatchObject({ done: true, workLost: null });
  });
  it('work displaced with no room for it is reported while the drain still runs (once), not at the deadline', async () => {
    const { deps, advance } = fakes();
    const started = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    deps.nomad.getNode.mockImplementation(async () => {
      advance(150_000);
      return { node: nomadNode({ DrainStrategy: { Deadline: 1 } }), index: 30 };
    });
    deps.nomad.nodeAllocations.mockResolvedValue([
      {
        ID: 'a1',
        JobID: 'api',
        Job: { Type: 'service' },
        TaskGroup: 'web',
        ClientStatus: 'complete',
        DesiredStatus: 'stop',
        DesiredTransition: { Migrate: true },
        NextAllocation: '',
      },
    ]);
    const end = deps.now() + 400_000;
    const s = await watchDrain(started, deps, () => end - deps.now());
    expect(s.drain).toMatchObject({ done: false, blocked: [{ id: 'a1', jobId: 'api', taskGroup: 'web', reason: 'no-room' }] });
    expect(deps.nomad.nodeAllocations).toHaveBeenCalledOnce();
  });
  it('returns not done when the invocation runs short of time', async () => {
    const { deps } = fakes({ node: nomadNode({ DrainStrategy: { Deadline: 1 } }) });
    const started = await startDrain(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    const s = await watchDrain(started, deps, () => 40_000);
    expect(s.drain.done).toBe(false);
  });
});

describe('LeaveCluster', () => {
  it('sends the graceful leave and does not wait for it: the lifecycle action needs only the drain', async () => {
    const { deps } = fakes();
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(s.left).toEqual({ method: 'leave-sent', purged: false });
    expect(deps.ssm.runShellScript).toHaveBeenCalledTimes(1);
    expect(deps.consul.members).toHaveBeenCalledTimes(1);
    expect(deps.consul.forceLeave).not.toHaveBeenCalled();
    expect(deps.nomad.purgeNode).not.toHaveBeenCalled();
  });
  it('Prepare: the leave follows the completion, except for a Spot interruption', async () => {
    const { deps } = fakes();
    expect((await prepareDrain({ action, pool: pool('client') }, deps)).leaveBeforeCompletion).toBe(false);
    const notice = { kind: 'spot-interruption' as const, reclaimAt: deps.now() + 120_000 };
    expect((await prepareDrain({ action, pool: pool('client'), notice }, deps)).leaveBeforeCompletion).toBe(true);
  });
  it('after the completion the leave never throws (and never gives up): a failure is left to Cleanup, which watches the member', async () => {
    const { deps } = fakes();
    const s = await prepareDrain({ action, pool: pool('client') }, deps);
    deps.ssm.runShellScript.mockRejectedValue(new PermissionDenied('ssm', 'AccessDenied: ssm:SendCommand'));
    const left = await leaveCluster({ ...s, giveUpAt: 0 }, deps);
    expect(left.left).toEqual({ method: 'leave-failed', purged: false });
    deps.consul.members.mockReset().mockResolvedValue([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 4 }]);
    deps.nomad.getNode.mockResolvedValue({ node: nomadNode({ Status: 'down' }), index: 12 });
    await cleanupAfterTermination(left, deps, () => 300_000);
    expect(deps.consul.forceLeave).toHaveBeenCalledWith('ip-10-0-1-23', true);
  });
  it('Cleanup without a recorded leave (its task never returned): the member is still seen out', async () => {
    const { deps } = fakes();
    const s = await prepareDrain({ action, pool: pool('client') }, deps);
    deps.consul.members.mockReset().mockResolvedValue([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 4 }]);
    deps.nomad.getNode.mockResolvedValue({ node: nomadNode({ Status: 'down' }), index: 12 });
    await cleanupAfterTermination({ ...s, left: null }, deps, () => 300_000);
    expect(deps.consul.forceLeave).toHaveBeenCalledWith('ip-10-0-1-23', true);
  });
  it('before the completion (Spot interruption) the leave still gives up past giveUpAt', async () => {
    const { deps } = fakes();
    const notice = { kind: 'spot-interruption' as const, reclaimAt: deps.now() + 120_000 };
    const s = await prepareDrain({ action, pool: pool('client'), notice }, deps);
    await expect(leaveCluster({ ...s, giveUpAt: deps.now() - 1 }, deps)).rejects.toBeInstanceOf(GiveUp);
  });
  it('a Spot interruption waits for the leave before the completion (the reclaim comes whatever happens; no Cleanup later)', async () => {
    const { deps } = fakes();
    const notice = { kind: 'spot-interruption' as const, reclaimAt: deps.now() + 120_000 };
    deps.consul.members
      .mockReset()
      .mockResolvedValueOnce([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 1 }])
      .mockResolvedValueOnce([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 2 }])
      .mockResolvedValue([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 3 }]);
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client'), notice }, deps), deps);
    expect(s.left).toEqual({ method: 'left-before-reclaim', purged: false });
    expect(deps.sleep).toHaveBeenCalledTimes(2);
    expect(deps.consul.forceLeave).not.toHaveBeenCalled();
  });
  it('Cleanup after a sent leave: the member left gracefully → nothing forced', async () => {
    const { deps } = fakes();
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    deps.consul.members
      .mockReset()
      .mockResolvedValueOnce([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 2 }])
      .mockResolvedValue([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 3 }]);
    deps.nomad.getNode.mockResolvedValue({ node: nomadNode({ Status: 'down' }), index: 12 });
    const cleaned = await cleanupAfterTermination(s, deps, () => 300_000);
    expect(deps.consul.members).toHaveBeenCalledTimes(2);
    expect(deps.consul.forceLeave).not.toHaveBeenCalled();
    expect(cleaned.left).toEqual({ method: 'leave-sent', purged: true });
  });
  it('Cleanup after a sent leave: the instance went before the script ran (member alive, then failed) → forced out with prune, never while alive', async () => {
    const { deps } = fakes();
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.consul.forceLeave).not.toHaveBeenCalled();
    deps.consul.members
      .mockReset()
      .mockResolvedValueOnce([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 1 }])
      .mockResolvedValue([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 4 }]);
    deps.nomad.getNode.mockResolvedValue({ node: nomadNode({ Status: 'down' }), index: 12 });
    const cleaned = await cleanupAfterTermination(s, deps, () => 300_000);
    expect(deps.consul.forceLeave).toHaveBeenCalledTimes(1);
    expect(deps.consul.forceLeave).toHaveBeenCalledWith('ip-10-0-1-23', true);
    expect(cleaned.left).toEqual({ method: 'leave-sent', purged: true });
  });
  it('a member that already failed is forced out at once, with prune', async () => {
    const { deps } = fakes();
    deps.consul.members.mockResolvedValue([{ Name: 'ip-10-0-1-23', Addr: '', Port: 8301, Tags: {}, Status: 4 }]);
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.ssm.runShellScript).not.toHaveBeenCalled();
    expect(deps.consul.forceLeave).toHaveBeenCalledWith('ip-10-0-1-23', true);
    expect(s.left?.method).toBe('force-leave');
  });
  it('node unreachable through SSM, member alive → force-leave deferred until it failed', async () => {
    const { deps } = fakes();
    deps.ssm.runShellScript.mockResolvedValue({ status: 'NodeUnreachable', reason: 'InvalidInstanceId' });
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.consul.forceLeave).not.toHaveBeenCalled();
    expect(s.left).toEqual({ method: 'force-leave-after-termination', purged: false });
  });
  it('already left → no SSM command again (idempotent)', async () => {
    const { deps } = fakes({ node: nomadNode({ Status: 'down' }) });
    deps.consul.members.mockResolvedValue([]);
    const s = await leaveCluster(await prepareDrain({ action, pool: pool('client') }, deps), deps);
    expect(deps.ssm.runShellScript).not.toHaveBeenCalled();
    expect(s.left).toEqual({ method: 'already-gone', purged: false });
  });
});

describe('Cleanup: Nomad purge', () => {
  it('waits (blocking) until Nomad reports the node down, then purges it', async () => {
    const { deps } = fakes();
    deps.nomad.getNode
      .mockResolvedValueOnce({ node: nomadNode({ Status: 'ready' }), index: 10 })
      .mockResolvedValueOnce({ node: nomadNode({ Status: 'down' }), index: 11 });
    const s = await purgeNomadNode(await prepareDrain({ action, pool: pool('client') }, deps), deps, () => 300_000);
    expect(deps.nomad.getNode).toHaveBeenLastCalledWith('n1', expect.objectContaining({ index: 10 }));
    expect(deps.nomad.purgeNode).toHaveBeenCalledWith('n1');
    expect(s.left?.purged).toBe(true);
  });
  it('never purges a node that is not down (its agent would register it again)', async () => {
    const { deps } = fakes();
    deps.nomad.getNode.mockResolvedValue({ node: nomadNode({ Status: 'ready' }), index: 10 });
    const s = await purgeNomadNode(await prepareDrain({ action, pool: pool('client') }, deps), deps, () => 44_000);
    expect(deps.nomad.purgeNode).not.toHaveBeenCalled();
    expect(s.left?.purged).toBe(false);
  });
});

describe('router', () => {
  const config = {
    clusterName: 'hashistack',
    launchHookName: 'hashistack-launch',
    terminateHookName: 'hashistack-terminate',
    drainStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:drain',
    joinStateMachineArn: undefined,
  };
  const group = (cluster: string) => ({
    AutoScalingGroupName: 'clients',
    Tags: [
      { Key: 'hashistack:cluster', Value: cluster },
      { Key: 'hashistack:role', Value: 'client' },
    ],
  });
  const routerDeps = (cluster: string, startExecution: RouterDeps['startExecution']) =>
    ({
      config,
      describeGroup: vi.fn(async () => group(cluster)),
      describeAutoScalingInstance: vi.fn(async () => undefined),
      startExecution,
      listExecutions: vi.fn(async () => []),
      stopExecution: vi.fn(async () => undefined),
      describeExecution: vi.fn(async () => undefined),
    }) satisfies RouterDeps;
  it('starts a drain with a deterministic name; a duplicate is not an error', async () => {
    const startExecution = vi
      .fn<RouterDeps['startExecution']>()
      .mockResolvedValueOnce({ started: true, executionArn: 'arn:x' })
      .mockResolvedValueOnce({ started: false, reason: 'duplicate' });
    const deps = routerDeps('hashistack', startExecution);
    const first = await routeLifecycleEvent(terminateEvent, deps);
    const second = await routeLifecycleEvent(terminateEvent, deps);
    const name = 'drain-i-1234567890abcdef0-87654321-4321-4321-4321-210987654321';
    expect(first).toEqual({ routed: 'drain', executionName: name, started: true, executionArn: 'arn:x' });
    expect(second).toEqual({ routed: 'drain', executionName: name, started: false });
    expect(startExecution.mock.calls[0]?.[2]).toMatchObject({
      action: { instanceId: 'i-1234567890abcdef0' },
      pool: { role: 'client', nodePool: 'clients', datacenter: 'dc1' },
    });
  });
  it('ignores other clusters and other hooks', async () => {
    const startExecution = vi.fn<RouterDeps['startExecution']>();
    const other = await routeLifecycleEvent(terminateEvent, routerDeps('other', startExecution));
    expect(other.routed).toBe('ignored');
    const hook = await routeLifecycleEvent(
      { ...terminateEvent, detail: { ...terminateEvent.detail, LifecycleHookName: 'someone-else' } },
      routerDeps('hashistack', startExecution),
    );
    expect(hook.routed).toBe('ignored');
    expect(startExecution).not.toHaveBeenCalled();
  });
});
