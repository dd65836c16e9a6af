/**
 * The control plane's own clients against the products' real answers (as the
 * simulator gives them): cleanup of something already gone counts as done,
 * the token preflight finds what a token lacks, and an ACL-filtered Consul
 * answer is never read as "no such node".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterUnreachable, PermissionDenied } from '../../../src/errors/index.js';
import { type ConsulClient, consulClient } from '../../../src/hashicorp/consul/client.js';
import { type NomadClient, nomadClient } from '../../../src/hashicorp/nomad/client.js';
import { ALL_WORKFLOWS, checkTokenPermissions } from '../../../src/hashicorp/permissions.js';
import { type VaultClient, vaultClient } from '../../../src/hashicorp/vault/client.js';
import { HttpClient } from '../../../src/http/client.js';
import { bootstrapCluster, startHarness, TOKENS, type Harness } from '../hashistack/harness.js';

let h: Harness;
afterEach(async () => h?.close());

function clients(tokens: { nomad: string; consul: string; vault: string } = TOKENS): { nomad: NomadClient; consul: ConsulClient; vault: VaultClient } {
  const http = (service: 'nomad' | 'consul' | 'vault', header: string, token: string): HttpClient =>
    new HttpClient({ service, baseUrl: h.url[service], authHeader: header, token: async () => token, backoffBaseMs: 1, backoffMaxMs: 2 });
  return {
    nomad: nomadClient(http('nomad', 'X-Nomad-Token', tokens.nomad)),
    consul: consulClient(http('consul', 'X-Consul-Token', tokens.consul)),
    vault: vaultClient(http('vault', 'X-Vault-Token', tokens.vault)),
  };
}

describe("control plane against the products' answers", () => {
  it('a repeated Nomad purge counts as done (500 "node not found"); another 500 still fails', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const c = clients();
    const id = h.sim.api.nodes()[0]?.ID ?? '';
    expect(await c.nomad.purgeNode(id)).toBe(true);
    expect(await c.nomad.purgeNode(id)).toBe(false);
    h.faults.set('nomad', { errorRate: 1 });
    await expect(c.nomad.purgeNode(id)).rejects.toBeInstanceOf(ClusterUnreachable);
  });

  it('a Consul force-leave of a member already reaped counts as done; another 500 still fails', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    const c = clients();
    expect(await c.consul.forceLeave('ip-10-0-1-99.ec2.internal', true)).toBe(false);
    h.faults.set('consul', { errorRate: 1 });
    await expect(c.consul.forceLeave('ip-10-0-1-99.ec2.internal', true)).rejects.toBeInstanceOf(ClusterUnreachable);
  });

  it('raft peer removal of an id already gone counts as done in Nomad, Consul and Vault', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    const c = clients();
    await expect(c.nomad.removeRaftPeer('00000000-0000-0000-0000-00000000dead')).resolves.toBeUndefined();
    await expect(c.consul.removeRaftPeer({ id: '00000000-0000-0000-0000-00000000dead' })).resolves.toBeUndefined();
    await expect(c.vault.removeRaftPeer('i-0deaddeaddeaddead')).resolves.toBeUndefined();
  });

  it('the token preflight finds nothing missing for management tokens and names each grant a narrow token lacks', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    expect(await checkTokenPermissions(clients(), ALL_WORKFLOWS)).toEqual([]);
    h.sim.api.addToken('nomad', { secret: 'n-ro', accessor: 'a1', name: 'read-only', management: false, policies: [{ name: 'ro', rules: { node: 'read' } }] });
    h.sim.api.addToken('consul', {
      secret: 'c-kv',
      accessor: 'a2',
      name: 'kv',
      management: false,
      policies: [{ name: 'kv', rules: { key: 'write', operator: 'write' } }],
    });
    h.sim.api.addVaultToken({ secret: 'v-ro', accessor: 'a3', root: false, policies: [{ name: 'raft-read', paths: { 'sys/storage/raft/*': ['read'] } }] });
    const findings = await checkTokenPermissions(clients({ nomad: 'n-ro', consul: 'c-kv', vault: 'v-ro' }), ['drain-client', 'server-removal']);
    expect(findings.map((f) => `${f.system} ${f.missing}`).sort()).toEqual(
      ['consul node:read', 'nomad management', 'nomad namespace:read', 'nomad node:write', 'vault update on sys/storage/raft/remove-peer'].sort(),
    );
    const unknown = await checkTokenPermissions(clients({ ...TOKENS, nomad: 'nope' }), ['join-client']);
    expect(unknown).toEqual([expect.objectContaining({ system: 'nomad', missing: 'a valid token' })]);
  });

  it('a Consul lookup filtered by ACLs is a PermissionDenied, never "no such node"', async () => {
    h = await startHarness();
    const { clients: nodes } = bootstrapCluster(h, 1);
    h.sim.api.addToken('consul', { secret: 'c-kv', accessor: 'a2', name: 'kv', management: false, policies: [{ name: 'kv', rules: { key: 'write' } }] });
    const node = nodes[0];
    if (!node) throw new Error('no client');
    expect((await clients().consul.findNodeByInstanceId(node.instanceId, node.privateIp))?.Node).toBe(node.privateDnsName);
    await expect(clients({ ...TOKENS, consul: 'c-kv' }).consul.findNodeByInstanceId(node.instanceId, node.privateIp)).rejects.toBeInstanceOf(PermissionDenied);
  });
});
