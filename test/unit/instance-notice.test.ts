import { describe, expect, it, vi } from 'vitest';
import { INTERRUPTION_TOKEN } from '../../src/aws/autoscaling.js';
import { type InstanceNotice, parseInstanceNotice } from '../../src/events/instance-notice.js';
import { parseLifecycleEvent } from '../../src/events/lifecycle-event.js';
import { cappedDeadlineNs, RECLAIM_MARGIN_MS } from '../../src/workflows/drain/start.js';
import { MaintenanceWindowSchema } from '../../src/time/window.js';
import { handleInstanceNotice, type NoticeDeps } from '../../src/workflows/notices/handle.js';
import { replayNoticeDeadLetters, tooLate } from '../../src/workflows/reconcile/notice-dead-letters.js';
import { routeLifecycleEvent, type RouterDeps } from '../../src/workflows/router/route.js';

const INSTANCE = 'i-1234567890abcdef0';
const TIME = '2026-01-05T09:00:00Z';
const T = Date.parse(TIME);
const DRAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drain';
const REPLACE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:notice-replace';
const envelope = (source: string, detailType: string, detail: Record<string, unknown>, resources: string[] = []) => ({
  version: '0',
  id: 'e-1',
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: TIME,
  region: 'us-east-1',
  resources,
  detail,
});
const spotWarning = envelope('aws.ec2', 'EC2 Spot Instance Interruption Warning', { 'instance-id': INSTANCE, 'instance-action': 'terminate' });
const rebalance = envelope('aws.ec2', 'EC2 Instance Rebalance Recommendation', { 'instance-id': INSTANCE });
const retirement = (code = 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED') =>
  envelope(
    'aws.health',
    'AWS Health Event',
    {
      eventArn: `arn:aws:health:us-east-1::event/EC2/${code}/${code}_ABC`,
      service: 'EC2',
      eventTypeCode: code,
      eventTypeCategory: 'scheduledChange',
      startTime: 'Tue, 06 Jan 2026 09:00:00 GMT',
      affectedEntities: [{ entityValue: INSTANCE }, { entityValue: 'not-an-instance' }],
    },
    [INSTANCE],
  );

describe('instance notices: the event model', () => {
  it('parses the Spot warning (reclaim two minutes after the event), the rebalance recommendation and AWS Health maintenance', () => {
    expect(parseInstanceNotice(spotWarning)).toEqual({
      type: 'notices',
      notices: [{ kind: 'spot-interruption', instanceId: INSTANCE, action: 'terminate', reclaimAt: T + 120_000, eventTime: T, eventId: 'e-1' }],
    });
    expect(parseInstanceNotice(rebalance)).toEqual({
      type: 'notices',
      notices: [{ kind: 'rebalance-recommendation', instanceId: INSTANCE, eventTime: T, eventId: 'e-1' }],
    });
    expect(parseInstanceNotice(retirement())).toEqual({
      type: 'notices',
      notices: [
        {
          kind: 'scheduled-maintenance',
          instanceId: INSTANCE,
          eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
          scheduledAt: Date.parse('2026-01-06T09:00:00Z'),
          eventTime: T,
          eventId: 'e-1',
        },
      ],
    });
  });
  it('ignores other Health events and other detail types; refuses a malformed warning', () => {
    expect(parseInstanceNotice(retirement('AWS_EC2_OPERATIONAL_ISSUE'))).toMatchObject({ type: 'ignored' });
    expect(parseInstanceNotice(envelope('aws.ec2', 'EC2 Instance State-change Notification', { 'instance-id': INSTANCE, state: 'running' }))).toMatchObject({
      type: 'ignored',
    });
    expect(() => parseInstanceNotice(envelope('aws.ec2', 'EC2 Spot Instance Interruption Warning', { 'instance-id': INSTANCE }))).toThrow(/malformed/);
  });
  it('carries Origin and Destination of warm pool lifecycle actions', () => {
    const event = envelope('aws.autoscaling', 'EC2 Instance-launch Lifecycle Action', {
      LifecycleActionToken: 't-1',
      AutoScalingGroupName: 'clients',
      LifecycleHookName: 'hashistack-launch',
      EC2InstanceId: INSTANCE,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      Origin: 'EC2',
      Destination: 'WarmPool',
    });
    expect(parseLifecycleEvent(event)).toMatchObject({ type: 'action', action: { origin: 'EC2', destination: 'WarmPool' } });
  });
});

const clusterGroup = {
  Tags: [
    { Key: 'hashistack:cluster', Value: 'hashistack' },
    { Key: 'hashistack:role', Value: 'client' },
  ],
  CapacityRebalance: false,
};

function noticeDeps(
  options: {
    lifecycleState?: string;
    capacityRebalance?: boolean;
    rebalanceReplace?: boolean;
    role?: string;
    draining?: Record<string, unknown>;
    window?: string;
  } = {},
) {
  return {
    config: {
      clusterName: 'hashistack',
      terminateHookName: 'hashistack-terminate',
      drainStateMachineArn: DRAIN_ARN,
      rebalanceReplace: options.rebalanceReplace ?? false,
      maintenanceWindow: MaintenanceWindowSchema.parse(options.window ?? 'Sun 02:00-06:00'),
      retirementReplaceTimeMs: 3_600_000,
      retirementMarginMs: 2 * 3_600_000,
      noticeReplaceStateMachineArn: REPLACE_ARN,
    },
    describeAutoScalingInstance: vi.fn(async () => ({ AutoScalingGroupName: 'clients', LifecycleState: options.lifecycleState ?? 'InService' })),
    describeGroup: vi.fn(async () => ({
      Tags: [clusterGroup.Tags[0] as { Key: string; Value: string }, { Key: 'hashistack:role', Value: options.role ?? 'client' }],
      CapacityRebalance: options.capacityRebalance ?? false,
    })),
    nomad: {
      findNodeByInstanceId: vi.fn(async () => ({ ID: 'node-1', SchedulingEligibility: 'eligible' }) as never),
      setEligibility: vi.fn(async () => undefined),
      getNode: vi.fn(async () => ({ node: options.draining ?? { ID: 'node-1', DrainStrategy: null, LastDrain: null }, index: 7 }) as never),
      drainNode: vi.fn(async () => ({ index: 8 })),
    },
    startExecution: vi.fn<NoticeDeps['startExecution']>(async () => ({ started: true, executionArn: 'arn:x' })),
    terminateInstance: vi.fn(async () => undefined),
    now: () => T + 1_000,
  } satisfies NoticeDeps;
}

describe('instance notices: what the handler does', () => {
  it('Spot warning: node ineligible at once, then the interruption drain with a by-instance action and the reclaim time', async () => {
    const d = noticeDeps();
    const [r] = await handleInstanceNotice(spotWarning, d);
    expect(d.nomad.setEligibility).toHaveBeenCalledWith('node-1', false);
    expect(d.nomad.setEligibility.mock.invocationCallOrder[0]).toBeLessThan(d.startExecution.mock.invocationCallOrder[0] as number);
    expect(d.startExecution).toHaveBeenCalledWith(DRAIN_ARN, `drain-${INSTANCE}-interruption`, {
      action: {
        kind: 'terminate',
        instanceId: INSTANCE,
        asgName: 'clients',
        hookName: 'hashistack-terminate',
        token: INTERRUPTION_TOKEN,
        eventTime: T,
        eventId: 'e-1',
      },
      pool: expect.objectContaining({ role: 'client' }),
      notice: { kind: 'spot-interruption', reclaimAt: T + 120_000 },
    });
    expect(r).toMatchObject({ outcome: 'draining', started: true, nomadNodeId: 'node-1' });
    expect(d.terminateInstance).not.toHaveBeenCalled();
  });
  it('Spot warning for an instance already terminating: no second drain; the running drain is cut to end before the reclaim', async () => {
    const late = { ID: 'node-1', DrainStrategy: { Deadline: 3.6e12, ForceDeadline: '2026-01-05T10:00:00Z' }, LastDrain: { Status: 'draining' } };
    const d = noticeDeps({ lifecycleState: 'Terminating:Wait', draining: late });
    const [r] = await handleInstanceNotice(spotWarning, d);
    expect(d.startExecution).not.toHaveBeenCalled();
    expect(d.nomad.drainNode).toHaveBeenCalledWith(
      'node-1',
      { deadlineNs: (120_000 - 1_000 - RECLAIM_MARGIN_MS) * 1e6, ignoreSystemJobs: true },
      expect.anything(),
    );
    expect(r).toMatchObject({ outcome: 'draining', started: false, deadlineShortened: true });
    const soon = { ID: 'node-1', DrainStrategy: { Deadline: 1e10, ForceDeadline: '2026-01-05T09:00:30Z' }, LastDrain: { Status: 'draining' } };
    const ok = noticeDeps({ lifecycleState: 'Terminating:Wait', draining: soon });
    expect(await handleInstanceNotice(spotWarning, ok)).toMatchObject([{ deadlineShortened: false }]);
    expect(ok.nomad.drainNode).not.toHaveBeenCalled();
  });
  it('rebalance: ineligible; Capacity Rebalancing replaces it, rebalanceReplace starts the surge replacement (once per instance), otherwise nothing more', async () => {
    const cr = noticeDeps({ capacityRebalance: true });
    expect(await handleInstanceNotice(rebalance, cr)).toMatchObject([{ outcome: 'ineligible', replacement: 'capacity-rebalancing' }]);
    expect(cr.terminateInstance).not.toHaveBeenCalled();
    const replace = noticeDeps({ rebalanceReplace: true });
    expect(await handleInstanceNotice(rebalance, replace)).toMatchObject([{ outcome: 'ineligible', replacement: 'surge' }]);
    expect(replace.startExecution).toHaveBeenCalledWith(REPLACE_ARN, `surge-${INSTANCE}`, { mode: 'surge', instanceId: INSTANCE, asgName: 'clients' });
    expect(replace.terminateInstance).not.toHaveBeenCalled();
    const none = noticeDeps();
    expect(await handleInstanceNotice(rebalance, none)).toMatchObject([{ outcome: 'ineligible', replacement: 'none' }]);
    expect(none.nomad.setEligibility).toHaveBeenCalledWith('node-1', false);
    expect(none.terminateInstance).not.toHaveBeenCalled();
  });
  it('scheduled retirement: replaced at once (terminate without decrement); a server is not marked in Nomad, its drain removes it quorum-safely', async () => {
    const client = noticeDeps();
    expect(await handleInstanceNotice(retirement(), client)).toMatchObject([{ outcome: 'replacing', scheduledAt: Date.parse('2026-01-06T09:00:00Z') }]);
    expect(client.terminateInstance).toHaveBeenCalledWith(INSTANCE, false);
    const server = noticeDeps({ role: 'server' });
    await handleInstanceNotice(retirement(), server);
    expect(server.nomad.setEligibility).not.toHaveBeenCalled();
    expect(server.terminateInstance).toHaveBeenCalledWith(INSTANCE, false);
    const going = noticeDeps({ lifecycleState: 'Terminating:Wait' });
    expect(await handleInstanceNotice(retirement(), going)).toMatchObject([{ outcome: 'ignored' }]);
    expect(going.terminateInstance).not.toHaveBeenCalled();
  });
  it('scheduled retirement with the next maintenance window in time: one noticeReplace execution waits for the window, named by instance and window', async () => {
    const d = noticeDeps({ window: 'Mon 12:00-14:00' });
    const replaceAt = Date.parse('2026-01-05T12:00:00Z');
    expect(await handleInstanceNotice(retirement(), d)).toMatchObject([{ outcome: 'scheduled', replaceAt, started: true }]);
    const name = `retire-${INSTANCE}-${replaceAt / 1000}`;
    expect(d.startExecution).toHaveBeenCalledWith(REPLACE_ARN, name, {
      mode: 'window',
      instanceId: INSTANCE,
      asgName: 'clients',
      replaceAt: '2026-01-05T12:00:00.000Z',
      event: expect.objectContaining({ source: 'aws.health', detail: expect.objectContaining({ affectedEntities: [{ entityValue: INSTANCE }] }) }),
    });
    expect(d.terminateInstance).not.toHaveBeenCalled();
    // The event handed back at the window parses to the same notice, for this instance only.
    const event = d.startExecution.mock.calls[0]?.[2] as { event: unknown };
    expect(parseInstanceNotice(event.event)).toEqual(
      parseInstanceNotice({ ...retirement(), detail: { ...retirement().detail, affectedEntities: [{ entityValue: INSTANCE }] } }),
    );
    // A redelivered event starts nothing new (same name: ExecutionAlreadyExists).
    d.startExecution.mockResolvedValueOnce({ started: false, reason: 'duplicate' });
    expect(await handleInstanceNotice(retirement(), d)).toMatchObject([{ outcome: 'scheduled', started: false }]);
    expect(d.startExecution.mock.calls[1]?.[1]).toBe(name);
    // Inside the window (when the execution hands the event back): replaced now.
    const inWindow = { ...noticeDeps({ window: 'Mon 12:00-14:00' }), now: () => replaceAt };
    expect(await handleInstanceNotice(event.event, inWindow)).toMatchObject([{ outcome: 'replacing' }]);
    expect(inWindow.terminateInstance).toHaveBeenCalledWith(INSTANCE, false);
  });
  it('ignores instances of other clusters and in the warm pool', async () => {
    const other = noticeDeps();
    other.describeGroup.mockResolvedValue({ Tags: [{ Key: 'hashistack:cluster', Value: 'other' }], CapacityRebalance: false });
    expect(await handleInstanceNotice(spotWarning, other)).toMatchObject([{ outcome: 'ignored' }]);
    expect(other.nomad.setEligibility).not.toHaveBeenCalled();
    const warm = noticeDeps({ lifecycleState: 'Warmed:Stopped' });
    expect(await handleInstanceNotice(spotWarning, warm)).toMatchObject([{ outcome: 'ignored' }]);
    expect(warm.startExecution).not.toHaveBeenCalled();
  });
});

describe('the interruption drain ends before the reclaim', () => {
  it('caps any pool deadline to end RECLAIM_MARGIN_MS before EC2 takes the instance', () => {
    const now = T + 3_000;
    const state = {
      drain: { deadlineNs: 3_600_000 * 1e6 } as never,
      hook: { heartbeatTimeoutSec: 900, heartbeatLimitAt: T + 90_000_000 },
      notice: { kind: 'spot-interruption' as const, reclaimAt: T + 120_000 },
    };
    expect(cappedDeadlineNs(state, now)).toBe((120_000 - 3_000 - RECLAIM_MARGIN_MS) * 1e6);
    expect(cappedDeadlineNs({ ...state, notice: null }, now)).toBe(3_600_000 * 1e6);
  });
});

const lifecycle = (detailType: string, detail: Record<string, unknown>) =>
  envelope('aws.autoscaling', detailType, {
    LifecycleActionToken: 't-1',
    AutoScalingGroupName: 'clients',
    EC2InstanceId: INSTANCE,
    ...detail,
  });
function routerDeps(interruptionStatus?: string) {
  return {
    config: {
      clusterName: 'hashistack',
      launchHookName: 'hashistack-launch',
      terminateHookName: 'hashistack-terminate',
      drainStateMachineArn: DRAIN_ARN,
      joinStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:join',
    },
    describeGroup: vi.fn(async () => clusterGroup),
    describeAutoScalingInstance: vi.fn(async () => ({ LifecycleState: 'Terminating:Wait' })),
    startExecution: vi.fn<RouterDeps['startExecution']>(async () => ({ started: true, executionArn: 'arn:x' })),
    listExecutions: vi.fn(async () => []),
    stopExecution: vi.fn(async () => undefined),
    describeExecution: vi.fn<RouterDeps['describeExecution']>(async (arn) =>
      arn.endsWith(`drain-${INSTANCE}-interruption`) && interruptionStatus ? { status: interruptionStatus } : undefined,
    ),
    completeLifecycleAction: vi.fn<NonNullable<RouterDeps['completeLifecycleAction']>>(async () => 'completed'),
  } satisfies RouterDeps;
}
const terminate = (origin = 'AutoScalingGroup') =>
  lifecycle('EC2 Instance-terminate Lifecycle Action', {
    LifecycleHookName: 'hashistack-terminate',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    Origin: origin,
    Destination: 'EC2',
  });

describe('router: warm pools and the Spot interruption drain', () => {
  it('a terminate action of an instance whose interruption drain runs starts no second drain (that drain completes it by instance id)', async () => {
    const d = routerDeps('RUNNING');
    expect(await routeLifecycleEvent(terminate(), d)).toEqual({ routed: 'drain', executionName: `drain-${INSTANCE}-interruption`, started: false });
    expect(d.startExecution).not.toHaveBeenCalled();
    expect(d.completeLifecycleAction).not.toHaveBeenCalled();
  });
  it('after the interruption drain ended, the terminate action gets its own drain (it finds the node drained and left)', async () => {
    const d = routerDeps('SUCCEEDED');
    expect(await routeLifecycleEvent(terminate(), d)).toMatchObject({ routed: 'drain', started: true });
  });
  it('a termination from the warm pool is completed at once, without a drain', async () => {
    const d = routerDeps();
    expect(await routeLifecycleEvent(terminate('WarmPool'), d)).toMatchObject({ routed: 'ignored', completion: 'completed' });
    expect(d.completeLifecycleAction).toHaveBeenCalledWith(expect.objectContaining({ instanceId: INSTANCE, origin: 'WarmPool' }), 'CONTINUE');
    expect(d.startExecution).not.toHaveBeenCalled();
  });
  it('a launch into the warm pool and a move out of it both go to the join workflow (whose gate differs)', async () => {
    for (const [origin, destination] of [
      ['EC2', 'WarmPool'],
      ['WarmPool', 'AutoScalingGroup'],
    ]) {
      const d = routerDeps();
      d.describeAutoScalingInstance.mockResolvedValue({ LifecycleState: destination === 'WarmPool' ? 'Warmed:Pending:Wait' : 'Pending:Wait' });
      const event = lifecycle('EC2 Instance-launch Lifecycle Action', {
        LifecycleHookName: 'hashistack-launch',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        Origin: origin,
        Destination: destination,
      });
      expect(await routeLifecycleEvent(event, d)).toMatchObject({ routed: 'join', started: true });
      expect(d.completeLifecycleAction).not.toHaveBeenCalled();
    }
  });
});

describe('instance notices: dead letters replayed by the reconcile sweep', () => {
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/notice-dlq';
  const record = (event: unknown) => JSON.stringify({ version: '1.0', requestContext: { condition: 'RetriesExhausted' }, requestPayload: event });
  function sweepDeps(lifecycleState: string | undefined, now: number, body: string) {
    const notices = noticeDeps({ lifecycleState });
    if (lifecycleState === undefined) notices.describeAutoScalingInstance.mockResolvedValue(undefined as never);
    const batches = [[{ messageId: 'm1', receiptHandle: 'h1', body, receiveCount: 1 }], []];
    return {
      config: { clusterName: 'hashistack', noticeDeadLetterQueueUrl: QUEUE } as never,
      notices,
      sqs: { receiveMessages: vi.fn(async () => batches.shift() ?? []), deleteMessage: vi.fn(async () => undefined) },
      putEvent: vi.fn(async () => 'ev-1'),
      now: () => now,
    } satisfies Parameters<typeof replayNoticeDeadLetters>[0];
  }

  it('decides what is too late: gone from its group, a reclaim too close to drain, a scheduled time passed', () => {
    const [spot] = (parseInstanceNotice(spotWarning) as { notices: InstanceNotice[] }).notices as [InstanceNotice];
    const [retire] = (parseInstanceNotice(retirement()) as { notices: InstanceNotice[] }).notices as [InstanceNotice];
    expect(tooLate(spot, undefined, T)).toMatch(/no Auto Scaling group/);
    expect(tooLate(spot, 'InService', T + 60_000)).toBeNull();
    expect(tooLate(spot, 'InService', T + 120_000 - RECLAIM_MARGIN_MS)).toMatch(/reclaims/);
    expect(tooLate(retire, 'InService', T + 3_600_000)).toBeNull();
    expect(tooLate(retire, 'InService', Date.parse('2026-01-06T09:00:00Z'))).toMatch(/scheduled time/);
  });
  it('a notice still relevant is handled again by the function logic and deleted; a late one is alerted naming the instance and deleted', async () => {
    const live = sweepDeps('InService', T + 3_600_000, record(retirement()));
    expect(await replayNoticeDeadLetters(live)).toEqual({ replayed: [INSTANCE], lost: [], discarded: 0, failed: 0 });
    expect(live.notices.terminateInstance).toHaveBeenCalledWith(INSTANCE, false);
    expect(live.sqs.deleteMessage).toHaveBeenCalledWith(QUEUE, 'h1');
    expect(live.putEvent).not.toHaveBeenCalled();

    const late = sweepDeps(undefined, T + 200_000, JSON.stringify(spotWarning));
    expect(await replayNoticeDeadLetters(late)).toEqual({ replayed: [], lost: [INSTANCE], discarded: 0, failed: 0 });
    expect(late.putEvent).toHaveBeenCalledWith(
      'hashistack.control-plane',
      'Instance Notice Lost',
      expect.objectContaining({ instanceId: INSTANCE, kind: 'spot-interruption', reason: expect.stringContaining(INSTANCE) }),
    );
    expect(late.notices.startExecution).not.toHaveBeenCalled();
    expect(late.sqs.deleteMessage).toHaveBeenCalledWith(QUEUE, 'h1');
  });
  it('a replay that fails stays in the queue for the next sweep; a message that is no notice is discarded', async () => {
    const failing = sweepDeps('InService', T + 3_600_000, record(retirement()));
    failing.notices.terminateInstance.mockRejectedValue(new Error('throttled'));
    expect(await replayNoticeDeadLetters(failing)).toMatchObject({ replayed: [], failed: 1 });
    expect(failing.sqs.deleteMessage).not.toHaveBeenCalled();
    const junk = sweepDeps('InService', T, '{"hello":1}');
    expect(await replayNoticeDeadLetters(junk)).toMatchObject({ discarded: 1 });
    expect(junk.sqs.deleteMessage).toHaveBeenCalledWith(QUEUE, 'h1');
  });
});
