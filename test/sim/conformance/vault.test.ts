/**
 * Conformance of the simulated Vault HTTP API, exercised with the
 * `node-vault` client library from npm (a second client the control plane
 * does not use).
 */
import nodeVault from 'node-vault';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCluster, startHarness, TOKENS, type Harness } from '../hashistack/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const vault = (token?: string): nodeVault.client => nodeVault({ apiVersion: 'v1', endpoint: h.url.vault, ...(token ? { token } : {}) });

async function failure(p: Promise<unknown>): Promise<{ message: string; response?: { statusCode: number; body: unknown } }> {
  try {
    await p;
  } catch (error) {
    return error as { message: string; response?: { statusCode: number; body: unknown } };
  }
  throw new Error('expected the call to fail');
}

describe('Vault conformance (npm node-vault client)', () => {
  it('remove-peer of an id that is no longer a peer is a no-op 204', async () => {
    h = await startHarness();
    const { servers } = bootstrapCluster(h, 0);
    const v = vault(TOKENS.vault);
    const id = servers.map((s) => s.instanceId).find((x) => x !== h.sim.api.leader('vault')) ?? '';
    await v.write('sys/storage/raft/remove-peer', { server_id: id });
    expect(h.sim.api.raftPeers('vault').map((p) => p.id)).not.toContain(id);
    // Again: raft commits an unchanged configuration, Vault answers 204 (node-vault resolves).
    await expect(v.write('sys/storage/raft/remove-peer', { server_id: id })).resolves.toBeDefined();
    const raw = await fetch(`${h.url.vault}/v1/sys/storage/raft/remove-peer`, {
      method: 'POST',
      headers: { 'X-Vault-Token': TOKENS.vault },
      body: JSON.stringify({ server_id: id }),
    });
    expect(raw.status).toBe(204);
  });

  it('seal-status (unauthenticated) and sealed sys/health: standby true, no cluster identity', async () => {
    h = await startHarness();
    const { servers } = bootstrapCluster(h, 0);
    const v = vault();
    expect(await v.status()).toMatchObject({
      type: 'awskms',
      initialized: true,
      sealed: false,
      recovery_seal: true,
      storage_type: 'raft',
      cluster_name: 'vault-cluster-sim',
    });
    for (const s of servers) h.sim.api.sealVault(s.instanceId);
    expect(await v.status()).toMatchObject({ sealed: true });
    expect(await v.status()).not.toHaveProperty('cluster_id');
    // node-vault resolves sys/health bodies whatever the status code.
    const health = (await v.health()) as Record<string, unknown>;
    expect(health).toMatchObject({ initialized: true, sealed: true, standby: true });
    expect(health).not.toHaveProperty('cluster_name');
    expect((await fetch(`${h.url.vault}/v1/sys/health`)).status).toBe(503);
  });

  it('capabilities-self: per path and under data; root everywhere for a root token, deny where no policy matches', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    h.sim.api.addVaultToken({
      secret: 'hvs.reader',
      accessor: 'acc-reader',
      root: false,
      policies: [{ name: 'raft-read', paths: { 'sys/storage/raft/configuration': ['read'], 'sys/storage/raft/autopilot/*': ['read', 'list'] } }],
    });
    const caps = (await vault('hvs.reader').write('sys/capabilities-self', {
      paths: ['sys/storage/raft/configuration', 'sys/storage/raft/autopilot/state', 'sys/storage/raft/remove-peer'],
    })) as Record<string, unknown> & { data: Record<string, string[]> };
    expect(caps.data).toMatchObject({
      'sys/storage/raft/configuration': ['read'],
      'sys/storage/raft/autopilot/state': ['list', 'read'],
      'sys/storage/raft/remove-peer': ['deny'],
    });
    expect(caps['sys/storage/raft/remove-peer']).toEqual(['deny']);
    const root = (await vault(TOKENS.vault).write('sys/capabilities-self', { paths: ['sys/storage/raft/remove-peer'] })) as { capabilities: string[] };
    expect(root.capabilities).toEqual(['root']);
  });

  it('a token without the capability is refused 403 permission denied; with it, the raft configuration is wrapped in data', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    h.sim.api.addVaultToken({
      secret: 'hvs.reader',
      accessor: 'acc-reader',
      root: false,
      policies: [{ name: 'raft-read', paths: { 'sys/storage/raft/configuration': ['read'] } }],
    });
    const reader = vault('hvs.reader');
    const config = (await reader.read('sys/storage/raft/configuration')) as { data: { config: { servers: unknown[] } } };
    expect(config.data.config.servers).toHaveLength(3);
    const denied = await failure(reader.write('sys/storage/raft/remove-peer', { server_id: 'x' }));
    expect([denied.response?.statusCode, denied.message]).toEqual([403, 'permission denied']);
  });
});
