import { z } from 'zod';
import { CONSUL_BLOCKING, parseBlocking } from '../../core/blocking.js';
import { json, text, type SimRequest, type SimResponse, type SimService } from '../../core/http.js';
import type { Rng } from '../../core/rng.js';
import { allows, type ResourceToken, rotateToken } from '../acl.js';
import type { ConsulTable } from '../cluster/indexing.js';
import { CONSUL_STATUS_CODE } from '../cluster/state.js';
import { CONSUL_VERSION } from '../cluster/consul-cluster.js';
import type { HashistackWorld } from '../cluster/world.js';
import { FilterSyntaxError, parseFilter } from '../filter.js';
import { autopilotHealth } from '../http/autopilot.js';
import { jsonBody, Router, tokenOf, type Route } from '../http/router.js';
import type { SnapshotServer } from '../snapshot/server.js';
import { ConsulKv } from './kv.js';

const DeregisterBody = z.object({ Datacenter: z.string().optional(), Node: z.string().min(1) });
const AuthorizeBody = z.array(z.object({ Resource: z.string(), Access: z.string(), Segment: z.string().optional() }));

/**
 * Permission each route needs. Reads of nodes and members are never refused
 * for lack of `node:read`: the product filters what the token may not see out
 * of the answer (agent `filterMembers`, catalog `filterACL`), so they are
 * marked `filtered` here and checked per object.
 */
type Need = { resource: string; access: 'read' | 'write'; filtered?: boolean } | 'none' | 'self';
const NEEDS: Record<string, Need> = {
  'GET /v1/status/leader': 'none',
  'GET /v1/status/peers': 'none',
  'GET /v1/acl/token/self': 'self',
  'POST /v1/internal/acl/authorize': 'self',
  'GET /v1/agent/members': { resource: 'node', access: 'read', filtered: true },
  'GET /v1/catalog/nodes': { resource: 'node', access: 'read', filtered: true },
  'GET /v1/health/node/:node': { resource: 'node', access: 'read', filtered: true },
  'PUT /v1/agent/force-leave/:node': { resource: 'operator', access: 'write' },
  'PUT /v1/agent/leave': { resource: 'agent', access: 'write' },
  'PUT /v1/catalog/deregister': { resource: 'node', access: 'write' },
  'GET /v1/operator/raft/configuration': { resource: 'operator', access: 'read' },
  'DELETE /v1/operator/raft/peer': { resource: 'operator', access: 'write' },
  'GET /v1/operator/autopilot/health': { resource: 'operator', access: 'read' },
  'GET /v1/kv/*key': { resource: 'key', access: 'read', filtered: true },
  'PUT /v1/kv/*key': { resource: 'key', access: 'write' },
  'DELETE /v1/kv/*key': { resource: 'key', access: 'write' },
  // Snapshot.Save checks ACLWrite (acl = "write").
  'GET /v1/snapshot': { resource: 'acl', access: 'write' },
};

/** The anonymous token: what a request without a token runs as (no policies under default-deny). */
const ANONYMOUS: ResourceToken = {
  secret: 'anonymous',
  accessor: '00000000-0000-0000-0000-000000000002',
  name: 'Anonymous Token',
  management: false,
  policies: [],
};

/**
 * The simulated Consul HTTP API, answered by a server agent: members,
 * catalog, node health, force-leave, deregister, raft operator, autopilot,
 * leader, peers, KV and the token's own ACL view. `PUT /v1/agent/leave` only
 * works on the node itself (the shell).
 */
export class ConsulService implements SimService {
  readonly name = 'consul' as const;
  private readonly router: Router;
  private readonly tokens = new Map<string, ResourceToken>();
  private readonly kv: ConsulKv;

