import { z } from 'zod';
import { NOMAD_BLOCKING, parseBlocking } from '../../core/blocking.js';
import { json, text, type SimRequest, type SimResponse, type SimService } from '../../core/http.js';
import type { Rng } from '../../core/rng.js';
import { allows, type ResourceToken, rotateToken, rulesHcl } from '../acl.js';
import type { NomadTable } from '../cluster/indexing.js';
import { NOMAD_VERSION } from '../cluster/nomad-cluster.js';
import type { HashistackWorld } from '../cluster/world.js';
import { FilterSyntaxError, parseFilter } from '../filter.js';
import { autopilotHealth } from '../http/autopilot.js';
import { jsonBody, Router, tokenOf, type Route } from '../http/router.js';
import type { SnapshotServer } from '../snapshot/server.js';
import { allocationView, deploymentView, fullNode, nodeStub } from './views.js';

const DrainBody = z.object({
  DrainSpec: z.object({ Deadline: z.number().int().optional(), IgnoreSystemJobs: z.boolean().optional() }).nullable().optional(),
  MarkEligible: z.boolean().optional(),
  Meta: z.record(z.string(), z.string()).nullable().optional(),
});
const EligibilityBody = z.object({ Eligibility: z.string() });

/**
 * What each route needs (nomad/*_endpoint.go ACL checks): a resource
 * disposition, `management` (raft operator endpoints and transfer-leadership
 * check `aclObj.IsManagement()`), `self` (any valid token) or nothing.
 */
type Need = { resource: string; access: 'read' | 'write' } | 'management' | 'self' | 'none';
const NEEDS: Record<string, Need> = {
  'GET /v1/status/leader': 'none',
  'GET /v1/status/peers': 'none',
  'GET /v1/acl/token/self': 'self',
  'GET /v1/acl/policy/:name': 'self',
  'GET /v1/nodes': { resource: 'node', access: 'read' },
  'GET /v1/node/:id': { resource: 'node', access: 'read' },
  'GET /v1/node/:id/allocations': { resource: 'node', access: 'read' },
  'GET /v1/agent/members': { resource: 'node', access: 'read' },
  // Deployment.List/GetDeployment, Job.Deployments/LatestDeployment: read-job on the namespace.
  'GET /v1/deployments': { resource: 'namespace', access: 'read' },
  'GET /v1/deployment/:id': { resource: 'namespace', access: 'read' },
  'GET /v1/job/:id/deployments': { resource: 'namespace', access: 'read' },
  'GET /v1/job/:id/deployment': { resource: 'namespace', access: 'read' },
  'GET /v1/operator/autopilot/health': { resource: 'operator', access: 'read' },
  'GET /v1/operator/raft/configuration': 'management',
  'DELETE /v1/operator/raft/peer': 'management',
  // Operator.SnapshotSave checks aclObj.IsManagement().
  'GET /v1/operator/snapshot': 'management',
};
function needOf(method: string, template: string): Need {
  const exact = NEEDS[`${method} ${template}`];
  if (exact) return exact;
  if (template === '/v1/operator/raft/transfer-leadership') return 'management';
  if (template === '/v1/agent/force-leave') return { resource: 'agent', access: 'write' };
  return { resource: 'node', access: 'write' };
}

/**
 * The simulated Nomad HTTP API (servers' view), per the reference: nodes,
 * drains, eligibility, allocations, purge, raft operator, autopilot,
 * leader, peers, server members, force-leave and the token's own ACL view.
 * ACL: the management token plus tokens added with policies.
 */
export class NomadService implements SimService {
  readonly name = 'nomad' as const;
  private readonly router: Router;
  private readonly tokens = new Map<string, ResourceToken>();

