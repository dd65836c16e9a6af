import { reportInFlight } from '../../src/workflows/reconcile/in-flight.js';
import { describe, expect, it, vi } from 'vitest';
import type { QueueMessage } from '../../src/aws/sqs.js';
import type { RouterDeps } from '../../src/workflows/router/route.js';
import { routeLifecycleEvent } from '../../src/workflows/router/route.js';
import { replayDeadLetters } from '../../src/workflows/reconcile/dead-letters.js';
import type { ReconcileDeps } from '../../src/workflows/reconcile/deps.js';
import { cleanupOrphans } from '../../src/workflows/reconcile/orphans.js';
import { reportOverdue } from '../../src/workflows/reconcile/overdue.js';
import { adoptStuckActions } from '../../src/workflows/reconcile/stuck-actions.js';
import { terminateEvent } from './helpers.js';

const INSTANCE = 'i-1234567890abcdef0';
const TOKEN = terminateEvent.detail.LifecycleActionToken;
const JOIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:join';
const DRAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drain';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/router-dlq';
const T = Date.parse('2026-01-05T12:00:00Z');
const config = {
  clusterName: 'hashistack',
  launchHookName: 'hashistack-launch',
  terminateHookName: 'hashistack-terminate',
  drainStateMachineArn: DRAIN_ARN,
  joinStateMachineArn: JOIN_ARN,
  routerDeadLetterQueueUrl: QUEUE,
  noticeDeadLetterQueueUrl: undefined,
  executionOverdueAfterMs: 6 * 3_600_000,
  purgeNomadNode: true,
  vaultEnabled: true,
  vaultNodeId: 'instance-id' as const,
};
const tags = [
  { Key: 'hashistack:cluster', Value: 'hashistack' },
  { Key: 'hashistack:role', Value: 'client' },
];

function routerDeps() {
  return {
    config,
    describeGroup: vi.fn(async () => ({ AutoScalingGroupName: 'clients', Tags: tags })),
    describeAutoScalingInstance: vi.fn(async () => ({ LifecycleState: 'Terminating:Wait' })),
    startExecution: vi.fn<RouterDeps['startExecution']>(async () => ({ started: true, executionArn: 'arn:x' })),
    listExecutions: vi.fn(async () => []),
    stopExecution: vi.fn(async () => undefined),
    describeExecution: vi.fn<RouterDeps['describeExecution']>(async () => undefined),
  } satisfies RouterDeps;
}

const message = (body: string, n = 1): QueueMessage => ({ messageId: `m${n}`, receiptHandle: `h${n}`, body, receiveCount: 1 });

function queue(messages: QueueMessage[]) {
  const batches = [messages, []];
  return {
    receiveMessages: vi.fn(async () => batches.shift() ?? []),
    deleteMessage: vi.fn(async () => undefined),
  } satisfies ReconcileDeps['sqs'];
}

describe('reconcile: dead letters', () => {
  it('replays an EventBridge dead letter and a Lambda on-failure record through the router, under the action token; deletes each', async () => {
    const router = routerDeps();
    const record = {
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: terminateEvent,
      responsePayload: { errorType: 'AwsUnavailable' },
    };
    const sqs = queue([message(JSON.stringify(terminateEvent), 1), message(JSON.stringify(record), 2)]);
    const out = await replayDeadLetters({ config, router, sqs });
    expect(out).toEqual({ instances: [INSTANCE, INSTANCE], replayed: 2, discarded: 0, failed: 0 });
    expect(router.startExecution).toHaveBeenCalledWith(DRAIN_ARN, `drain-${INSTANCE}-${TOKEN}`, expect.anything());
    expect(sqs.deleteMessage.mock.calls).toEqual([
      [QUEUE, 'h1'],
      [QUEUE, 'h2'],
    ]);
  });
  it('a message that is no event is discarded (deleted, counted); a replay that fails is left for the next sweep', async () => {
    const router = routerDeps();
    router.startExecution.mockRejectedValueOnce(new Error('sfn down'));
    const sqs = queue([message('not json', 1), message(JSON.stringify(terminateEvent), 2)]);
    const out = await replayDeadLetters({ config, router, sqs });
    expect(out).toEqual({ instances: [], replayed: 0, discarded: 1, failed: 1 });
    expect(sqs.deleteMessage.mock.calls).toEqual([[QUEUE, 'h1']]);
  });
});

