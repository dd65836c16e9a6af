import { describe, expect, it } from 'vitest';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { clusterWorld, executions, launchActions, MINUTE, settled } from './world.js';

// The t0 cluster is 3 servers + the pool's nodes: new launches get the next ordinals.
const firstNewOrdinal = (nodes: number): number => 3 + nodes + 1;

describe('scale-out: the launch gate', () => {
  it('lets a node go InService only after Consul and Nomad accepted it, and tags the instance', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 3 });
    sim.aws.api.setDesiredCapacity(pool, 5);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    const launches = launchActions(sim);
    expect(launches).toHaveLength(2);
    for (const a of launches) {
      expect(a).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
      const ready = sim.recorder.markOf(a.instanceId, 'nomad-ready') ?? Number.POSITIVE_INFINITY;
      const alive = sim.recorder.markOf(a.instanceId, 'consul-alive') ?? Number.POSITIVE_INFINITY;
      const ended = Date.parse(a.endedAt ?? '');
      // Order only: the gate → InService latency budget is `npm run bench`'s (sim time charged at wall speed).
      expect(ended).toBeGreaterThanOrEqual(Math.max(ready, alive));
      const tags = sim.aws.api.instance(a.instanceId)?.tags ?? {};
      expect(tags['hashistack:nomad-node-id']).toBe(sim.hashistack.api.nodeOfInstance(a.instanceId)?.ID);
      expect(tags['hashistack:consul-node']).toBe(sim.aws.api.instance(a.instanceId)?.privateDnsName);
    }
  });

  it('starts one join per action despite duplicate deliveries', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 3, faults: { duplicateEventRate: 1, eventJitterMs: 3_000 } });
    sim.aws.api.setDesiredCapacity(pool, 5);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    expect(executions(sim, 'join')).toHaveLength(2);
  });

  it('waits while Consul is up but Nomad is down, and lets the node in once Nomad answers', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 3 });
    sim.faults.set('nomad', { down: true });
    sim.clock.schedule(4 * MINUTE, () => sim.faults.set('nomad', { down: false }));
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    const [a] = launchActions(sim);
    expect(a).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
    expect(Date.parse(a?.endedAt ?? '') - Date.parse(a?.startedAt ?? '')).toBeGreaterThan(3 * MINUTE);
  });

  it('abandons a node that joins Consul but never Nomad, with diagnostics, and the ASG replaces it', async () => {
    const { sim, pool, cluster } = await clusterWorld({ nodes: 3, faults: { consulOnlyOrdinals: [firstNewOrdinal(3)] } });
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    const launches = launchActions(sim);
    expect(launches.map((a) => a.result).sort()).toEqual(['ABANDON', 'CONTINUE']);
    const failed = executions(sim, 'join').find((e) => e.status === 'FAILED');
    expect(failed?.error).toBe('NodeNeverJoined');
    expect(failed?.cause).toContain('nomad');
    expect(cluster.group(pool).members.filter((m) => m.lifecycleState === 'InService')).toHaveLength(4);
    const alert = sim.events.notifications.find((n) => n.event.detail.error === 'NodeNeverJoined');
    // The on-call gets what failed and where to look, not the diagnostics (log tails stay in the execution).
    const message = JSON.parse(alert?.message ?? '{}') as Record<string, string>;
    expect(message).toMatchObject({ status: 'FAILED', error: 'NodeNeverJoined', execution: failed?.name });
    expect(message.console).toBe(`https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${failed?.executionArn}`);
    expect(alert?.message).not.toContain('consulLog');
    expect(alert?.message).not.toContain(String(failed?.cause));
  });

  it('abandons a node in the wrong node pool at once, without waiting for the join timeout', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 3, faults: { wrongNodePoolOrdinals: [firstNewOrdinal(3)] } });
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    const abandoned = launchActions(sim).find((a) => a.result === 'ABANDON');
    expect(abandoned).toBeDefined();
    expect(Date.parse(abandoned?.endedAt ?? '') - Date.parse(abandoned?.startedAt ?? '')).toBeLessThan(5 * MINUTE);
  });

  it('a terminate during the join stops the join; the drain handles what joined', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 3, faults: { neverBootOrdinals: [firstNewOrdinal(3)] } });
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.until(() => executions(sim, 'join').length === 1, 5 * MINUTE);
    const [action] = sim.aws.api.lifecycleActions(true);
    sim.aws.api.terminateInstance(action?.instanceId ?? '', true);
    await settled(sim);
    // Stopped by the router, or ended by itself on seeing the instance terminating.
    expect(['ABORTED', 'SUCCEEDED']).toContain(executions(sim, 'join')[0]?.status);
    expect(launchActions(sim)[0]?.completeCallsSucceeded).toBe(0);
    expect(executions(sim, 'drain')[0]?.status).toBe('SUCCEEDED');
    expect(lifecycleChecks(sim)[0]?.passed).toBe(true);
  });
});