  constructor(
    private readonly world: HashistackWorld,
    managementToken: string,
    private readonly rng: Rng,
    private readonly snapshots: SnapshotServer,
  ) {
    this.addToken({ secret: managementToken, accessor: rng.uuid(), name: 'control-plane (management)', management: true, policies: [] });
    const r = (method: string, template: string, handle: Route['handle']): Route => ({ method, template, handle });
    this.router = new Router([
      r('GET', '/v1/status/leader', () => this.leader()),
      r('GET', '/v1/status/peers', () => this.peers()),
      r('GET', '/v1/acl/token/self', (req) => this.tokenSelf(req)),
      r('GET', '/v1/acl/policy/:name', (req, p) => this.policy(req, p.name ?? '')),
      r('GET', '/v1/nodes', (req) => this.listNodes(req)),
      r('GET', '/v1/node/:id', (req, p) => this.readNode(req, p.id ?? '')),
      r('GET', '/v1/node/:id/allocations', (req, p) => this.nodeAllocations(req, p.id ?? '')),
      r('GET', '/v1/deployments', (req) => this.listDeployments(req)),
      r('GET', '/v1/deployment/:id', (req, p) => this.readDeployment(req, p.id ?? '')),
      r('GET', '/v1/job/:id/deployments', (req, p) => this.jobDeployments(req, p.id ?? '')),
      r('GET', '/v1/job/:id/deployment', (req, p) => this.latestDeployment(req, p.id ?? '')),
      ...['POST', 'PUT'].flatMap((m) => [
        r(m, '/v1/node/:id/drain', (req, p) => this.drain(req, p.id ?? '')),
        r(m, '/v1/node/:id/eligibility', (req, p) => this.eligibility(req, p.id ?? '')),
        r(m, '/v1/node/:id/purge', (_req, p) => this.purge(p.id ?? '')),
        r(m, '/v1/operator/raft/transfer-leadership', (req) => this.transferLeadership(req)),
        r(m, '/v1/agent/force-leave', (req) => this.forceLeave(req)),
      ]),
      r('GET', '/v1/operator/raft/configuration', () => this.raftConfiguration()),
      r('DELETE', '/v1/operator/raft/peer', (req) => this.removePeer(req)),
      r('GET', '/v1/operator/autopilot/health', () => this.autopilot()),
      r('GET', '/v1/agent/members', () => this.members()),
      r('GET', '/v1/operator/snapshot', () => this.snapshots.nomad()),
    ]);
  }

  actionOf(req: SimRequest): string {
    return this.router.actionOf(req);
  }

  throttled(): SimResponse {
    return text(429, 'Too many requests');
  }

  serverError(): SimResponse {
    return text(500, 'rpc error: rpc error: EOF');
  }

  /** Add a token (the control plane's narrower tokens in tests and scenarios). */
  addToken(token: ResourceToken): void {
    this.tokens.set(token.secret, token);
  }

  /** Rotate a token (see {@link rotateToken} in acl.ts). */
  rotateToken(oldSecret: string, newSecret: string): boolean {
    return rotateToken(this.tokens, oldSecret, newSecret, () => this.rng.uuid());
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const m = this.router.match(req.method, req.path);
    if (!m) return text(404, 'Invalid URL');
    const need = needOf(m.route.method, m.route.template);
    if (need !== 'none') {
      const secret = tokenOf(req, 'x-nomad-token');
      // Nomad resolves a missing token to the anonymous policy (deny by default).
      if (!secret) return text(403, 'Permission denied');
      const token = this.tokens.get(secret);
      if (!token) return text(403, 'ACL token not found');
      const granted = need === 'self' || (need === 'management' ? token.management : allows(token, need.resource, need.access));
      if (!granted) return text(403, 'Permission denied');
      const local = req.path === '/v1/agent/members' || req.path === '/v1/agent/force-leave';
      if (!local && !this.nomad.raft.leader()) return text(500, 'No cluster leader');
    }
    return m.route.handle(req, m.params);
  }

  private get nomad(): HashistackWorld['nomad'] {
    return this.world.nomad;
  }

  private headers(index: number): Record<string, string> {
    return { 'X-Nomad-Index': String(index), 'X-Nomad-KnownLeader': String(this.nomad.raft.leader() !== undefined), 'X-Nomad-LastContact': '0' };
  }

  /** A write's answer: its raft index in the body and in `X-Nomad-Index` (`setIndex` in command/agent/http.go). */
  private written(index: number): SimResponse {
    return json(200, { EvalCreateIndex: index, EvalIDs: [], Index: index, NodeModifyIndex: index }, { 'X-Nomad-Index': String(index) });
  }

  /** Wait as a blocking read of `tables` does; a 400 answer when `index`/`wait` are malformed. */
  private async block(req: SimRequest, tables: NomadTable[], resourceIndex?: () => number): Promise<SimResponse | undefined> {
    const params = parseBlocking(req.query, NOMAD_BLOCKING, this.rng);
    if (!params.ok) return text(params.status, params.message);
    if (params.minIndex > 0) await this.nomad.index.waitBeyond(tables, params.minIndex, params.waitMs, resourceIndex, req.signal);
    return undefined;
  }

