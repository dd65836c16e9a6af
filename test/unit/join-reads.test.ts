import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createClusterClients } from '../../src/hashicorp/clients.js';
import { joinReads } from '../../src/workflows/join/reads.js';
import { baseEnv, json, startServer } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('join blocking reads (loopback)', () => {
  it('send the filter, index and wait of a blocking query and return the index header', async () => {
    const srv = await startServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/v1/nodes') return json(res, 200, [], { 'X-Nomad-Index': '42' });
      if (u.pathname === '/v1/catalog/nodes')
        return json(res, 200, [{ Node: 'n', Address: '10.0.1.23', TaggedAddresses: null, Meta: null }], { 'X-Consul-Index': '7' });
      return json(res, 200, [{ CheckID: 'serfHealth', Status: 'passing' }], { 'X-Consul-Index': '8' });
    });
    close = srv.close;
    const reads = joinReads(createClusterClients(loadConfig({ ...baseEnv, NOMAD_ADDR: srv.url, CONSUL_HTTP_ADDR: srv.url }), async () => 'secret-token'));
    expect(await reads.nomadNodesByInstanceId('i-0abc', { index: 41, waitMs: 60_000 })).toEqual({ value: [], index: 42 });
    const catalog = await reads.consulNodesByInstance('i-0abc', '10.0.1.23');
    expect(catalog.index).toBe(7);
    expect((await reads.consulNodeHealth('ip-10-0-1-23', { index: 7, waitMs: 30_000 })).value[0]?.Status).toBe('passing');

    const nomad = new URL(srv.requests[0]?.url ?? '', 'http://x');
    expect(nomad.searchParams.get('filter')).toBe('Attributes["unique.platform.aws.instance-id"] == "i-0abc"');
    expect(nomad.searchParams.get('index')).toBe('41');
    expect(nomad.searchParams.get('wait')).toBe('60s');
    expect(srv.requests[0]?.headers['x-nomad-token']).toBe('secret-token');
    const consul = new URL(srv.requests[1]?.url ?? '', 'http://x');
    expect(consul.searchParams.get('filter')).toBe('Meta.instance_id == "i-0abc" or Address == "10.0.1.23"');
    expect(consul.searchParams.get('index')).toBeNull();
    expect(new URL(srv.requests[2]?.url ?? '', 'http://x').searchParams.get('index')).toBe('7');
  });
});