  constructor(
    private readonly world: HashistackWorld,
    managementToken: string,
    private readonly rng: Rng,
    private readonly snapshots: SnapshotServer,
  ) {
    this.addToken({ secret: managementToken, accessor: rng.uuid(), name: 'control-plane (global-management)', management: true, policies: [] });
    this.kv = new ConsulKv(world.consul.index);
    const r = (method: string, template: string, handle: Route['handle']): Route => ({ method, template, handle });
    this.router = new Router([
      r('GET', '/v1/status/leader', () => this.leader()),
      r('GET', '/v1/status/peers', () => this.peers()),
      r('GET', '/v1/acl/token/self', (req) => this.tokenSelf(req)),
      r('POST', '/v1/internal/acl/authorize', (req) => this.authorize(req)),
      r('GET', '/v1/agent/members', (req) => this.members(req)),
      r('GET', '/v1/catalog/nodes', (req) => this.catalogNodes(req)),
      r('GET', '/v1/health/node/:node', (req, p) => this.nodeHealth(req, p.node ?? '')),
      r('PUT', '/v1/agent/force-leave/:node', (req, p) => this.forceLeave(req, p.node ?? '')),
      r('PUT', '/v1/agent/leave', () => this.answeringAgentLeaves()),
      r('PUT', '/v1/catalog/deregister', (req) => this.deregister(req)),
      r('GET', '/v1/operator/raft/configuration', () => this.raftConfiguration()),
      r('DELETE', '/v1/operator/raft/peer', (req) => this.removePeer(req)),
      r('GET', '/v1/operator/autopilot/health', () => this.autopilot()),
      r('GET', '/v1/kv/*key', (req, p) => this.kvRead(req, p.key ?? '')),
      r('PUT', '/v1/kv/*key', (req, p) => this.kv.put(req, p.key ?? '')),
      r('DELETE', '/v1/kv/*key', (req, p) => this.kv.delete(req, p.key ?? '')),
      r('GET', '/v1/snapshot', () => this.snapshots.consul()),
    ]);
  }

  /** Add a token (the control plane's narrower tokens in tests and scenarios). */
  addToken(token: ResourceToken): void {
    this.tokens.set(token.secret, token);
  }

  /** Rotate a token (see {@link rotateToken} in acl.ts). */
  rotateToken(oldSecret: string, newSecret: string): boolean {
    return rotateToken(this.tokens, oldSecret, newSecret, () => this.rng.uuid());
  }

  actionOf(req: SimRequest): string {
    return this.router.actionOf(req);
  }

  throttled(): SimResponse {
    return text(429, 'rate limit exceeded, try a different server');
  }

  serverError(): SimResponse {
    return text(500, 'rpc error making call: EOF');
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const m = this.router.match(req.method, req.path);
    if (!m) return text(404, `Invalid URL path: not a recognized HTTP API endpoint`);
    const need = NEEDS[`${m.route.method} ${m.route.template}`] ?? { resource: 'operator', access: 'read' };
    if (need !== 'none') {
      const token = this.tokenOf(req);
      if (!token) return text(403, 'ACL not found');
      if (need !== 'self' && !need.filtered && !allows(token, need.resource, need.access)) return this.denied(token, `${need.resource}:${need.access}`);
      if (m.route.template.startsWith('/v1/operator/') && !this.consul.raft.leader()) return text(500, 'No cluster leader');
    }
    return m.route.handle(req, m.params);
  }

  /** The token of a request: the anonymous token without one; undefined for an unknown secret. */
  private tokenOf(req: SimRequest): ResourceToken | undefined {
    const secret = tokenOf(req, 'x-consul-token');
    return secret ? this.tokens.get(secret) : ANONYMOUS;
  }

  /** acl.PermissionDeniedError text (acl/errors.go). */
  private denied(token: ResourceToken, permission: string): SimResponse {
    if (token === ANONYMOUS) {
      return text(
        403,
        `Permission denied: anonymous token lacks permission '${permission}'. The anonymous token is used implicitly when a request does not specify a token.`,
      );
    }
    return text(403, `Permission denied: token with AccessorID '${token.accessor}' lacks permission '${permission}'`);
  }

  private get consul(): HashistackWorld['consul'] {
    return this.world.consul;
  }

  /**
   * Response headers; `X-Consul-Results-Filtered-By-ACLs` only for an
   * authenticated (non-anonymous) token, never to the anonymous one (agent/http.go
   * `setResultsFilteredByACLs`, to avoid leaking that something exists).
   */
  private headers(index: number, filtered?: { token: ResourceToken; any: boolean }): Record<string, string> {
    const h: Record<string, string> = {
      'X-Consul-Index': String(index),
      'X-Consul-KnownLeader': String(this.consul.raft.leader() !== undefined),
      'X-Consul-LastContact': '0',
      'X-Consul-Default-ACL-Policy': 'deny',
    };
    if (filtered?.any && filtered.token !== ANONYMOUS) h['X-Consul-Results-Filtered-By-ACLs'] = 'true';
    return h;
  }