  private leader(): SimResponse {
    const leader = this.nomad.raft.leader();
    return json(200, leader ? leader.address : '');
  }

  /** `GET /v1/status/peers`: raft addresses of the servers in the configuration (Status.Peers). */
  private peers(): SimResponse {
    return json(
      200,
      this.nomad.raft.list().map((p) => p.address),
    );
  }

  private tokenSelf(req: SimRequest): SimResponse {
    const token = this.tokens.get(tokenOf(req, 'x-nomad-token') ?? '');
    if (!token) return text(403, 'ACL token not found');
    return json(200, {
      AccessorID: token.accessor,
      SecretID: token.secret,
      Name: token.name,
      Type: token.management ? 'management' : 'client',
      Policies: token.management ? null : token.policies.map((p) => p.name),
      Roles: null,
      Global: true,
      CreateTime: '2026-01-01T00:00:00Z',
      ExpirationTime: null,
      CreateIndex: 7,
      ModifyIndex: 7,
    });
  }

  /** `GET /v1/acl/policy/:name`: management tokens, or a token the policy is attached to (ACL.GetPolicy). */
  private policy(req: SimRequest, name: string): SimResponse {
    const token = this.tokens.get(tokenOf(req, 'x-nomad-token') ?? '');
    if (!token) return text(403, 'ACL token not found');
    const attached = token.policies.find((p) => p.name === name);
    const known = attached ?? [...this.tokens.values()].flatMap((t) => t.policies).find((p) => p.name === name);
    if (!token.management && !attached) return text(403, 'Permission denied');
    if (!known) return text(404, 'ACL policy not found');
    return json(200, { Name: known.name, Description: '', Rules: rulesHcl(known, 'nomad'), JobACL: null, CreateIndex: 8, ModifyIndex: 8 }, this.headers(8));
  }

  private async listNodes(req: SimRequest): Promise<SimResponse> {
    let filter: ((x: unknown) => boolean) | undefined;
    const expression = req.query.get('filter');
    if (expression) {
      try {
        filter = parseFilter(expression);
      } catch (error) {
        if (error instanceof FilterSyntaxError) return text(400, `failed to read filter expression: ${error.message}`);
        throw error;
      }
    }
    const bad = await this.block(req, ['nodes']);
    if (bad) return bad;
    const prefix = req.query.get('prefix') ?? '';
    const options = { resources: req.query.get('resources') === 'true', os: req.query.get('os') === 'true' };
    const nodes = [...this.nomad.nodes.values()]
      .filter((n) => n.ID.startsWith(prefix))
      .filter((n) => !filter || filter(fullNode(n)))
      .sort((a, b) => a.ID.localeCompare(b.ID))
      .map((n) => nodeStub(n, options));
    return json(200, nodes, this.headers(this.nomad.index.of('nodes')));
  }

  private async readNode(req: SimRequest, id: string): Promise<SimResponse> {
    const node = this.nomad.nodes.get(id);
    if (!node) return text(404, 'node not found', this.headers(this.nomad.index.of('nodes')));
    const bad = await this.block(req, ['nodes'], () => (this.nomad.nodes.get(id) === node ? node.ModifyIndex : Number.MAX_SAFE_INTEGER));
    if (bad) return bad;
    if (this.nomad.nodes.get(id) !== node) return text(404, 'node not found', this.headers(this.nomad.index.of('nodes')));
    return json(200, fullNode(node), this.headers(node.ModifyIndex));
  }

  private async nodeAllocations(req: SimRequest, id: string): Promise<SimResponse> {
    const maxIndex = (): number => Math.max(1, ...this.nomad.allocsOn(id).map((a) => a.ModifyIndex));
    const bad = await this.block(req, ['allocs'], maxIndex);
    if (bad) return bad;
    // Allocations of namespaces the token may not read-job are dropped (Node.GetAllocs filters them).
    const token = this.tokens.get(tokenOf(req, 'x-nomad-token') ?? '');
    const readable = token !== undefined && allows(token, 'namespace', 'read');
    const allocs = readable
      ? this.nomad
          .allocsOn(id)
          .sort((a, b) => a.CreateIndex - b.CreateIndex)
          .map(allocationView)
      : [];
    return json(200, allocs, this.headers(maxIndex()));
  }

