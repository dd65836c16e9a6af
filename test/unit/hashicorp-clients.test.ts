import { afterEach, describe, expect, it } from 'vitest';
import { consulClient } from '../../src/hashicorp/consul/client.js';
import { nomadClient } from '../../src/hashicorp/nomad/client.js';
import { vaultClient } from '../../src/hashicorp/vault/client.js';
import { HttpClient } from '../../src/http/client.js';
import { json, startServer } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});
const http = (service: string, url: string): HttpClient => new HttpClient({ service, baseUrl: url, backoffBaseMs: 1, backoffMaxMs: 2 });

const node = (over: Record<string, unknown> = {}) => ({
  ID: 'f7476465-4d6e-c0de-26d0-e383c49be941',
  Name: 'ip-10-0-1-23',
  Datacenter: 'dc1',
  HTTPAddr: '10.0.1.23:4646',
  Attributes: { 'unique.platform.aws.instance-id': 'i-0abc' },
  Links: { 'aws.ec2': 'us-east-1a.i-0abc' },
  Meta: {},
  NodePool: 'default',
  NodeClass: '',
  Drain: true,
  DrainStrategy: { Deadline: 3600000000000, IgnoreSystemJobs: true, ForceDeadline: '2026-01-05T10:00:00Z', StartedAt: '2026-01-05T09:00:00Z' },
  SchedulingEligibility: 'ineligible',
  Status: 'ready',
  StatusDescription: '',
  StatusUpdatedAt: 1,
  Events: [],
  LastDrain: { Status: 'draining' },
  CreateIndex: 5,
  ModifyIndex: 42,
  ...over,
});

describe('NomadClient', () => {
  it('finds a node by instance id with a URL-encoded filter', async () => {
    const s = await startServer((_r, res) => json(res, 200, [{ ...node(), Attributes: undefined, DrainStrategy: undefined }]));
    close = s.close;
    const n = await nomadClient(http('nomad', s.url)).findNodeByInstanceId('i-0abc');
    expect(n?.ID).toBe(node().ID);
    const url = new URL(s.requests[0]!.url, 'http://x');
    expect(url.pathname).toBe('/v1/nodes');
    expect(url.searchParams.get('filter')).toBe('Attributes["unique.platform.aws.instance-id"] == "i-0abc"');
    expect(s.requests[0]!.url).toContain('filter=Attributes%5B%22unique.platform.aws.instance-id%22%5D+%3D%3D+%22i-0abc%22');
  });
  it('returns null when no node matches', async () => {
    const s = await startServer((_r, res) => json(res, 200, []));
    close = s.close;
    expect(await nomadClient(http('nomad', s.url)).findNodeByInstanceId('i-0abc')).toBeNull();
  });
  it('propagates the blocking index', async () => {
    const s = await startServer((r, res) =>
      json(res, 200, r.url.includes('index=42') ? node({ DrainStrategy: null, LastDrain: { Status: 'complete' } }) : node(), {
        'X-Nomad-Index': r.url.includes('index=42') ? '57' : '42',
      }),
    );
    close = s.close;
    const c = nomadClient(http('nomad', s.url));
    const first = await c.getNode(node().ID);
    expect(first.index).toBe(42);
    expect(first.node.DrainStrategy?.Deadline).toBe(3600000000000);
    const second = await c.getNode(node().ID, { index: first.index, waitMs: 120_000 });
    expect(s.requests[1]!.url).toBe(`/v1/node/${node().ID}?index=42&wait=120s`);
    expect(second).toMatchObject({ index: 57, node: { DrainStrategy: null, LastDrain: { Status: 'complete' } } });
  });
  it('sends the drain spec as documented', async () => {
    const s = await startServer((_r, res) => json(res, 200, { EvalCreateIndex: 60, EvalIDs: ['e1'], Index: 60, NodeModifyIndex: 61 }));
    close = s.close;
    const r = await nomadClient(http('nomad', s.url)).drainNode('n1', { deadlineNs: 3.6e12, ignoreSystemJobs: true }, { reason: 'x' });
    expect(r.index).toBe(61);
    expect(JSON.parse(s.requests[0]!.body)).toEqual({ DrainSpec: { Deadline: 3.6e12, IgnoreSystemJobs: true }, MarkEligible: false, Meta: { reason: 'x' } });
  });
  it('parses autopilot health on 200 and 429', async () => {
    const body = {
      Healthy: false,
      FailureTolerance: 0,
      Leader: 'a',
      Voters: ['a'],
      Servers: [
        {
          ID: 'a',
          Name: 's1.global',
          Address: '10.0.0.1:4647',
          SerfStatus: 'alive',
          Version: '1.10.1',
          Leader: true,
          LastContact: '0s',
          LastTerm: 2,
          LastIndex: 10,
          Healthy: false,
          Voter: true,
          StableSince: '2026-01-05T09:00:00Z',
        },
      ],
    };
    const s = await startServer((_r, res) => json(res, 429, body));
    close = s.close;
    expect((await nomadClient(http('nomad', s.url)).autopilotHealth()).Healthy).toBe(false);
    expect(s.requests).toHaveLength(1);
  });
});

