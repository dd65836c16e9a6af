import { afterEach, describe, expect, it } from 'vitest';
import { buildCluster, settle, type Cluster } from '../../sim/scenarios/cluster.js';
import { quorumChecks, watchQuorum } from '../../sim/scenarios/server-replace.js';
import { Simulation } from '../../sim/simulation.js';
import { assertNoUnexpectedDenials } from './world.js';

const MINUTE = 60_000;
let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  if (sim) assertNoUnexpectedDenials(sim);
  sim = undefined;
});

/** Separate Consul, Nomad and Vault server groups (tag hashistack:systems), 3 servers each. */
async function splitWorld() {
  sim = await Simulation.start();
  const cluster = buildCluster(sim, {
    servers: 0,
    serverGroups: [
      { name: 'consul', servers: 3, systems: 'consul' },
      { name: 'nomad', servers: 3, systems: 'nomad' },
      { name: 'vault', servers: 3, systems: 'vault' },
    ],
    pools: [{ name: 'general', nodes: 2 }],
  });
  const watch = watchQuorum(sim);
  await sim.clock.sleep(MINUTE);
  return { sim, cluster, watch };
}

const calls = (s: Simulation, key: string): number => s.recorder.apiCalls()[key]?.calls ?? 0;
const RAFT_READS = {
  consul: ['consul:GET /v1/operator/raft/configuration', 'consul:GET /v1/operator/autopilot/health'],
  nomad: ['nomad:GET /v1/operator/raft/configuration', 'nomad:GET /v1/operator/autopilot/health'],
  vault: ['vault:GET /v1/sys/storage/raft/configuration', 'vault:GET /v1/sys/storage/raft/autopilot/state'],
} as const;
const raftReads = (s: Simulation, system: keyof typeof RAFT_READS): number => RAFT_READS[system].reduce((n, k) => n + calls(s, k), 0);
const membersOf = (cluster: Cluster, asg: string): string[] => cluster.group(asg).members.map((m) => m.instanceId);

describe('server topologies: each group is judged by its own systems', () => {
  it("terminating a Consul-only server: the guard, leave and verify read Consul's raft only, never Nomad's or Vault's", async () => {
    const { sim, cluster, watch } = await splitWorld();
    const consulGroup = cluster.serverGroups[0] as string;
    const [victim] = membersOf(cluster, consulGroup);
    if (!victim) throw new Error('no Consul server');
    const before = { consul: raftReads(sim, 'consul'), nomad: raftReads(sim, 'nomad'), vault: raftReads(sim, 'vault') };
    sim.aws.api.terminateInstance(victim, false);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 2 * 60 * MINUTE);
    watch.stop();
    const drain = sim.recorder.executionRecords().find((e) => e.stateMachine === 'drain');
    expect(drain?.status).toBe('SUCCEEDED');
    expect(raftReads(sim, 'consul')).toBeGreaterThan(before.consul);
    expect(raftReads(sim, 'nomad')).toBe(before.nomad);
    expect(raftReads(sim, 'vault')).toBe(before.vault);
    expect(quorumChecks(watch).filter((c) => !c.passed)).toEqual([]);
    expect(sim.hashistack.api.raftPeers('consul').map((p) => p.instanceId)).not.toContain(victim);
    // Only Consul was snapshotted before the removal: the group runs nothing else.
    expect(Object.keys(sim.recorder.apiCalls()).filter((k) => k.includes('snapshot'))).toEqual(['consul:GET /v1/snapshot']);
  }, 180_000);

  it('a new Nomad-only server passes the join gate on Nomad raft alone (no Consul or Vault voter condition)', async () => {
    const { sim, cluster } = await splitWorld();
    const nomadGroup = cluster.serverGroups[1] as string;
    const before = { consul: raftReads(sim, 'consul'), nomad: raftReads(sim, 'nomad'), vault: raftReads(sim, 'vault') };
    const old = membersOf(cluster, nomadGroup);
    sim.aws.api.setDesiredCapacity(nomadGroup, 4);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 60 * MINUTE);
    const added = membersOf(cluster, nomadGroup).find((id) => !old.includes(id));
    if (!added) throw new Error('no new Nomad server');
    const launch = sim.recorder.lifecycleActions().find((a) => a.instanceId === added && a.transition.endsWith('LAUNCHING'));
    expect(launch?.result).toBe('CONTINUE');
    expect(sim.hashistack.api.raftPeers('nomad').find((p) => p.instanceId === added)?.voter).toBe(true);
    expect(sim.hashistack.api.raftPeers('consul').map((p) => p.instanceId)).not.toContain(added);
    expect(sim.hashistack.api.raftPeers('vault').map((p) => p.instanceId)).not.toContain(added);
    expect(raftReads(sim, 'nomad')).toBeGreaterThan(before.nomad);
    expect(raftReads(sim, 'consul')).toBe(before.consul);
    expect(raftReads(sim, 'vault')).toBe(before.vault);
  }, 180_000);
});
