import { describe, expect, it } from 'vitest';
import { DRAIN as S, drain } from '../../statemachines/definitions/drain.js';
import { failing, heartbeatStubs, named, runLocally, sequence, type Input, type Stub } from './asl-runner.js';

const action = { kind: 'terminate', instanceId: 'i-0abc', asgName: 'clients', hookName: 'terminate', token: 't-1', eventTime: 1, eventId: 'e-1' };
const run = (stubs: Record<string, Stub>) => runLocally(drain, { ...heartbeatStubs(drain), ...stubs }, { action });
const set = (fields: Input) => (i: Input) => ({ ...i, ...fields });
const server =
  (next: string, extra: Input = {}) =>
  (i: Input) => ({ ...i, server: { next, pollAfterSeconds: 0, leftAt: 5, doneAt: 6, ...extra } });
const completed = () => ({ completed: true });
const snapshots =
  (done: boolean, failed: Input | null = null) =>
  (i: Input) => ({ ...i, snapshots: { taken: [], failedSystems: [], failed, done } });
const drainState = { done: false, hookFiredAt: 1, startedAt: 2, doneAt: null };
const drained = set({ drain: { ...drainState, done: true, doneAt: 3 } });
/** A client drain (no leave before the completion) whose WatchDrain is `watch`; `others` replace any other step's stub. */
const clientDrain = (watch: Stub, others: Record<string, Stub> = {}): Record<string, Stub> => ({
  [S.prepare]: set({ plan: 'client', leaveBeforeCompletion: false, drain: drainState }),
  [S.startDrain]: (i) => i,
  [S.watchDrain]: watch,
  [S.complete]: completed,
  [S.leaveAfterCompletion]: (i) => i,
  [S.cleanup]: (i) => i,
  ...others,
});