describe('ConsulClient', () => {
  it('looks up by instance_id meta, then falls back to the private IP', async () => {
    const s = await startServer((r, res) => {
      const filter = new URL(r.url, 'http://x').searchParams.get('filter') ?? '';
      json(
        res,
        200,
        filter.startsWith('Address') ? [{ ID: 'id', Node: 'ip-10-0-1-23', Address: '10.0.1.23', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} }] : [],
      );
    });
    close = s.close;
    const n = await consulClient(http('consul', s.url)).findNodeByInstanceId('i-0abc', '10.0.1.23');
    expect(n?.Node).toBe('ip-10-0-1-23');
    expect(s.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('filter'))).toEqual(['Meta.instance_id == "i-0abc"', 'Address == "10.0.1.23"']);
  });
  it('parses members and force-leaves with prune', async () => {
    const s = await startServer((r, res) =>
      r.method === 'GET'
        ? json(res, 200, [{ Name: 'ip-10-0-1-23', Addr: '10.0.1.23', Port: 8301, Tags: { role: 'node', dc: 'dc1' }, Status: 3 }])
        : json(res, 200, true),
    );
    close = s.close;
    const c = consulClient(http('consul', s.url));
    expect((await c.members())[0]?.Status).toBe(3);
    await c.forceLeave('ip-10-0-1-23', true);
    expect(s.requests[1]).toMatchObject({ method: 'PUT', url: '/v1/agent/force-leave/ip-10-0-1-23?prune=true' });
  });
});

describe('VaultClient', () => {
  it('treats every health status as an answer', async () => {
    const s = await startServer((_r, res) =>
      json(res, 503, {
        initialized: true,
        sealed: true,
        standby: true,
        performance_standby: false,
        version: '1.17.0',
        cluster_name: 'v',
        cluster_id: 'c',
        server_time_utc: 1,
      }),
    );
    close = s.close;
    const h = await vaultClient(http('vault', s.url)).health();
    expect(h).toMatchObject({ status: 503, sealed: true });
    expect(s.requests).toHaveLength(1);
  });
  it('unwraps raft configuration', async () => {
    const s = await startServer((_r, res) =>
      json(res, 200, {
        request_id: 'r',
        lease_id: '',
        lease_duration: 0,
        renewable: false,
        data: { config: { index: 5, servers: [{ node_id: 'v1', address: '10.0.0.1:8201', leader: true, protocol_version: '3', voter: true }] } },
      }),
    );
    close = s.close;
    expect((await vaultClient(http('vault', s.url)).raftConfiguration()).servers[0]?.node_id).toBe('v1');
  });
});
