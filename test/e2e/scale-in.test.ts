import { describe, expect, it } from 'vitest';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { drainOverheads } from '../../sim/scenarios/metrics.js';
import { clusterWorld, entered, executions, MINUTE, settled, terminateActions } from './world.js';

describe('scale-in: drain terminating client nodes', () => {
  it('drains, completes every terminate action exactly once with CONTINUE, then sees the Consul member out', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 6 });
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    const actions = terminateActions(sim);
    expect(actions).toHaveLength(2);
    for (const a of actions) {
      expect(a).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1, completeCallsRejected: 0 });
      const member = sim.hashistack.api.members('consul').find((m) => m.name === sim.aws.api.instance(a.instanceId)?.privateDnsName);
      expect(member?.status ?? 'left').toBe('left'); // left (or pruned), never failed
    }
    expect(executions(sim, 'drain').every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(sim.recorder.drainRecords()).toHaveLength(2);
    // Nomad node records are purged once the nodes are down.
    await sim.clock.sleep(5 * MINUTE);
    for (const a of actions) expect(sim.hashistack.api.nodeOfInstance(a.instanceId)).toBeUndefined();
    // Latency budgets (hook → drain, drain → complete) are sim time charged at wall speed: `npm run bench` measures them.
    const overheads = drainOverheads(sim);
    expect(overheads).toHaveLength(2);
    for (const o of overheads) {
      expect(o.hookToDrainMs).toBeGreaterThanOrEqual(0);
      expect(o.drainToCompleteMs).toBeGreaterThanOrEqual(0);
      expect(o.transitions).toBeLessThanOrEqual(15);
    }
  });

  it('ignores duplicate and out-of-order event deliveries: one workflow, one completion per action', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 5, faults: { duplicateEventRate: 1, eventJitterMs: 5_000 } });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    expect(executions(sim, 'drain')).toHaveLength(2);
    expect(sim.events.delivered.filter((d) => d.event['detail-type'] === 'EC2 Instance-terminate Lifecycle Action')).toHaveLength(4);
  });

  it('rides out Nomad 5xx bursts without losing work', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 5 });
    sim.faults.set('nomad', { errorRate: 0.3 });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    const nomadErrors = Object.entries(sim.recorder.apiCalls())
      .filter(([action]) => action.startsWith('nomad:'))
      .reduce((n, [, c]) => n + c.errors, 0);
    expect(nomadErrors).toBeGreaterThan(0);
  });

  it('waits out a Consul outage, then leaves; the hook never expires', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 5 });
    sim.faults.set('consul', { down: true });
    sim.clock.schedule(10 * MINUTE, () => sim.faults.set('consul', { down: false }));
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    for (const a of terminateActions(sim)) expect(Date.parse(a.endedAt ?? '') - Date.parse(a.startedAt)).toBeGreaterThan(9 * MINUTE);
    expect(executions(sim, 'drain').every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  it('a Consul outage that starts once the node is drained does not hold the completion: completed at once, the leave after it is best effort', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.until(() => sim.recorder.drainRecords().some((d) => d.drainCompletedAt !== null), 60 * MINUTE);
    sim.faults.set('consul', { down: true });
    sim.clock.schedule(10 * MINUTE, () => sim.faults.set('consul', { down: false }));
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    // Neither the leave nor Cleanup reaching Consul fails the drain.
    expect(executions(sim, 'drain').every((e) => e.status === 'SUCCEEDED')).toBe(true);
    const [action] = terminateActions(sim);
    const [drained] = sim.recorder.drainRecords();
    expect(Date.parse(action?.endedAt ?? '') - Date.parse(drained?.drainCompletedAt ?? '')).toBeLessThan(MINUTE);
  });

  it('falls back to force-leave with prune when the SSM command fails (once the member failed)', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4, faults: { failingShellCommands: ['consul leave'] } });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    await sim.clock.sleep(2 * MINUTE);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    const [action] = terminateActions(sim);
    const name = sim.aws.api.instance(action?.instanceId ?? '')?.privateDnsName;
    expect(sim.hashistack.api.members('consul').some((m) => m.name === name)).toBe(false); // pruned
    expect(sim.recorder.apiCalls()['consul:PUT /v1/agent/force-leave/:node']?.calls).toBe(1);
  });

  it('completes at once for a node that never joined, stopping its join workflow', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 3, faults: { neverBootOrdinals: [7] } });
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.until(() => sim.sfn.list().some((e) => e.name.startsWith('join-')), 5 * MINUTE);
    await sim.clock.sleep(2 * MINUTE);
    const newcomer = sim.aws.api.instances().find((i) => i.ordinal === 7);
    expect(newcomer).toBeDefined();
    sim.aws.api.terminateInstance(newcomer?.instanceId ?? '', true);
    await settled(sim);
    const [action] = terminateActions(sim);
    expect(action).toMatchObject({ instanceId: newcomer?.instanceId, result: 'CONTINUE', completeCallsSucceeded: 1 });
    expect(Date.parse(action?.endedAt ?? '') - Date.parse(action?.startedAt ?? '')).toBeLessThan(10_000);
    const join = executions(sim, 'join').find((e) => e.name.includes(newcomer?.instanceId ?? '?'));
    expect(join?.status).toBe('ABORTED');
    expect(sim.recorder.drainRecords()).toHaveLength(0);
  });

  it('treats a lifecycle action completed by someone else as done', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.until(() => sim.recorder.drainRecords().length === 1, 5 * MINUTE);
    const [action] = sim.aws.api.lifecycleActions(true);
    sim.aws.api.completeLifecycleAction({ groupName: pool, hookName: action?.hookName ?? '', instanceId: action?.instanceId ?? '' }, 'CONTINUE');
    await settled(sim);
    const [record] = terminateActions(sim);
    expect(record).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
    expect(executions(sim, 'drain').every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  it('retries a Lambda that crashed mid-drain without draining twice', async () => {
    const { sim, pool } = await clusterWorld({
      nodes: 4,
      faults: {
        lambdaCrashes: [
          { functionName: 'drainStart', onCall: 1 },
          { functionName: 'drainWatch', onCall: 1 },
        ],
      },
    });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    expect(sim.recorder.drainRecords()).toHaveLength(1);
    expect(sim.recorder.apiCalls()['nomad:POST /v1/node/:id/drain']?.calls).toBe(1);
    expect(sim.recorder.timeline.filter((t) => t.message.includes('crashed (injected)'))).toHaveLength(2);
  });

  it('a bug in the watch (our own TypeError, past its in-place retries) holds the node: heartbeat, wait, watch again; completed once drained', async () => {
    const lambdaCrashes = [1, 2, 3, 4, 5, 6].map((onCall) => ({ functionName: 'drainWatch', onCall, error: 'TypeError' }));
    const { sim, pool } = await clusterWorld({ nodes: 4, faults: { lambdaCrashes } });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    expect(terminateActions(sim)).toEqual([expect.objectContaining({ result: 'CONTINUE', completeCallsSucceeded: 1 })]);
    const [record] = executions(sim, 'drain');
    expect(record?.status).toBe('SUCCEEDED');
    const execution = sim.sfn.list().find((e) => e.executionArn === record?.executionArn);
    if (!execution) throw new Error('the drain execution is not listed');
    expect(entered(execution, 'HeartbeatBeforeWatchDrain')).toBe(1);
    expect(entered(execution, 'WaitBeforeWatchDrain')).toBe(1);
    expect(entered(execution, 'RecordFailure')).toBe(0);
    expect(sim.recorder.timeline.filter((t) => t.message.includes('threw TypeError (injected bug)'))).toHaveLength(6);
  });

  it('gives up after GIVE_UP_AFTER of an unreachable cluster: completes anyway and fails loudly', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.until(() => sim.recorder.drainRecords().length === 1, 5 * MINUTE);
    sim.faults.set('nomad', { down: true });
    sim.faults.set('consul', { down: true });
    await settled(sim);
    const [action] = terminateActions(sim);
    expect(action).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
    const [execution] = executions(sim, 'drain');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'GiveUp' });
    expect(sim.events.notifications.some((n) => n.event.detail.status === 'FAILED')).toBe(true);
    // Wall time: half an hour of outage is spent in the HTTP client's real back-off sleeps.
  }, 300_000);
});
