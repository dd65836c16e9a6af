/**
 * A function wires only the cluster endpoints its steps call: the others throw
 * naming themselves, and its bundle leaves out their response schemas (the
 * pure-zod-calls esbuild plugin), while those it keeps still parse and explain.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../bench/bundles.js';
import { loadConfig } from '../../src/config/index.js';
import { wireClusterClients } from '../../src/hashicorp/clients.js';
import * as consul from '../../src/hashicorp/consul/client.js';
import * as nomad from '../../src/hashicorp/nomad/client.js';
import { baseEnv, json, startServer } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'cluster-wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const NODE = { ID: 'n1', Name: 'ip-10-0-1-23', SchedulingEligibility: 'eligible', Status: 'ready', Attributes: {}, Meta: {}, LastDrain: null };

describe('wireClusterClients', () => {
  it('binds the wired endpoints; any other endpoint or system throws naming it', async () => {
    const s = await startServer((_r, res) => json(res, 200, NODE));
    close = s.close;
    const config = loadConfig({ ...baseEnv, NOMAD_ADDR: s.url, CONSUL_HTTP_ADDR: s.url });
    const clients = wireClusterClients(config, { nomad: { getNode: nomad.getNode }, consul: { leader: consul.leader } }, async () => 'token');
    expect((await clients.nomad.getNode('n1')).node.ID).toBe('n1');
    expect(s.requests.map((r) => [r.url, r.headers['x-nomad-token']])).toEqual([['/v1/node/n1', 'token']]);
    expect(() => clients.nomad.drainNode).toThrowError('nomad.drainNode is not wired into this function: add it to its dependencies');
    expect(() => clients.consul.members).toThrowError('consul.members is not wired into this function');
    expect(() => clients.vault.health).toThrowError('vault.health is not wired into this function');
    expect(s.requests).toHaveLength(1);
  });
});

describe('a bundle wiring one endpoint', () => {
  it('holds only the response schemas that endpoint reaches, which parse and explain as before', async () => {
    const entry = `
      import { getNode } from './src/hashicorp/nomad/client.ts';
      import { HttpClient } from './src/http/client.ts';
      export const read = (url, id) => getNode(new HttpClient({ service: 'nomad', baseUrl: url, backoffBaseMs: 1, backoffMaxMs: 2 }), id);
    `;
    const file = join(dir, 'get-node.mjs');
    await build({ ...lambdaBuildOptions(), stdin: { contents: entry, resolveDir: ROOT, loader: 'js' }, outfile: file });
    const source = readFileSync(file, 'utf8');
    // NodeSchema's own fields stay; Nomad's deployment and raft schemas and every Consul schema do not.
    expect(source).toContain('SchedulingEligibility');
    for (const field of ['HealthyAllocs', 'LastContact', 'CheckID', 'RaftProtocol']) expect(source).not.toContain(field);

    const bundled = (await import(pathToFileURL(file).href)) as { read: (url: string, id: string) => Promise<{ node: { ID: string; Meta: object } }> };
    let body: unknown = NODE;
    const s = await startServer((_r, res) => json(res, 200, body));
    close = s.close;
    expect((await bundled.read(s.url, 'n1')).node).toMatchObject({ ID: 'n1', Meta: {} });
    body = { ...NODE, Status: 7 };
    await expect(bundled.read(s.url, 'n1')).rejects.toThrowError(
      /unexpected node response: ✖ Invalid input: expected string, received number\n {2}→ at Status/,
    );
  });
});
