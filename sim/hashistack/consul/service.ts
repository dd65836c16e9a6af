import { z } from 'zod';
import { parseWait } from '../../core/blocking.js';
import { json, text, type SimRequest, type SimResponse, type SimService } from '../../core/http.js';
import { CONSUL_STATUS_CODE } from '../cluster/state.js';
import { CONSUL_VERSION } from '../cluster/consul-cluster.js';
import type { HashistackWorld } from '../cluster/world.js';
import { FilterSyntaxError, parseFilter } from '../filter.js';
import { autopilotHealth } from '../http/autopilot.js';
import { jsonBody, Router, tokenOf, type Route } from '../http/router.js';

const DeregisterBody = z.object({ Datacenter: z.string().optional(), Node: z.string().min(1) });

/** ACL permission each route needs, for the anonymous-token denial text. */
const PERMISSION: Record<string, string> = {
  'GET /v1/agent/members': 'node:read',
  'GET /v1/catalog/nodes': 'node:read',
  'GET /v1/health/node/:node': 'node:read',
  'PUT /v1/agent/force-leave/:node': 'operator:write',
  'PUT /v1/agent/leave': 'agent:write',
  'PUT /v1/catalog/deregister': 'node:write',
  'GET /v1/operator/raft/configuration': 'operator:read',
  'DELETE /v1/operator/raft/peer': 'operator:write',
  'GET /v1/operator/autopilot/health': 'operator:read',
};

/**
 * The simulated Consul HTTP API, answered by a server agent: members,
 * catalog, node health, force-leave, deregister, raft operator, autopilot
 * and leader. `PUT /v1/agent/leave` only works on the node itself (the shell).
 */
export class ConsulService implements SimService {
  readonly name = 'consul' as const;
  private readonly router: Router;

  constructor(private readonly world: HashistackWorld, private readonly token: string) {
    const r = (method: string, template: string, handle: Route['handle']): Route => ({ method, template, handle });
    this.router = new Router([
      r('GET', '/v1/status/leader', () => this.leader()),
      r('GET', '/v1/agent/members', () => this.members()),
      r('GET', '/v1/catalog/nodes', (req) => this.catalogNodes(req)),
      r('GET', '/v1/health/node/:node', (req, p) => this.nodeHealth(req, p.node ?? '')),
      r('PUT', '/v1/agent/force-leave/:node', (req, p) => this.forceLeave(req, p.node ?? '')),
      r('PUT', '/v1/agent/leave', () => this.answeringAgentLeaves()),
      r('PUT', '/v1/catalog/deregister', (req) => this.deregister(req)),
      r('GET', '/v1/operator/raft/configuration', () => this.raftConfiguration()),
      r('DELETE', '/v1/operator/raft/peer', (req) => this.removePeer(req)),
      r('GET', '/v1/operator/autopilot/health', () => this.autopilot()),
    ]);
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
    if (req.path !== '/v1/status/leader') {
      const token = tokenOf(req, 'x-consul-token');
      const permission = PERMISSION[`${m.route.method} ${m.route.template}`] ?? 'operator:read';
      if (!token) return text(403, `Permission denied: anonymous token lacks permission '${permission}'. The anonymous token is used implicitly when a request does not specify a token.`);
      if (token !== this.token) return text(403, 'Permission denied: ACL not found');
      if (m.route.template.startsWith('/v1/operator/') && !this.consul.raft.leader()) return text(500, 'No cluster leader');
    }
    return m.route.handle(req, m.params);
  }

  private get consul(): HashistackWorld['consul'] {
    return this.world.consul;
  }

  private headers(index: number): Record<string, string> {
    return { 'X-Consul-Index': String(index), 'X-Consul-KnownLeader': String(this.consul.raft.leader() !== undefined), 'X-Consul-LastContact': '0' };
  }

  private async block(req: SimRequest, resourceIndex: () => number): Promise<void> {
    const min = Number(req.query.get('index') ?? '0');
    if (Number.isFinite(min) && min > 0) await this.consul.index.waitBeyond(min, parseWait(req.query.get('wait')), resourceIndex);
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

  private members(): SimResponse {
    return json(200, [...this.consul.members.values()].map((m) => ({
      Name: m.name,
      Addr: m.addr,
      Port: m.port,
      Tags: { ...m.tags },
      Status: CONSUL_STATUS_CODE[m.status],
    })), this.headers(this.consul.index.current));
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
    await this.block(req, () => this.consul.index.current);
    const nodes = [...this.consul.catalog.values()].filter((n) => !filter || filter(n)).sort((a, b) => a.Node.localeCompare(b.Node));
    return json(200, nodes.map((n) => ({ ...n, TaggedAddresses: { ...n.TaggedAddresses }, Meta: { ...n.Meta } })), this.headers(this.consul.index.current));
  }

  private async nodeHealth(req: SimRequest, node: string): Promise<SimResponse> {
    await this.block(req, () => this.consul.index.current);
    return json(200, this.consul.checks(node), this.headers(this.consul.index.current));
  }

  private forceLeave(req: SimRequest, node: string): SimResponse {
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
    return json(200, {
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
    }, this.headers(this.consul.index.current));
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
    const body = autopilotHealth(this.consul.raft, CONSUL_VERSION, (instanceId) => {
      const m = [...this.consul.members.values()].find((x) => x.instanceId === instanceId);
      return m?.status ?? 'none';
    }, this.consul.index.current);
    return json(body.Healthy ? 200 : 429, body, this.headers(this.consul.index.current));
  }
}