  /**
   * `GET /v1/deployments`: every deployment of the request's namespace
   * (`namespace=*`: all), by CreateIndex (`reverse=true`: newest first), or
   * by ID with `prefix`; `filter` applies; a blocking read of the deployment table.
   */
  private async listDeployments(req: SimRequest): Promise<SimResponse> {
    let filter: ((x: unknown) => boolean) | undefined;
    const expression = req.query.get('filter');
    if (expression) {
      try {
        filter = parseFilter(expression);
      } catch (error) {
        if (error instanceof FilterSyntaxError) return text(400, `failed to read filter expression: ${error.message}`);
        throw error;
      }
    }
    const bad = await this.block(req, ['deployment']);
    if (bad) return bad;
    const namespace = req.query.get('namespace') ?? 'default';
    const prefix = req.query.get('prefix') ?? '';
    const reverse = req.query.get('reverse') === 'true';
    const out = [...this.nomad.deployments.all.values()]
      .filter((d) => namespace === '*' || d.Namespace === namespace)
      .filter((d) => d.ID.startsWith(prefix))
      .sort((a, b) => (prefix ? a.ID.localeCompare(b.ID) : a.CreateIndex - b.CreateIndex) * (reverse ? -1 : 1))
      .map(deploymentView)
      .filter((d) => !filter || filter(d));
    return json(200, out, this.headers(Math.max(1, this.nomad.index.of('deployment'))));
  }

  private async readDeployment(req: SimRequest, id: string): Promise<SimResponse> {
    const bad = await this.block(req, ['deployment'], () => this.nomad.deployments.all.get(id)?.ModifyIndex ?? this.nomad.index.of('deployment'));
    if (bad) return bad;
    const d = this.nomad.deployments.all.get(id);
    if (!d) return text(404, 'deployment not found', this.headers(Math.max(1, this.nomad.index.of('deployment'))));
    return json(200, deploymentView(d), this.headers(Math.max(1, this.nomad.index.of('deployment'))));
  }

  /** `GET /v1/job/:id/deployments`: the job's deployments in the state store's job-index order (by ID). */
  private async jobDeployments(req: SimRequest, jobId: string): Promise<SimResponse> {
    const bad = await this.block(req, ['deployment']);
    if (bad) return bad;
    const out = [...this.nomad.deployments.all.values()]
      .filter((d) => d.JobID === jobId)
      .sort((a, b) => a.ID.localeCompare(b.ID))
      .map(deploymentView);
    return json(200, out, this.headers(Math.max(1, this.nomad.index.of('deployment'))));
  }

  /** `GET /v1/job/:id/deployment`: the newest deployment of the job, `null` when it has none. */
  private async latestDeployment(req: SimRequest, jobId: string): Promise<SimResponse> {
    const bad = await this.block(req, ['deployment']);
    if (bad) return bad;
    const d = this.nomad.deployments.latest(jobId);
    return json(200, d ? deploymentView(d) : null, this.headers(Math.max(1, this.nomad.index.of('deployment'))));
  }

  private drain(req: SimRequest, id: string): SimResponse {
    const parsed = DrainBody.safeParse(jsonBody(req) ?? {});
    if (!parsed.success) return text(400, 'Request decoding failed: invalid drain request');
    const node = this.nomad.nodes.get(id);
    if (!node) return text(500, 'node not found');
    const spec = parsed.data.DrainSpec;
    const index =
      spec === null || spec === undefined
        ? this.world.drainer.cancel(node, parsed.data.MarkEligible ?? false)
        : this.world.drainer.start(node, { deadlineNs: spec.Deadline ?? 0, ignoreSystemJobs: spec.IgnoreSystemJobs ?? false, meta: parsed.data.Meta ?? null });
    return this.written(index);
  }

  private eligibility(req: SimRequest, id: string): SimResponse {
    const parsed = EligibilityBody.safeParse(jsonBody(req));
    if (!parsed.success) return text(400, 'Request decoding failed: missing Eligibility');
    const wanted = parsed.data.Eligibility;
    if (wanted !== 'eligible' && wanted !== 'ineligible') return text(400, `invalid scheduling eligibility "${wanted}"`);
    const node = this.nomad.nodes.get(id);
    if (!node) return text(500, 'node not found');
    if (wanted === 'eligible' && node.DrainStrategy !== null) {
      return text(500, "can not set node's scheduling eligibility to eligible while it is draining");
    }
    const index = this.nomad.updateNode(node, (n) => {
      n.SchedulingEligibility = wanted;
    });
    this.world.log(this.hostOfNode(node.instanceId), 'nomad', 'INFO', `client: scheduling eligibility set to ${wanted}`);
    return this.written(index);
  }

