import { z } from 'zod';
import { parseWait } from '../../core/blocking.js';
import { json, text, type SimRequest, type SimResponse, type SimService } from '../../core/http.js';
import { NOMAD_VERSION } from '../cluster/nomad-cluster.js';
import type { HashistackWorld } from '../cluster/world.js';
import { FilterSyntaxError, parseFilter } from '../filter.js';
import { autopilotHealth } from '../http/autopilot.js';
import { jsonBody, Router, tokenOf, type Route } from '../http/router.js';
import { allocationView, fullNode, nodeStub } from './views.js';

const DrainBody = z.object({
  DrainSpec: z.object({ Deadline: z.number().int().optional(), IgnoreSystemJobs: z.boolean().optional() }).nullable().optional(),
  MarkEligible: z.boolean().optional(),
  Meta: z.record(z.string(), z.string()).nullable().optional(),
});
const EligibilityBody = z.object({ Eligibility: z.string() });

/**
 * The simulated Nomad HTTP API (servers' view), per the reference: nodes,
 * drains, eligibility, allocations, purge, raft operator, autopilot,
 * leader, server members and force-leave. ACL: one management token.
 */
export class NomadService implements SimService {
  readonly name = 'nomad' as const;
  private readonly router: Router;

  constructor(private readonly world: HashistackWorld, private readonly token: string) {
    const r = (method: string, template: string, handle: Route['handle']): Route => ({ method, template, handle });
    this.router = new Router([
      r('GET', '/v1/status/leader', () => this.leader()),
      r('GET', '/v1/nodes', (req) => this.listNodes(req)),
      r('GET', '/v1/node/:id', (req, p) => this.readNode(req, p.id ?? '')),
      r('GET', '/v1/node/:id/allocations', (req, p) => this.nodeAllocations(req, p.id ?? '')),
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

  async handle(req: SimRequest): Promise<SimResponse> {
    const m = this.router.match(req.method, req.path);
    if (!m) return text(404, 'Invalid URL');
    if (req.path !== '/v1/status/leader') {
      const token = tokenOf(req, 'x-nomad-token');
      if (!token) return text(403, 'Permission denied');
      if (token !== this.token) return text(403, 'ACL token not found');
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

  private async block(req: SimRequest, resourceIndex: () => number): Promise<void> {
    const min = Number(req.query.get('index') ?? '0');
    if (Number.isFinite(min) && min > 0) await this.nomad.index.waitBeyond(min, parseWait(req.query.get('wait')), resourceIndex);
  }

  private leader(): SimResponse {
    const leader = this.nomad.raft.leader();
    return json(200, leader ? leader.address : '');
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
    await this.block(req, () => this.nomad.index.current);
    const prefix = req.query.get('prefix') ?? '';
    const options = { resources: req.query.get('resources') === 'true', os: req.query.get('os') === 'true' };
    const nodes = [...this.nomad.nodes.values()]
      .filter((n) => n.ID.startsWith(prefix))
      .filter((n) => !filter || filter(fullNode(n)))
      .sort((a, b) => a.ID.localeCompare(b.ID))
      .map((n) => nodeStub(n, options));
    return json(200, nodes, this.headers(this.nomad.index.current));
  }

  private async readNode(req: SimRequest, id: string): Promise<SimResponse> {
    const node = this.nomad.nodes.get(id);
    if (!node) return text(404, 'node not found', this.headers(this.nomad.index.current));
    await this.block(req, () => (this.nomad.nodes.get(id) === node ? node.ModifyIndex : Number.MAX_SAFE_INTEGER));
    if (this.nomad.nodes.get(id) !== node) return text(404, 'node not found', this.headers(this.nomad.index.current));
    return json(200, fullNode(node), this.headers(node.ModifyIndex));
  }

  private async nodeAllocations(req: SimRequest, id: string): Promise<SimResponse> {
    const maxIndex = (): number => Math.max(1, ...this.nomad.allocsOn(id).map((a) => a.ModifyIndex));
    await this.block(req, maxIndex);
    const allocs = this.nomad.allocsOn(id).sort((a, b) => a.CreateIndex - b.CreateIndex).map(allocationView);
    return json(200, allocs, this.headers(maxIndex()));
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
    return json(200, { EvalCreateIndex: index, EvalIDs: [], Index: index, NodeModifyIndex: index });
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
    return json(200, { EvalCreateIndex: index, EvalIDs: [], Index: index, NodeModifyIndex: index });
  }

  private hostOfNode(instanceId: string): NonNullable<ReturnType<HashistackWorld['hosts']['get']>> {
    const host = this.world.hosts.get(instanceId);
    if (!host) throw new Error(`no host for ${instanceId}`);
    return host;
  }

  private purge(id: string): SimResponse {
    const node = this.nomad.nodes.get(id);
    if (!node) return text(500, 'node not found');
    const host = this.world.hosts.get(node.instanceId);
    this.nomad.purge(id, () => {
      if (host && host.agents.nomad && host.os === 'up') this.nomad.registerClient(host, host.behaviour.wrongNodePool);
    });
    const index = this.nomad.index.current;
    return json(200, { EvalCreateIndex: index, EvalIDs: [], Index: index, NodeModifyIndex: index });
  }

  private raftConfiguration(): SimResponse {
    const leader = this.nomad.raft.leader();
    return json(200, {
      Index: this.nomad.raft.configIndex,
      Servers: this.nomad.raft.list().map((p) => ({ ID: p.id, Node: p.name, Address: p.address, Leader: leader?.id === p.id, Voter: p.voter, RaftProtocol: '3' })),
    }, this.headers(this.nomad.index.current));
  }

  private removePeer(req: SimRequest): SimResponse {
    if (req.query.has('address')) return text(400, 'Removing raft peers by address is not supported; use ?id=');
    const id = req.query.get('id');
    if (!id) return text(400, 'Must specify ?id with the server\'s ID');
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
    const body = autopilotHealth(this.nomad.raft, NOMAD_VERSION, (instanceId) => {
      const member = [...this.nomad.members.values()].find((m) => m.instanceId === instanceId);
      return member?.status ?? 'none';
    }, this.nomad.index.current);
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