describe('drain state machine (run locally)', () => {
  it('client: drain, watch until done, complete CONTINUE with the drain timings at once, then leave Consul and clean up', async () => {
    const r = await run(clientDrain(sequence((i) => i, drained)));
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual([
      S.prepare,
      S.nodeKind,
      S.startDrain,
      S.watchDrain,
      S.drainDone,
      S.watchDrain,
      S.drainDone,
      S.complete,
      S.leaveAfterCompletion,
      S.cleanup,
      S.workLostCheck,
      S.drained,
    ]);
    expect(r.calls[S.complete]?.[0]).toMatchObject({
      result: 'CONTINUE',
      workflow: 'drain',
      outcome: 'drained',
      timings: { hookFiredAt: 1, startedAt: 2, doneAt: 3 },
    });
  });
  it('a Spot interruption (leave before completion): leave, then complete, clean up', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'client', leaveBeforeCompletion: true, drain: drainState }),
      [S.startDrain]: (i) => i,
      [S.watchDrain]: drained,
      [S.leaveCluster]: (i) => i,
      [S.completeAfterLeave]: completed,
      [S.cleanup]: (i) => i,
    });
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual([
      S.prepare,
      S.nodeKind,
      S.startDrain,
      S.watchDrain,
      S.drainDone,
      S.leaveCluster,
      S.completeAfterLeave,
      S.cleanup,
      S.workLostCheck,
      S.drained,
    ]);
    expect(r.calls[S.completeAfterLeave]?.[0]).toMatchObject({ result: 'CONTINUE', outcome: 'drained', timings: { hookFiredAt: 1, startedAt: 2, doneAt: 3 } });
  });
  it('leave before completion failing (unreadable Consul membership): the failure path completes and alerts', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'client', leaveBeforeCompletion: true, drain: drainState }),
      [S.startDrain]: (i) => i,
      [S.watchDrain]: drained,
      [S.leaveCluster]: () => {
        throw named('PermissionDenied', 'node drained, but its Consul membership cannot be checked or left');
      },
      [S.recordFailure]: completed,
    });
    expect(r.entered.slice(-5)).toEqual([S.drainDone, S.leaveCluster, S.recordFailure, S.alertDrainFailed, S.drainFailed]);
    expect(r.calls[S.completeAfterLeave]).toBeUndefined();
    expect(r.error?.name).toBe('PermissionDenied');
  });
  it('the leave after the completion failing past its retries never fails the drain: Cleanup still runs', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'client', leaveBeforeCompletion: false, drain: { ...drainState, done: true, doneAt: 3 } }),
      [S.startDrain]: (i) => i,
      [S.watchDrain]: (i) => i,
      [S.complete]: completed,
      [S.leaveAfterCompletion]: () => {
        throw named('Lambda.ServiceException');
      },
      [S.cleanup]: (i) => i,
    });
    expect(r.error).toBeUndefined();
    expect(r.retried).toEqual([S.leaveAfterCompletion, S.leaveAfterCompletion]);
    expect(r.entered.slice(-5)).toEqual([S.complete, S.leaveAfterCompletion, S.cleanup, S.workLostCheck, S.drained]);
    expect(r.calls[S.cleanup]?.[0]).toMatchObject({ leaveError: { Error: 'Lambda.ServiceException' } });
    expect(r.calls[S.recordFailure]).toBeUndefined();
  });
  it('nothing joined: completes at once', async () => {
    const r = await run({ [S.prepare]: set({ plan: 'nothing-joined' }), [S.completeNothingJoined]: completed });
    expect(r.entered).toEqual([S.prepare, S.nodeKind, S.completeNothingJoined, S.drained]);
    expect(r.calls[S.completeNothingJoined]?.[0]).toMatchObject({ result: 'CONTINUE', outcome: 'nothing-joined', timings: { hookFiredAt: 1 } });
  });
  it('server: the guard waits for quorum, then leave, verify (waits for health), complete', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'server' }),
      [S.serverSnapshot]: sequence(snapshots(false), snapshots(true)),
      [S.quorumGuard]: sequence(server('wait'), server('proceed')),
      [S.serverLeave]: server('verify'),
      [S.serverVerify]: sequence(server('wait'), server('done')),
      [S.completeServer]: completed,
    });
    expect(r.error).toBeUndefined();
    expect(r.entered).toEqual([
      S.prepare,
      S.nodeKind,
      S.serverSnapshot,
      S.snapshotsDone,
      S.serverSnapshot,
      S.snapshotsDone,
      S.quorumGuard,
      S.quorumSafe,
      S.waitForQuorum,
      S.quorumGuard,
      S.quorumSafe,
      S.serverLeave,
      S.serverVerify,
      S.serverRemoved,
      S.waitForHealthy,
      S.serverVerify,
      S.serverRemoved,
      S.completeServer,
      S.snapshotCheck,
      S.drained,
    ]);
    expect(r.calls[S.completeServer]?.[0]).toMatchObject({ outcome: 'server-removed', timings: { hookFiredAt: 1, startedAt: 5, doneAt: 6 } });
  });
  it('server: a failed snapshot does not hold the removal; once the action is completed the execution fails SnapshotFailed', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'server' }),
      [S.serverSnapshot]: snapshots(true, { Error: 'SnapshotFailed', Cause: 'i-0abc: removed without a verified nomad snapshot' }),
      [S.quorumGuard]: server('proceed'),
      [S.serverLeave]: server('verify'),
      [S.serverVerify]: server('done'),
      [S.completeServer]: completed,
    });
    expect(r.entered.slice(-5)).toEqual([S.serverRemoved, S.completeServer, S.snapshotCheck, S.alertSnapshotFailed, S.snapshotFailed]);
    expect(r.calls[S.completeServer]?.[0]).toMatchObject({ result: 'CONTINUE', outcome: 'server-removed' });
    expect(r.error?.name).toBe('SnapshotFailed');
  });
  it('server: the snapshot task crashing goes on to the guard, and the execution fails with the crash after the removal', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'server' }),
      [S.serverSnapshot]: () => {
        throw named('States.Timeout', 'the snapshot task timed out');
      },
      [S.quorumGuard]: server('proceed'),
      [S.serverLeave]: server('verify'),
      [S.serverVerify]: server('done'),
      [S.completeServer]: completed,
    });
    expect(r.entered).toContain(S.quorumGuard);
    expect(r.entered.slice(-4)).toEqual([S.completeServer, S.snapshotCheck, S.alertSnapshotCrashed, S.snapshotCrashed]);
    expect(r.error?.name).toBe('States.Timeout');
  });
  it('server: the guard gives up: the action is still completed and the execution fails with its error', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'server' }),
      [S.serverSnapshot]: snapshots(true),
      [S.quorumGuard]: server('give-up', { error: { Error: 'ServerQuorumUnsafe', Cause: 'no quorum' } }),
      [S.recordFailure]: completed,
    });
    expect(r.entered).toEqual([
      S.prepare,
      S.nodeKind,
      S.serverSnapshot,
      S.snapshotsDone,
      S.quorumGuard,
      S.quorumSafe,
      S.serverGaveUp,
      S.recordFailure,
      S.alertDrainFailed,
      S.drainFailed,
    ]);
    expect(r.calls[S.recordFailure]?.[0]).toMatchObject({ result: 'CONTINUE', outcome: 'failed', error: { Error: 'ServerQuorumUnsafe' } });
    expect(r.error?.name).toBe('ServerQuorumUnsafe');
  });
  it('cluster unreachable: Wait and the same task again, until it answers', async () => {
    const r = await run({ [S.prepare]: failing(2, 'ClusterUnreachable', set({ plan: 'nothing-joined' })), [S.completeNothingJoined]: completed });
    expect(r.entered).toEqual([
      S.prepare,
      `HeartbeatBefore${S.prepare}`,
      `WaitBefore${S.prepare}`,
      S.prepare,
      `HeartbeatBefore${S.prepare}`,
      `WaitBefore${S.prepare}`,
      S.prepare,
      S.nodeKind,
      S.completeNothingJoined,
      S.drained,
    ]);
  });
  it('give-up: the action is completed anyway and the execution fails with GiveUp', async () => {
    const r = await run({
      [S.prepare]: set({ plan: 'client', leaveBeforeCompletion: false, drain: drainState }),
      [S.startDrain]: () => {
        throw named('GiveUp', 'cluster unreachable for 30m');
      },
      [S.recordFailure]: completed,
    });
    expect(r.entered).toEqual([S.prepare, S.nodeKind, S.startDrain, S.recordFailure, S.alertDrainFailed, S.drainFailed]);
    expect(r.error?.name).toBe('GiveUp');
    expect(r.error?.message).toBe('cluster unreachable for 30m');
  });
  it('AWS unavailable while recording the failure: wait and complete again; the original error stays', async () => {
    const r = await run({
      [S.prepare]: () => {
        throw named('PermissionDenied');
      },
      [S.recordFailure]: failing(1, 'AwsUnavailable', completed),
    });
    expect(r.entered).toEqual([
      S.prepare,
      S.recordFailure,
      `HeartbeatBefore${S.recordFailure}`,
      `WaitBefore${S.recordFailure}`,
      S.recordFailure,
      S.alertDrainFailed,
      S.drainFailed,
    ]);
    expect(r.error?.name).toBe('PermissionDenied');
  });
  it('our own crash while the node still drains: 3 retries in place, then heartbeat, Wait and watch again; never completed while it crashes', async () => {
    const r = await run(clientDrain(failing(5, 'TypeError', drained)));
    expect(r.error).toBeUndefined();
    expect(r.retried).toEqual([S.watchDrain, S.watchDrain, S.watchDrain, S.watchDrain]);
    expect(r.entered.slice(3, 10)).toEqual([
      S.watchDrain,
      `HeartbeatBefore${S.watchDrain}`,
      `WaitBefore${S.watchDrain}`,
      S.watchDrain,
      S.drainDone,
      S.complete,
      S.leaveAfterCompletion,
    ]);
    expect(r.calls[S.recordFailure]).toBeUndefined();
    expect(r.calls[`HeartbeatBefore${S.watchDrain}`]).toHaveLength(1);
  });
  it('every task that runs while the instance holds work waits on a crash: Prepare, the client drain, the server removal', async () => {
    const crashOnce = (then: Stub) => failing(4, 'Runtime.ImportModuleError', then);
    const client = await run({
      [S.prepare]: crashOnce(set({ plan: 'client', leaveBeforeCompletion: true, drain: drainState })),
      [S.startDrain]: crashOnce((i) => i),
      [S.watchDrain]: drained,
      [S.leaveCluster]: crashOnce((i) => i),
      [S.completeAfterLeave]: completed,
      [S.cleanup]: (i) => i,
    });
    expect(client.error).toBeUndefined();
    expect(client.entered.filter((s) => s.startsWith('WaitBefore'))).toEqual([
      `WaitBefore${S.prepare}`,
      `WaitBefore${S.startDrain}`,
      `WaitBefore${S.leaveCluster}`,
    ]);
    const removal = await run({
      [S.prepare]: set({ plan: 'server' }),
      [S.serverSnapshot]: snapshots(true),
      [S.quorumGuard]: crashOnce(server('proceed')),
      [S.serverLeave]: crashOnce(server('verify')),
      [S.serverVerify]: crashOnce(server('done')),
      [S.completeServer]: completed,
    });
    expect(removal.error).toBeUndefined();
    expect(removal.entered.filter((s) => s.startsWith('WaitBefore'))).toEqual([
      `WaitBefore${S.quorumGuard}`,
      `WaitBefore${S.serverLeave}`,
      `WaitBefore${S.serverVerify}`,
    ]);
    expect(removal.calls[S.recordFailure]).toBeUndefined();
  });
  it('a final typed error of a task that holds work still takes the failure path at once (the crash wildcard does not catch it)', async () => {
    const r = await run({
      ...clientDrain(() => {
        throw named('LifecycleActionLost', 'the action is no longer active');
      }),
      [S.recordFailure]: completed,
    });
    expect(r.retried).toEqual([]);
    expect(r.entered).toEqual([S.prepare, S.nodeKind, S.startDrain, S.watchDrain, S.recordFailure, S.alertDrainFailed, S.drainFailed]);
    expect(r.error?.name).toBe('LifecycleActionLost');
  });
  it('a crash once the work is off the node (the completion) is retried 3 times in place, then takes the failure path', async () => {
    const r = await run(
      clientDrain(drained, {
        [S.complete]: () => {
          throw named('TypeError', 'x is undefined');
        },
        [S.recordFailure]: completed,
      }),
    );
    expect(r.retried).toEqual([S.complete, S.complete, S.complete]);
    expect(r.entered.slice(-4)).toEqual([S.complete, S.recordFailure, S.alertDrainFailed, S.drainFailed]);
    expect(r.error?.name).toBe('TypeError');
  });
  it('Lambda throttled past its in-place retries mid-drain: Wait and watch again, never completed while the drain runs', async () => {
    const r = await run(clientDrain(failing(4, 'Lambda.TooManyRequestsException', drained)));
    expect(r.error).toBeUndefined();
    expect(r.retried).toEqual([S.watchDrain, S.watchDrain, S.watchDrain]);
    expect(r.entered).toEqual([
      S.prepare,
      S.nodeKind,
      S.startDrain,
      S.watchDrain,
      `HeartbeatBefore${S.watchDrain}`,
      `WaitBefore${S.watchDrain}`,
      S.watchDrain,
      S.drainDone,
      S.complete,
      S.leaveAfterCompletion,
      S.cleanup,
      S.workLostCheck,
      S.drained,
    ]);
    expect(r.calls[S.recordFailure]).toBeUndefined();
    // The machine itself kept the action alive while Lambda refused the task.
    expect(r.calls[`HeartbeatBefore${S.watchDrain}`]).toEqual([
      { AutoScalingGroupName: 'clients', LifecycleHookName: 'terminate', LifecycleActionToken: 't-1', InstanceId: 'i-0abc' },
    ]);
  });
  it('a failing heartbeat from the machine never fails the drain: the wait and the task go on', async () => {
    const r = await run({
      [S.prepare]: failing(4, 'Lambda.ServiceException', set({ plan: 'nothing-joined' })), // past the 3 in-place retries
      [`HeartbeatBefore${S.prepare}`]: () => {
        throw named('AutoScaling.AmazonServiceException', 'Rate exceeded');
      },
      [S.completeNothingJoined]: completed,
    });
    expect(r.error).toBeUndefined();
    expect(r.entered.slice(0, 4)).toEqual([S.prepare, `HeartbeatBefore${S.prepare}`, `WaitBefore${S.prepare}`, S.prepare]);
  });
  it('a drain that ended at its deadline with work stopped: completed, cleaned up, then FAILED WorkLost naming the allocations', async () => {
    const workLost = {
      error: 'WorkLost',
      allocations: [{ id: 'a1', jobId: 'api', taskGroup: 'web', reason: 'drain-deadline' }],
      cause: 'a1 job=api group=web',
    };
    const r = await run(
      clientDrain(set({ drain: { ...drainState, done: true, doneAt: 3, workLost } }), { [S.alertWorkLost]: () => ({ published: 'event-1' }) }),
    );
    expect(r.entered).toEqual([
      S.prepare,
      S.nodeKind,
      S.startDrain,
      S.watchDrain,
      S.drainDone,
      S.complete,
      S.leaveAfterCompletion,
      S.cleanup,
      S.workLostCheck,
      S.alertWorkLost,
      S.workLost,
    ]);
    // The alert milestone gets the execution and the whole state (the allocations); its result is dropped.
    expect(r.calls[S.alertWorkLost]?.[0]).toMatchObject({
      workflow: 'drain',
      alert: 'workLost',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:test:run',
      state: { action, drain: { workLost } },
    });
    expect(r.error?.name).toBe('WorkLost');
    expect(r.error?.message).toBe('a1 job=api group=web');
  });
  it('an alert milestone that cannot be put never changes how the drain fails', async () => {
    const r = await run({
      [S.prepare]: () => {
        throw named('GiveUp', 'gave up after 2 h');
      },
      [S.recordFailure]: completed,
      [S.alertDrainFailed]: () => {
        throw named('AwsUnavailable', 'PutEvents: InternalFailure');
      },
    });
    expect(r.entered.slice(-2)).toEqual([S.alertDrainFailed, S.drainFailed]);
    expect(r.error?.name).toBe('GiveUp');
  });
  it('a failing cleanup does not fail the drain', async () => {
    const r = await run(
      clientDrain((i) => i, {
        [S.prepare]: set({ plan: 'client', leaveBeforeCompletion: false, drain: { ...drainState, done: true } }),
        [S.cleanup]: () => {
          throw named('ClusterUnreachable');
        },
      }),
    );
    expect(r.error).toBeUndefined();
    expect(r.retried).toEqual([S.cleanup, S.cleanup]);
    expect(r.entered.at(-1)).toBe(S.drained);
    expect(r.result).toMatchObject({ purgeError: { Error: 'ClusterUnreachable' } });
  });
});
