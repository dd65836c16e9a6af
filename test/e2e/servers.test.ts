import { afterEach, describe, expect, it } from 'vitest';
import { buildCluster, settle } from '../../sim/scenarios/cluster.js';
import { newServerVersion, peersAreExactly, quorumChecks, runServerReplace, serverIds, watchQuorum } from '../../sim/scenarios/server-replace.js';
import { Simulation, type SimulationOptions } from '../../sim/simulation.js';
import { assertNoUnexpectedDenials } from './world.js';

const MINUTE = 60_000;
let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  if (sim) assertNoUnexpectedDenials(sim);
  sim = undefined;
});

async function world(options: SimulationOptions = {}) {
  sim = await Simulation.start(options);
  const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 2 }] });
  const watch = watchQuorum(sim);
  await sim.clock.sleep(MINUTE);
  return { sim, cluster, watch };
}

const failed = (checks: { passed: boolean }[]) => checks.filter((c) => !c.passed);

describe('quorum-safe server removal and replacement', () => {
  it('terminating the leader of every system: Nomad leadership is transferred first, quorum kept, peers removed', async () => {
    const { sim, cluster, watch } = await world();
    const leaderNomadPeer = sim.hashistack.api.leader('nomad');
    const leader = sim.hashistack.api.raftPeers('nomad').find((p) => p.id === leaderNomadPeer)?.instanceId as string;
    expect(sim.hashistack.api.leader('vault')).toBe(leader); // the t0 leader leads all three
    sim.aws.api.terminateInstance(leader, false);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 2 * 60 * MINUTE);
    watch.stop();
    expect(failed(quorumChecks(watch))).toEqual([]);
    expect(watch.maxLeaderlessMs.nomad).toBe(0); // transferred, never elected
    expect(peersAreExactly(sim, serverIds(sim, cluster)).passed).toBe(true);
    const drain = sim.recorder.executionRecords().find((e) => e.stateMachine === 'drain');
    expect(drain?.status).toBe('SUCCEEDED');
  }, 120_000);

  it('a replacement that never boots: no old server is touched until a later replacement is a healthy voter', async () => {
    // Ordinals 1-5 are the t0 servers and clients; 6 is the first new server.
    const { sim, cluster, watch } = await world({ faults: { neverBootOrdinals: [6] } });
    const before = serverIds(sim, cluster);
    newServerVersion(sim, cluster);
    const r = await runServerReplace(sim, cluster.serverGroup, 24 * 60 * MINUTE);
    await settle(sim, 60 * MINUTE);
    watch.stop();
    expect(r.status).toBe('SUCCEEDED');
    expect(failed(quorumChecks(watch))).toEqual([]);
    const after = serverIds(sim, cluster);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(peersAreExactly(sim, after).passed).toBe(true);
    const abandoned = sim.recorder.lifecycleActions().filter((a) => a.result === 'ABANDON');
    expect(abandoned).toHaveLength(1);
  }, 180_000);

  it('new server sealed (Vault) after it joined: replacement fails loudly and terminates no old server', async () => {
    const { sim, cluster, watch } = await world();
    const before = serverIds(sim, cluster);
    newServerVersion(sim, cluster);
    // Seal every new server's Vault as soon as it is InService (it restarted and auto-unseal failed).
    const sealed = new Set<string>();
    const sealer = (): void => {
      for (const id of serverIds(sim, cluster))
        if (
          !before.includes(id) &&
          !sealed.has(id) &&
          cluster.group(cluster.serverGroup).members.find((m) => m.instanceId === id)?.lifecycleState === 'InService'
        ) {
          sealed.add(id);
          sim.hashistack.api.sealVault(id);
        }
      if (sealed.size === 0) sim.clock.schedule(1_000, sealer, 'test:sealer');
    };
    sealer();
    const r = await runServerReplace(sim, cluster.serverGroup, 24 * 60 * MINUTE);
    watch.stop();
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('ReplacementNotHealthy');
    expect(serverIds(sim, cluster).filter((id) => before.includes(id))).toHaveLength(3);
    expect(failed(quorumChecks(watch))).toEqual([]);
  }, 180_000);

  it('stale autopilot reading: a dead server that autopilot still calls healthy does not let another server go', async () => {
    const { sim, cluster, watch } = await world();
    sim.hashistack.api.setAutopilotLag(10 * MINUTE);
    const [a, b, c] = serverIds(sim, cluster) as [string, string, string];
    // c's Consul agent dies (no leave); autopilot keeps calling it healthy (stale), only LastContact grows.
    await sim.hashistack.shell.run(c, 'rc-service consul stop');
    await sim.clock.sleep(5_000);
    sim.aws.api.terminateInstance(a, false);
    // c comes back two minutes later.
    await sim.clock.sleep(2 * MINUTE);
    await sim.hashistack.shell.run(c, 'rc-service consul start');
    await sim.clock.sleep(MINUTE);
    await settle(sim, 2 * 60 * MINUTE);
    watch.stop();
    expect(failed(quorumChecks(watch))).toEqual([]);
    expect(serverIds(sim, cluster)).toContain(b);
    expect(sim.recorder.executionRecords().find((e) => e.stateMachine === 'drain')?.status).toBe('SUCCEEDED');
  }, 180_000);

  it('refuses to replace a server group of another cluster (role tag alone is not enough): nothing launched or terminated', async () => {
    const { sim, cluster } = await world();
    const lt = sim.aws.api.createLaunchTemplate({ name: 'other-server', imageId: cluster.imageId, instanceType: 'm6g.large' });
    const foreign = sim.aws.api.createAutoScalingGroup({
      name: 'other-servers',
      minSize: 3,
      maxSize: 4,
      desiredCapacity: 3,
      launchTemplate: { id: lt.id, version: '$Default' },
      availabilityZones: [`${sim.deploy.region}a`],
      tags: [
        { key: 'hashistack:cluster', value: 'other', propagateAtLaunch: true },
        { key: 'hashistack:role', value: 'server', propagateAtLaunch: true },
        { key: 'hashistack:pool', value: 'servers', propagateAtLaunch: true },
      ],
      bootstrapInService: true,
    });
    // An outdated member makes the group look like replacement work.
    sim.aws.api.createLaunchTemplateVersion({ launchTemplateId: lt.id, sourceVersion: '$Latest', instanceType: 'm7g.large' });
    sim.aws.api.setDefaultLaunchTemplateVersion(lt.id, '$Latest');
    const members = foreign.members.map((m) => m.instanceId);
    const r = await runServerReplace(sim, 'other-servers', 30 * MINUTE);
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('ServerReplaceRefused');
    expect(r.cause).toMatch(/hashistack:cluster tag is "other", not "hashistack"/);
    const g = sim.aws.api.group('other-servers');
    expect(g?.desiredCapacity).toBe(3);
    expect(g?.members.map((m) => m.instanceId)).toEqual(members);
  }, 120_000);
});
