/**
 * Conformance of the simulated Nomad HTTP API with Nomad's behaviour the
 * control plane relies on (plain HTTP: no Nomad client library on npm is kept
 * up; the control plane's own client is tested separately).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCluster, startHarness, type Harness } from '../hashistack/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const MINUTE = 60_000;

async function oneNode(): Promise<{ id: string; index: number }> {
  const res = await h.nomad('/v1/nodes');
  const nodes = (await res.json()) as Array<{ ID: string }>;
  return { id: nodes[0]?.ID ?? '', index: Number(res.headers.get('x-nomad-index')) };
}

/**
 * Run `fn` with the clock held, so a parked blocking query lets sim time jump
 * but the elapsed time is read exactly. `fn` gets `busy()`: while it runs
 * sim time moves at wall speed (a request can reach the server and park
 * before a write is made).
 */
async function timed<T>(fn: (busy: <R>(step: () => Promise<R>) => Promise<R>) => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const release = h.clock.hold();
  const busy = <R>(step: () => Promise<R>): Promise<R> => h.clock.holding(step);
  try {
    const start = h.clock.now();
    const value = await fn(busy);
    return { value, elapsedMs: h.clock.now() - start };
  } finally {
    release();
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('Nomad conformance', () => {
  it('blocking /v1/nodes is not woken by a write to another table (job registration, allocations)', async () => {
    h = await startHarness();
    bootstrapCluster(h, 2);
    const { index } = await oneNode();
    const allocsBefore = h.sim.api.allocations().length;
    const { value, elapsedMs } = await timed(async (busy) => {
      let pending: Promise<Response> | undefined;
      await busy(async () => {
        pending = h.nomad(`/v1/nodes?index=${index}&wait=5m`);
        await settle();
        h.sim.api.registerJob({ ID: 'web', Type: 'service', NodePool: 'general', TaskGroups: [{ Name: 'web', Count: 2, cpu: 100, memoryMB: 64 }] });
        await settle();
      });
      return pending as Promise<Response>;
    });
    expect(h.sim.api.allocations().length).toBeGreaterThan(allocsBefore);
    expect(Number(value.headers.get('x-nomad-index'))).toBe(index);
    expect(elapsedMs).toBeGreaterThanOrEqual(5 * MINUTE);
  });

  it('blocking /v1/nodes wakes on a node write at once', async () => {
    h = await startHarness();
    bootstrapCluster(h, 2);
    const { id, index } = await oneNode();
    const { value, elapsedMs } = await timed(async (busy) => {
      let pending: Promise<Response> | undefined;
      await busy(async () => {
        pending = h.nomad(`/v1/nodes?index=${index}&wait=5m`);
        await settle();
        await h.nomad(`/v1/node/${id}/eligibility`, { method: 'POST', body: JSON.stringify({ Eligibility: 'ineligible' }) });
      });
      return pending as Promise<Response>;
    });
    expect(Number(value.headers.get('x-nomad-index'))).toBeGreaterThan(index);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('a wait above 5 minutes is cut to 5 minutes plus at most 1/16 jitter', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const { index } = await oneNode();
    const { elapsedMs } = await timed(() => h.nomad(`/v1/nodes?index=${index}&wait=20m`));
    expect(elapsedMs).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(elapsedMs).toBeLessThanOrEqual(5 * MINUTE + (5 * MINUTE) / 16 + 1_000);
  });

  it('a malformed wait or index answers 400', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const wait = await h.nomad('/v1/nodes?index=1&wait=5');
    expect([wait.status, await wait.text()]).toEqual([400, 'Invalid wait time']);
    const index = await h.nomad('/v1/nodes?index=abc');
    expect([index.status, await index.text()]).toEqual([400, 'Invalid index']);
  });

  it('a purge of a node already purged answers 500 "node not found", not 404', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const { id } = await oneNode();
    h.sim.api.nodes();
    const first = await h.nomad(`/v1/node/${id}/purge`, { method: 'POST' });
    expect(first.status).toBe(200);
    const second = await h.nomad(`/v1/node/${id}/purge`, { method: 'POST' });
    expect([second.status, await second.text()]).toEqual([500, 'node not found']);
  });

  it('writes carry X-Nomad-Index; /v1/status/peers lists the raft addresses', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const { id } = await oneNode();
    const write = await h.nomad(`/v1/node/${id}/eligibility`, { method: 'POST', body: JSON.stringify({ Eligibility: 'ineligible' }) });
    const body = (await write.json()) as { Index: number };
    expect(Number(write.headers.get('x-nomad-index'))).toBe(body.Index);
    const peers = (await (await fetch(`${h.url.nomad}/v1/status/peers`)).json()) as string[];
    expect(peers).toHaveLength(3);
    expect(peers.every((p) => /^10\.0\.0\.\d+:4647$/.test(p))).toBe(true);
  });

  it('ACL: a client token may not write nodes or read raft; token/self and its own policies are readable, others are not', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    h.sim.api.addToken('nomad', {
      secret: 'reader',
      accessor: 'acc-reader',
      name: 'reader',
      management: false,
      policies: [{ name: 'node-read', rules: { node: 'read' } }],
    });
    h.sim.api.addToken('nomad', {
      secret: 'other',
      accessor: 'acc-other',
      name: 'other',
      management: false,
      policies: [{ name: 'secret-policy', rules: { operator: 'write' } }],
    });
    const as = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${h.url.nomad}${path}`, { ...init, headers: { 'X-Nomad-Token': 'reader' } });
    const { id } = await oneNode();
    expect((await as('/v1/nodes')).status).toBe(200);
    const write = await as(`/v1/node/${id}/eligibility`, { method: 'POST', body: JSON.stringify({ Eligibility: 'ineligible' }) });
    expect([write.status, await write.text()]).toEqual([403, 'Permission denied']);
    expect((await as('/v1/operator/raft/configuration')).status).toBe(403);
    expect(await (await as('/v1/acl/token/self')).json()).toMatchObject({ AccessorID: 'acc-reader', Type: 'client', Policies: ['node-read'] });
    expect(await (await as('/v1/acl/policy/node-read')).json()).toMatchObject({ Name: 'node-read', Rules: expect.stringContaining('policy = "read"') });
    expect((await as('/v1/acl/policy/secret-policy')).status).toBe(403);
    // Allocations of namespaces the token may not read are filtered out, not refused.
    const allocs = await as(`/v1/node/${id}/allocations`);
    expect([allocs.status, await allocs.json()]).toEqual([200, []]);
  });
});