  /** Wait as a blocking read of `tables` does; a 400 answer when `index`/`wait` are malformed. */
  private async block(req: SimRequest, tables: ConsulTable[]): Promise<SimResponse | undefined> {
    const params = parseBlocking(req.query, CONSUL_BLOCKING, this.rng);
    if (!params.ok) return text(params.status, params.message);
    if (params.minIndex > 0) await this.consul.index.waitBeyond(tables, params.minIndex, params.waitMs, undefined, req.signal);
    return undefined;
  }

  /** Over HTTP the agent answering is a server (the leader here): it is the one that leaves. */
  private answeringAgentLeaves(): SimResponse {
    const leader = this.consul.raft.leader();
    const host = leader ? this.world.hosts.get(leader.instanceId) : undefined;
    if (host) this.world.consulLeave(host, () => undefined);
    return text(200, '');
  }

  private leader(): SimResponse {
    return json(200, this.consul.raft.leader()?.address ?? '');
  }

  /** `GET /v1/status/peers`: raft addresses of the servers in the configuration. */
  private peers(): SimResponse {
    return json(
      200,
      this.consul.raft.list().map((p) => p.address),
    );
  }

  private tokenSelf(req: SimRequest): SimResponse {
    const token = this.tokenOf(req);
    if (!token || token === ANONYMOUS) return text(403, 'ACL not found');
    return json(200, {
      AccessorID: token.accessor,
      SecretID: token.secret,
      Description: token.name,
      Policies: token.management
        ? [{ ID: '00000000-0000-0000-0000-000000000001', Name: 'global-management' }]
        : token.policies.map((p, i) => ({ ID: `00000000-0000-0000-0001-${String(i).padStart(12, '0')}`, Name: p.name })),
      Local: false,
      CreateTime: '2026-01-01T00:00:00Z',
      Hash: 'c2ltLXRva2VuLWhhc2g=',
      CreateIndex: 12,
      ModifyIndex: 12,
    });
  }

  /**
   * `POST /v1/internal/acl/authorize` (agent/acl_endpoint.go `ACLAuthorize`):
   * the caller's own token checked against each `{Resource, Access}`; the
   * answer echoes each request with `Allow`.
   */
  private authorize(req: SimRequest): SimResponse {
    const token = this.tokenOf(req) ?? ANONYMOUS;
    const parsed = AuthorizeBody.safeParse(jsonBody(req));
    if (!parsed.success) return text(400, 'Request decode failed: expected a list of authorization requests');
    const out = [];
    for (const r of parsed.data) {
      if (r.Access !== 'read' && r.Access !== 'write' && r.Access !== 'list') return text(400, `Invalid access level for ${r.Resource} resource: ${r.Access}`);
      out.push({ Resource: r.Resource, Segment: r.Segment ?? '', Access: r.Access, Allow: allows(token, r.Resource, r.Access === 'list' ? 'read' : r.Access) });
    }
    return json(200, out);
  }

  private mayReadNode(token: ResourceToken): boolean {
    return allows(token, 'node', 'read');
  }

  /** Agent members; members the token may not `node:read` are silently left out (Agent.filterMembers). */
  private members(req: SimRequest): SimResponse {
    const token = this.tokenOf(req) ?? ANONYMOUS;
    const visible = this.mayReadNode(token) ? [...this.consul.members.values()] : [];
    return json(
      200,
      visible.map((m) => ({
        Name: m.name,
        Addr: m.addr,
        Port: m.port,
        Tags: { ...m.tags },
        Status: CONSUL_STATUS_CODE[m.status],
        ProtocolMin: 1,
        ProtocolMax: 5,
        ProtocolCur: 2,
        DelegateMin: 2,
        DelegateMax: 5,
        DelegateCur: 4,
      })),
    );
  }

