/**
 * Conformance of the simulated Consul HTTP API, exercised with the `consul`
 * client library from npm (a second client the control plane does not use).
 */
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCluster, startHarness, TOKENS, type Harness } from '../hashistack/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const MINUTE = 60_000;

function client(token?: string): Consul {
  const url = new URL(h.url.consul);
  return new Consul({ host: url.hostname, port: Number(url.port), ...(token ? { defaults: { token } } : {}) });
}

/** A token that may write keys under default-deny but has no node:read. */
function addKeyWriter(): string {
  h.sim.api.addToken('consul', {
    secret: 'kv-writer',
    accessor: '6a1e2b9c-0000-4000-8000-000000000001',
    name: 'kv writer',
    management: false,
    policies: [{ name: 'kv', rules: { key: 'write' } }],
  });
  return 'kv-writer';
}

async function failure(p: Promise<unknown>): Promise<{ statusCode: number; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { statusCode: number; message: string };
  }
  throw new Error('expected the call to fail');
}

describe('Consul conformance (npm consul client)', () => {
  it('ACL: members, catalog and node health read with a token lacking node:read answer 200 with everything filtered out', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 2);
    const limited = client(addKeyWriter());
    expect(await client(TOKENS.consul).agent.members()).toHaveLength(5);
    expect(await limited.agent.members()).toEqual([]);
    expect(await limited.catalog.node.list()).toEqual([]);
    // An authenticated token is told its results were filtered; the anonymous token is not (no leak).
    const authed = await fetch(`${h.url.consul}/v1/catalog/nodes`, { headers: { 'X-Consul-Token': 'kv-writer' } });
    expect([await authed.json(), authed.headers.get('x-consul-results-filtered-by-acls')]).toEqual([[], 'true']);
    const anonymous = await fetch(`${h.url.consul}/v1/catalog/nodes`);
    expect([await anonymous.json(), anonymous.headers.get('x-consul-results-filtered-by-acls')]).toEqual([[], null]);
    expect(await limited.health.node(clients[0]?.privateDnsName ?? '')).toEqual([]);
  });

  it('ACL: a write without its permission is 403 naming the token and the permission; an unknown token is 403 ACL not found', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const denied = await failure(client(addKeyWriter()).agent.forceLeave({ node: 'ip-10-0-1-99.eu-west-1.compute.internal' }));
    expect(denied.statusCode).toBe(403);
    // The library shortens long bodies; the text itself:
    const text = await (await fetch(`${h.url.consul}/v1/agent/force-leave/x`, { method: 'PUT', headers: { 'X-Consul-Token': 'kv-writer' } })).text();
    expect(text).toBe("Permission denied: token with AccessorID '6a1e2b9c-0000-4000-8000-000000000001' lacks permission 'operator:write'");
    const unknown = await failure(client('no-such-token').agent.members());
    expect([unknown.statusCode, unknown.message]).toEqual([403, 'ACL not found']);
  });

  it('token/self and internal/acl/authorize describe the calling token', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const secret = addKeyWriter();
    const self = await fetch(`${h.url.consul}/v1/acl/token/self`, { headers: { 'X-Consul-Token': secret } });
    expect(await self.json()).toMatchObject({ AccessorID: '6a1e2b9c-0000-4000-8000-000000000001', Policies: [{ Name: 'kv' }] });
    const authz = await fetch(`${h.url.consul}/v1/internal/acl/authorize`, {
      method: 'POST',
      headers: { 'X-Consul-Token': secret },
      body: JSON.stringify([
        { Resource: 'node', Access: 'read' },
        { Resource: 'key', Access: 'write' },
        { Resource: 'operator', Access: 'write' },
      ]),
    });
    expect(((await authz.json()) as Array<{ Allow: boolean }>).map((a) => a.Allow)).toEqual([false, true, false]);
  });

  it('force-leave of a name no pool knows answers 500 "agent: No node found with name"', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const gone = await failure(client(TOKENS.consul).agent.forceLeave({ node: 'ip-10-0-1-99.ec2.internal' }));
    expect([gone.statusCode, gone.message]).toEqual([500, "agent: No node found with name 'ip-10-0-1-99.ec2.internal'"]);
  });

  it('status/peers lists the raft addresses of the servers', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const peers = await client().status.peers();
    expect(peers).toHaveLength(3);
    expect(peers.every((p: string) => /^10\.0\.0\.\d+:8300$/.test(p))).toBe(true);
  });

  it('KV: set, get, keys, cas and delete; a missing key is 404 (the client answers undefined)', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    const c = client(TOKENS.consul);
    expect(await c.kv.set('hashistack/upgrade/lock', 'exec-1')).toBe(true);
    const got = (await c.kv.get('hashistack/upgrade/lock')) as { Value: string; ModifyIndex: number };
    expect(got.Value).toBe('exec-1');
    const stale = await fetch(`${h.url.consul}/v1/kv/hashistack/upgrade/lock?cas=${got.ModifyIndex + 100}`, {
      method: 'PUT',
      headers: { 'X-Consul-Token': TOKENS.consul },
      body: 'exec-2',
    });
    expect(await stale.json()).toBe(false);
    expect(await c.kv.set({ key: 'hashistack/upgrade/lock', value: 'exec-2', cas: got.ModifyIndex })).toBe(true);
    expect(((await c.kv.get('hashistack/upgrade/lock')) as { Value: string }).Value).toBe('exec-2');
    expect(await c.kv.keys('hashistack/')).toEqual(['hashistack/upgrade/lock']);
    expect(await c.kv.del('hashistack/upgrade/lock')).toBe(true);
    expect(await c.kv.get('hashistack/upgrade/lock')).toBeUndefined();
  });

  it('KV ACL: a single-key read without key:read is 403; a recursive read drops what the token may not read', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    await client(TOKENS.consul).kv.set('app/a', '1');
    h.sim.api.addToken('consul', {
      secret: 'node-reader',
      accessor: 'acc-node-reader',
      name: 'nodes only',
      management: false,
      policies: [{ name: 'nodes', rules: { node: 'read' } }],
    });
    const reader = client('node-reader');
    expect((await failure(reader.kv.get('app/a'))).statusCode).toBe(403);
    expect(await reader.kv.get({ key: 'app/', recurse: true })).toBeUndefined();
  });

  it('node-meta filter: only nodes whose meta matches every pair', async () => {
    h = await startHarness();
    const { clients } = bootstrapCluster(h, 2);
    const id = clients[1]?.instanceId ?? '';
    const nodes = (await client(TOKENS.consul).catalog.node.list({ 'node-meta': [`instance_id:${id}`] } as never)) as Array<{ Meta: Record<string, string> }>;
    expect(nodes.map((n) => n.Meta.instance_id)).toEqual([id]);
  });

  it('blocking catalog/nodes is not woken by a KV write; a wait above 10 minutes is cut to 10 plus 1/16 jitter', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const c = client(TOKENS.consul);
    const first = await fetch(`${h.url.consul}/v1/catalog/nodes`, { headers: { 'X-Consul-Token': TOKENS.consul } });
    const index = first.headers.get('x-consul-index') ?? '';
    const release = h.clock.hold();
    try {
      const start = h.clock.now();
      const busy = h.clock.hold();
      const pending = fetch(`${h.url.consul}/v1/catalog/nodes?index=${index}&wait=20m`, { headers: { 'X-Consul-Token': TOKENS.consul } });
      await new Promise((r) => setTimeout(r, 50));
      expect(await c.kv.set('unrelated', 'x')).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      busy();
      const after = await pending;
      const elapsed = h.clock.now() - start;
      expect(after.headers.get('x-consul-index')).toBe(index);
      expect(elapsed).toBeGreaterThanOrEqual(10 * MINUTE);
      expect(elapsed).toBeLessThanOrEqual(10 * MINUTE + (10 * MINUTE) / 16 + 1_000);
    } finally {
      release();
    }
  });

  it('a malformed wait or index answers 400', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    const c = client(TOKENS.consul);
    const wait = await failure(c.catalog.node.list({ index: '1', wait: 'soon' } as never));
    expect([wait.statusCode, wait.message]).toEqual([400, 'Invalid wait time']);
    const index = await failure(c.catalog.node.list({ index: '-3' } as never));
    expect([index.statusCode, index.message]).toEqual([400, 'Invalid index']);
  });
});