describe('reconcile: lifecycle actions waiting without a workflow', () => {
  const groups = (instances: { InstanceId: string; LifecycleState: string }[]) =>
    vi.fn(async () => [{ AutoScalingGroupName: 'clients', Tags: tags, Instances: instances }]);
  const deps = (instances: { InstanceId: string; LifecycleState: string }[]) => ({
    config,
    router: routerDeps(),
    autoscaling: {
      describeGroupsByClusterTag: groups(instances),
      describeAutoScalingInstance: vi.fn(async (id: string) => ({ LifecycleState: instances.find((i) => i.InstanceId === id)?.LifecycleState })),
    },
    now: () => T,
  });
  it('adopts a waiting action with no running workflow, by InstanceId (token "adopted"); leaves one whose workflow runs', async () => {
    const d = deps([
      { InstanceId: 'i-00000000000000001', LifecycleState: 'Pending:Wait' },
      { InstanceId: 'i-00000000000000002', LifecycleState: 'Terminating:Wait' },
      { InstanceId: 'i-00000000000000003', LifecycleState: 'InService' },
    ]);
    d.router.describeAutoScalingInstance.mockResolvedValue({ LifecycleState: 'Pending:Wait' });
    const out = await adoptStuckActions(d, { join: [], drain: [{ name: `drain-i-00000000000000002-${TOKEN}`, startDate: new Date(T) }] });
    expect(out).toEqual({ adopted: ['join-i-00000000000000001-adopted'], stuck: [] });
    expect(d.router.startExecution).toHaveBeenCalledTimes(1);
    expect(d.router.startExecution).toHaveBeenCalledWith(JOIN_ARN, 'join-i-00000000000000001-adopted', {
      action: expect.objectContaining({ kind: 'launch', instanceId: 'i-00000000000000001', hookName: 'hashistack-launch', token: 'adopted' }),
      pool: expect.anything(),
    });
  });
  it('an action still waiting after its adopted workflow ended is reported stuck, not started again', async () => {
    const d = deps([{ InstanceId: 'i-00000000000000002', LifecycleState: 'Terminating:Wait' }]);
    d.router.startExecution.mockResolvedValue({ started: false, reason: 'duplicate' });
    expect(await adoptStuckActions(d, { join: [], drain: [] })).toEqual({ adopted: [], stuck: ['i-00000000000000002'] });
  });
  it('the router ignores a late event of an action the sweep adopted', async () => {
    const router = routerDeps();
    router.describeExecution.mockResolvedValue({ status: 'SUCCEEDED' });
    const r = await routeLifecycleEvent(terminateEvent, router);
    expect(r).toEqual({ routed: 'drain', executionName: `drain-${INSTANCE}-adopted`, started: false });
    expect(router.describeExecution).toHaveBeenCalledWith(`arn:aws:states:us-east-1:123456789012:execution:drain:drain-${INSTANCE}-adopted`);
    expect(router.startExecution).not.toHaveBeenCalled();
  });
});

describe('reconcile: overdue executions', () => {
  it('reports executions running longer than executionOverdueAfter', () => {
    const running = { join: [{ name: 'join-a', startDate: new Date(T - 60_000) }], drain: [{ name: 'drain-b', startDate: new Date(T - 7 * 3_600_000) }] };
    expect(reportOverdue({ config, now: () => T }, running)).toEqual(['drain-b']);
  });
});