  private hostOfNode(instanceId: string): NonNullable<ReturnType<HashistackWorld['hosts']['get']>> {
    const host = this.world.hosts.get(instanceId);
    if (!host) throw new Error(`no host for ${instanceId}`);
    return host;
  }

  /** An unknown (already purged) node answers 500 `node not found` (Node.Deregister), not 404. */
  private purge(id: string): SimResponse {
    const node = this.nomad.nodes.get(id);
    if (!node) return text(500, 'node not found');
    const host = this.world.hosts.get(node.instanceId);
    this.nomad.purge(id, () => {
      if (host && host.agents.nomad && host.os === 'up') this.nomad.registerClient(host, host.behaviour.wrongNodePool);
    });
    return this.written(this.nomad.index.current);
  }

  private raftConfiguration(): SimResponse {
    const leader = this.nomad.raft.leader();
    return json(
      200,
      {
        Index: this.nomad.raft.configIndex,
        Servers: this.nomad.raft
          .list()
          .map((p) => ({ ID: p.id, Node: p.name, Address: p.address, Leader: leader?.id === p.id, Voter: p.voter, RaftProtocol: '3' })),
      },
      this.headers(this.nomad.index.current),
    );
  }

  private removePeer(req: SimRequest): SimResponse {
    if (req.query.has('address')) return text(400, 'Removing raft peers by address is not supported; use ?id=');
    const id = req.query.get('id');
    if (!id) return text(400, "Must specify ?id with the server's ID");
    if (!this.nomad.raft.get(id)) return text(500, `id "${id}" was not found in the Raft configuration`);
    this.nomad.raft.remove(id);
    return text(200, '');
  }

  private transferLeadership(req: SimRequest): SimResponse {
    const id = req.query.get('id');
    const raft = this.nomad.raft;
    const from = raft.leader();
    const target = id ? raft.get(id) : raft.list().find((p) => p.voter && raft.alive(p) && p.id !== from?.id);
    if (id && !target) return text(500, `id "${id}" was not found in the Raft configuration`);
    if (!target) return text(500, 'cannot find a peer to transfer leadership to');
    if (!target.voter) return text(500, 'cannot transfer leadership to a non-voter');
    if (!raft.alive(target)) return text(500, `failed to transfer leadership: peer ${target.id} is not reachable`);
    const noop = from?.id === target.id;
    if (!noop) raft.transferLeadership(target.id);
    return json(200, {
      From: { Address: from?.address ?? '', ID: from?.id ?? '' },
      To: { Address: target.address, ID: target.id },
      Noop: noop,
    });
  }

  private autopilot(): SimResponse {
    const body = autopilotHealth(
      this.nomad.raft,
      NOMAD_VERSION,
      (instanceId) => {
        const member = [...this.nomad.members.values()].find((m) => m.instanceId === instanceId);
        return member?.status ?? 'none';
      },
      this.nomad.index.current,
    );
    return json(body.Healthy ? 200 : 429, body, this.headers(this.nomad.index.current));
  }

  private members(): SimResponse {
    const members = [...this.nomad.members.values()];
    const leader = this.nomad.raft.leader();
    const self = members.find((m) => m.name === leader?.name) ?? members.find((m) => m.status === 'alive');
    return json(200, {
      ServerName: self?.name.replace(/\.global$/, '') ?? '',
      ServerRegion: 'global',
      ServerDC: self?.tags.dc ?? 'dc1',
      Members: members.map((m) => ({ Name: m.name, Addr: m.addr, Port: m.port, Tags: { ...m.tags }, Status: m.status })),
    });
  }

  private forceLeave(req: SimRequest): SimResponse {
    const name = req.query.get('node');
    if (!name) return text(400, 'missing node to force leave');
    const prune = req.query.get('prune') === 'true' || req.query.get('prune') === '';
    const member = this.nomad.members.get(name);
    if (member && (member.status === 'failed' || member.status === 'leaving' || (prune && member.status === 'left'))) {
      if (member.status !== 'left') this.nomad.setMemberStatus(name, 'left');
      if (prune) this.nomad.members.delete(name);
      this.nomad.index.bump();
      this.world.log(this.hostOfNode(member.instanceId), 'nomad', 'INFO', `serf: force-leave${prune ? ' (prune)' : ''}`);
    }
    return text(200, '');
  }
}
