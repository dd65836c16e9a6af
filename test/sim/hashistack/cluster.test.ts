import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCluster, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('hashistack sim: membership, raft and Vault', () => {
  it('shutdown without leave: Consul failed, Nomad down, allocations lost and replaced', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 2);
    h.sim.api.registerJob(
      { ID: 'web', Type: 'service', NodePool: 'general', TaskGroups: [{ Name: 'web', Count: 2, cpu: 3000, memoryMB: 256 }] },
      { running: true },
    );
    const victim = clients.find((c) => h.sim.api.allocations(h.sim.api.nodeOfInstance(c.instanceId)!.ID).length > 0)!;
    const onVictim = h.sim.api.allocations(h.sim.api.nodeOfInstance(victim.instanceId)!.ID).length;
    h.bus.emit('instance.shutting-down', victim);
    await h.clock.until(() => h.sim.api.nodeOfInstance(victim.instanceId)?.Status === 'down', 120_000);
    const members = (await (await h.consul('/v1/agent/members')).json()) as Array<{ Name: string; Status: number }>;
    expect(members.find((m) => m.Name === victim.privateDnsName)?.Status).toBe(4);
    const health = (await (await h.consul(`/v1/health/node/${victim.privateDnsName}`)).json()) as Array<{ CheckID: string; Status: string }>;
    expect(health).toEqual([expect.objectContaining({ CheckID: 'serfHealth', Status: 'critical' })]);
    expect(h.sim.api.allocationCounts().lost).toBe(onVictim);
    await h.clock.until(() => h.sim.api.allocationCounts().running === 2, 60_000);

    // force-leave with prune forgets the failed member
    expect((await h.consul(`/v1/agent/force-leave/${victim.privateDnsName}?prune`, { method: 'PUT' })).status).toBe(200);
    expect(h.sim.api.members('consul').some((m) => m.name === victim.privateDnsName)).toBe(false);
  });

  it('consul leave through the shell leaves gracefully; unknown commands exit 127', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 1);
    const id = clients[0]!.instanceId;
    expect(h.sim.shell.isOnline(id)).toBe(true);
    const status = await h.sim.shell.run(id, 'rc-service consul status');
    expect(status.stdout).toBe(' * status: started\n');
    const leave = await h.sim.shell.run(id, 'consul leave\nrc-service consul status');
    expect(leave.stdout).toContain('Graceful leave complete');
    expect(h.sim.api.members('consul').find((m) => m.instanceId === id)?.status).toBe('left');
    const missing = await h.sim.shell.run(id, 'systemctl stop nomad\necho never');
    expect(missing).toEqual({ exitCode: 127, stdout: '', stderr: 'sh: systemctl: not found\n' });
    const log = await h.sim.shell.run(id, 'tail -n 2 /var/log/consul/consul.log');
    expect(log.stdout).toMatch(/Graceful leave/);
  });

  it('3 servers: raft and autopilot healthy; a dead server lowers failure tolerance; removing its peer restores health', async () => {
    h = await startHarness();
    const { servers } = bootstrapCluster(h, 1);
    const raft = (await (await h.nomad('/v1/operator/raft/configuration')).json()) as {
      Servers: Array<{ ID: string; Node: string; Leader: boolean; Voter: boolean }>;
    };
    expect(raft.Servers).toHaveLength(3);
    expect(raft.Servers.filter((s) => s.Leader)).toHaveLength(1);
    expect(raft.Servers.every((s) => s.Voter && s.Node.endsWith('.global'))).toBe(true);
    const healthy = await h.nomad('/v1/operator/autopilot/health');
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ Healthy: true, FailureTolerance: 1 });

    const leaderId = h.sim.api.leader('nomad');
    const victim = servers.find((s) => h.sim.api.raftPeers('nomad').find((p) => p.instanceId === s.instanceId)?.id !== leaderId)!;
    h.bus.emit('instance.shutting-down', victim);
    await h.clock.until(() => h.sim.api.members('nomad').find((m) => m.instanceId === victim.instanceId)?.status === 'failed', 60_000);
    // Held: idle, the clock would jump to autopilot's dead server cleanup (Nomad's default), which removes the peer itself.
    const release = h.clock.hold();
    const degraded = await h.nomad('/v1/operator/autopilot/health');
    expect(degraded.status).toBe(429);
    expect(await degraded.json()).toMatchObject({ Healthy: false, FailureTolerance: 0 });
    const consulDegraded = await h.consul('/v1/operator/autopilot/health');
    expect(consulDegraded.status).toBe(429);

    const peerId = h.sim.api.raftPeers('nomad').find((p) => p.instanceId === victim.instanceId)!.id;
    expect((await h.nomad(`/v1/operator/raft/peer?address=10.0.0.1:4647`, { method: 'DELETE' })).status).toBe(400);
    expect((await h.nomad(`/v1/operator/raft/peer?id=not-a-peer`, { method: 'DELETE' })).status).toBe(500);
    expect((await h.nomad(`/v1/operator/raft/peer?id=${peerId}`, { method: 'DELETE' })).status).toBe(200);
    const restored = await h.nomad('/v1/operator/autopilot/health');
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ Healthy: true, FailureTolerance: 0 });
    release();
  });

  it('autopilot dead server cleanup: Consul and Nomad remove a dead server by themselves, Vault keeps it', async () => {
    h = await startHarness();
    const { servers } = bootstrapCluster(h, 1);
    const leaderId = h.sim.api.leader('nomad');
    const victim = servers.find((s) => h.sim.api.raftPeers('nomad').find((p) => p.instanceId === s.instanceId)?.id !== leaderId)!;
    h.bus.emit('instance.shutting-down', victim);
    await h.clock.sleep(60_000);
    expect(h.sim.api.raftPeers('nomad').some((p) => p.instanceId === victim.instanceId)).toBe(false);
    expect(h.sim.api.raftPeers('consul').some((p) => p.instanceId === victim.instanceId)).toBe(false);
    expect(h.sim.api.raftPeers('vault').some((p) => p.instanceId === victim.instanceId)).toBe(true);
  });

  it('Vault: active → 200; every server sealed → 503 on sys/health; autopilot state wrapped', async () => {
    h = await startHarness();
    const { servers } = bootstrapCluster(h, 0);
    expect((await fetch(`${h.url.vault}/v1/sys/health`)).status).toBe(200);
    const state = (await (await h.vault('/v1/sys/storage/raft/autopilot/state')).json()) as {
      data: { healthy: boolean; failure_tolerance: number; servers: Record<string, { status: string }> };
    };
    expect(state.data).toMatchObject({ healthy: true, failure_tolerance: 1 });
    expect(
      Object.values(state.data.servers)
        .map((s) => s.status)
        .sort(),
    ).toEqual(['leader', 'voter', 'voter']);
    for (const s of servers) h.sim.api.sealVault(s.instanceId);
    const sealed = await fetch(`${h.url.vault}/v1/sys/health`);
    expect(sealed.status).toBe(503);
    expect(await sealed.json()).toMatchObject({ initialized: true, sealed: true, standby: true });
  });
});