describe('reconcile: leftovers of instances gone out of band', () => {
  const GONE = 'i-0000000000000000a';
  const ALIVE = 'i-0000000000000000b';
  function world(opts: { vaultLeader?: boolean } = {}) {
    const vaultServers = [
      { node_id: 'i-00000000000000001', address: '10.0.0.1:8201', leader: opts.vaultLeader ?? true, voter: true },
      { node_id: 'i-00000000000000002', address: '10.0.0.2:8201', leader: false, voter: true },
      { node_id: GONE, address: '10.0.0.9:8201', leader: false, voter: true },
    ];
    const deps = {
      config,
      autoscaling: {
        describeGroupsByClusterTag: vi.fn(async () => []),
        describeAutoScalingInstance: vi.fn(async (): Promise<{ LifecycleState: string } | undefined> => undefined),
      },
      ec2: {
        describeInstance: vi.fn(async (id: string) => ({ instanceId: id, privateIp: undefined, state: id === GONE ? 'terminated' : 'running', tags: {} })),
      },
      nomad: {
        downNodes: vi.fn(async () => [{ ID: 'node-gone' }, { ID: 'node-alive' }]),
        getNode: vi.fn(async (id: string) => ({
          node: { ID: id, Attributes: { 'unique.platform.aws.instance-id': id === 'node-gone' ? GONE : ALIVE } },
          index: 1,
        })),
        purgeNode: vi.fn(async () => true),
        raftConfiguration: vi.fn(async () => ({ Index: 1, Servers: [] })),
        autopilotHealth: vi.fn(async () => ({ Healthy: true, FailureTolerance: 0, Servers: [] })),
        removeRaftPeer: vi.fn(async () => undefined),
        agentMembers: vi.fn(async () => ({ Members: [{ Name: 'ip-10-0-0-9.global', Addr: '10.0.0.9', Port: 4648, Tags: {}, Status: 'failed' }] })),
        forceLeave: vi.fn(async () => undefined),
      },
      consul: {
        findNodeByInstanceId: vi.fn(async (id: string) =>
          id === GONE ? { Node: 'ip-10-0-0-9', Address: '10.0.0.9', TaggedAddresses: {}, Meta: { instance_id: GONE } } : null,
        ),
        members: vi.fn(async () => [{ Name: 'ip-10-0-0-9', Addr: '10.0.0.9', Port: 8301, Tags: {}, Status: 4 }]),
        forceLeave: vi.fn(async () => true),
        raftConfiguration: vi.fn(async () => ({ Index: 1, Servers: [] })),
        autopilotHealth: vi.fn(async () => ({ Healthy: true, FailureTolerance: 0, Servers: [] })),
        removeRaftPeer: vi.fn(async () => undefined),
      },
      vault: {
        raftConfiguration: vi.fn(async () => ({ servers: vaultServers })),
        autopilotState: vi.fn(async () => ({
          healthy: false,
          failure_tolerance: 0,
          servers: Object.fromEntries(
            vaultServers.map((s) => [
              s.node_id,
              { id: s.node_id, name: s.node_id, address: s.address, healthy: s.node_id !== GONE, status: s.leader ? 'leader' : 'voter', last_contact: '0s' },
            ]),
          ),
        })),
        removeRaftPeer: vi.fn(async () => undefined),
      },
    } satisfies Parameters<typeof cleanupOrphans>[0];
    return deps;
  }
  it('removes the Nomad node, Consul member and Vault peer of a terminated instance; touches nothing of a running one', async () => {
    const d = world();
    const out = await cleanupOrphans(d);
    expect(out).toEqual({
      nomadNodesPurged: ['node-gone'],
      consulMembersRemoved: ['ip-10-0-0-9'],
      nomadMembersRemoved: ['ip-10-0-0-9.global'],
      raftPeersRemoved: [`vault:${GONE}`],
      raftPeersKept: [],
    });
    expect(d.nomad.purgeNode).toHaveBeenCalledTimes(1);
    expect(d.vault.removeRaftPeer).toHaveBeenCalledWith(GONE);
  });
  it('an instance EC2 no longer knows but a group still holds is not gone', async () => {
    const d = world();
    d.autoscaling.describeAutoScalingInstance.mockResolvedValue({ LifecycleState: 'Terminating:Proceed' });
    const out = await cleanupOrphans(d);
    expect(out).toEqual({ nomadNodesPurged: [], consulMembersRemoved: [], nomadMembersRemoved: [], raftPeersRemoved: [], raftPeersKept: [] });
  });
  it('a dead peer is kept while the system has no leader', async () => {
    const d = world({ vaultLeader: false });
    const out = await cleanupOrphans(d);
    expect(out.raftPeersKept).toEqual([`vault:${GONE}`]);
    expect(d.vault.removeRaftPeer).not.toHaveBeenCalled();
  });
});

describe('reportInFlight', () => {
  it('counts running drains and joins and the age of the oldest (its lifecycle action waits as long)', () => {
    const t = Date.parse('2026-01-05T10:00:00Z');
    const at = (minutesAgo: number) => ({ name: `e-${minutesAgo}`, startDate: new Date(t - minutesAgo * 60_000) });
    expect(reportInFlight({ now: () => t }, { drain: [at(3), at(42)], join: [at(1)] })).toEqual({ drains: 2, joins: 1, oldestSeconds: 42 * 60 });
    expect(reportInFlight({ now: () => t }, { drain: [], join: [] })).toEqual({ drains: 0, joins: 0, oldestSeconds: 0 });
  });
});