  private async catalogNodes(req: SimRequest): Promise<SimResponse> {
    let filter: ((x: unknown) => boolean) | undefined;
    const expression = req.query.get('filter');
    if (expression) {
      try {
        filter = parseFilter(expression);
      } catch (error) {
        if (error instanceof FilterSyntaxError) return text(400, `Failed to create boolean expression evaluator: ${error.message}`);
        throw error;
      }
    }
    // `?node-meta=key:value` (repeatable): every pair must match (agent/http.go parseMetaFilter).
    const meta = req.query.getAll('node-meta').map((kv) => {
      const i = kv.indexOf(':');
      return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
    });
    const bad = await this.block(req, ['nodes']);
    if (bad) return bad;
    const token = this.tokenOf(req) ?? ANONYMOUS;
    const all = [...this.consul.catalog.values()].filter((n) => meta.every(([k, v]) => n.Meta[k ?? ''] === v)).filter((n) => !filter || filter(n));
    const visible = this.mayReadNode(token) ? all : [];
    const nodes = visible.sort((a, b) => a.Node.localeCompare(b.Node));
    return json(
      200,
      nodes.map((n) => ({ ...n, TaggedAddresses: { ...n.TaggedAddresses }, Meta: { ...n.Meta } })),
      this.headers(this.consul.index.of('nodes'), { token, any: visible.length < all.length }),
    );
  }

  private async nodeHealth(req: SimRequest, node: string): Promise<SimResponse> {
    const bad = await this.block(req, ['checks']);
    if (bad) return bad;
    const token = this.tokenOf(req) ?? ANONYMOUS;
    const checks = this.consul.checks(node);
    const visible = this.mayReadNode(token) ? checks : [];
    return json(200, visible, this.headers(this.consul.index.of('checks'), { token, any: visible.length < checks.length }));
  }

  private kvRead(req: SimRequest, key: string): Promise<SimResponse> {
    const token = this.tokenOf(req) ?? ANONYMOUS;
    return this.kv.get(req, key, {
      mayRead: () => allows(token, 'key', 'read'),
      block: (tables) => this.block(req, tables),
      headers: (filteredAny) => this.headers(this.consul.index.of('kvs'), { token, any: filteredAny }),
      denied: () => this.denied(token, 'key:read'),
    });
  }

  /**
   * Force-leave: a name no pool knows answers 500 `agent: No node found with
   * name '…'` (agent/consul/server.go `RemoveFailedNode`), e.g. a member
   * already reaped or pruned.
   */
  private forceLeave(req: SimRequest, node: string): SimResponse {
    if (!this.consul.members.has(node)) return text(500, `agent: No node found with name '${node}'`);
    this.consul.forceLeave(node, req.query.has('prune'));
    return text(200, '');
  }

  private deregister(req: SimRequest): SimResponse {
    const parsed = DeregisterBody.safeParse(jsonBody(req));
    if (!parsed.success) return text(400, 'Missing node name');
    const host = [...this.world.hosts.values()].find((h) => h.instance.privateDnsName === parsed.data.Node);
    this.consul.deregister(parsed.data.Node, host);
    return json(200, true);
  }

  private raftConfiguration(): SimResponse {
    const leader = this.consul.raft.leader();
    return json(
      200,
      {
        Servers: this.consul.raft.list().map((p) => ({
          ID: p.id,
          Node: p.name,
          Address: p.address,
          Leader: leader?.id === p.id,
          Voter: p.voter,
          ProtocolVersion: '3',
          LastIndex: this.consul.raft.alive(p) ? this.consul.index.current : Math.max(0, this.consul.index.current - 50),
        })),
        Index: this.consul.raft.configIndex,
      },
      this.headers(this.consul.index.current),
    );
  }

  private removePeer(req: SimRequest): SimResponse {
    const id = req.query.get('id');
    const address = req.query.get('address');
    if ((id ? 1 : 0) + (address ? 1 : 0) !== 1) return text(400, "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    const peer = id ? this.consul.raft.get(id) : this.consul.raft.list().find((p) => p.address === address);
    if (!peer) return text(500, id ? `id "${id}" was not found in the Raft configuration` : `address "${address}" was not found in the Raft configuration`);
    this.consul.raft.remove(peer.id);
    return text(200, '');
  }

  private autopilot(): SimResponse {
    const body = autopilotHealth(
      this.consul.raft,
      CONSUL_VERSION,
      (instanceId) => {
        const m = [...this.consul.members.values()].find((x) => x.instanceId === instanceId);
        return m?.status ?? 'none';
      },
      this.consul.index.current,
    );
    return json(body.Healthy ? 200 : 429, body, this.headers(this.consul.index.current));
  }
}
