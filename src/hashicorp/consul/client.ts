/** Typed Consul API client (endpoints and fields as in the reference). */
import { z } from 'zod';
import type { HttpClient } from '../../http/client.js';
import { AutopilotHealthSchema, type AutopilotHealth } from '../nomad/schemas.js';
import { blockingQuery, type Block, type Indexed } from '../blocking.js';
import { bexprString, indexHeader, parseBody } from '../parse.js';
import { CatalogNodeSchema, HealthCheckSchema, MemberSchema, RaftConfigurationSchema, type ConsulCatalogNode, type ConsulHealthCheck, type ConsulMember, type ConsulRaftConfiguration } from './schemas.js';

export class ConsulClient {
  constructor(private readonly http: HttpClient) {}

  /** Gossip members as the queried agent sees them (Status: 1 alive, 2 leaving, 3 left, 4 failed). */
  async members(): Promise<ConsulMember[]> {
    const { body } = await this.http.getJson('/v1/agent/members');
    return parseBody('consul', 'members', z.array(MemberSchema).nullable(), body) ?? [];
  }

  /**
   * The catalog node of an EC2 instance: by node meta `instance_id`, else by
   * private IP (`Address`). Null when neither matches.
   */
  async findNodeByInstanceId(instanceId: string, privateIp: string | null | undefined): Promise<ConsulCatalogNode | null> {
    const byMeta = await this.catalogNodes(`Meta.instance_id == ${bexprString(instanceId)}`);
    if (byMeta[0]) return byMeta[0];
    if (!privateIp) return null;
    return (await this.catalogNodes(`Address == ${bexprString(privateIp)}`))[0] ?? null;
  }

  private async catalogNodes(filter: string): Promise<ConsulCatalogNode[]> {
    const { body } = await this.http.getJson('/v1/catalog/nodes', { filter });
    return parseBody('consul', 'catalog nodes', z.array(CatalogNodeSchema).nullable(), body) ?? [];
  }

  /** Health checks of a node (incl. serfHealth). */
  async nodeHealth(node: string): Promise<ConsulHealthCheck[]> {
    return (await this.nodeHealthIndexed(node)).value;
  }

  /** Health checks of a node with the index; with `block`, a blocking query. */
  async nodeHealthIndexed(node: string, block?: Block): Promise<Indexed<ConsulHealthCheck[]>> {
    const b = blockingQuery(block);
    const { body, headers } = await this.http.getJson(`/v1/health/node/${encodeURIComponent(node)}`, b.query, b.extra);
    return { value: parseBody('consul', 'node health', z.array(HealthCheckSchema).nullable(), body) ?? [], index: indexHeader(headers, 'X-Consul-Index') };
  }

  /** Catalog nodes with node meta `instance_id` = instanceId or, given one, the private IP as Address; with `block`, a blocking query. */
  async catalogNodesByInstance(instanceId: string, privateIp: string | null, block?: Block): Promise<Indexed<ConsulCatalogNode[]>> {
    const b = blockingQuery(block);
    const filter = [`Meta.instance_id == ${bexprString(instanceId)}`, ...(privateIp ? [`Address == ${bexprString(privateIp)}`] : [])].join(' or ');
    const { body, headers } = await this.http.getJson('/v1/catalog/nodes', { filter, ...b.query }, b.extra);
    return { value: parseBody('consul', 'catalog nodes', z.array(CatalogNodeSchema).nullable(), body) ?? [], index: indexHeader(headers, 'X-Consul-Index') };
  }

  /** Force a member to leave; with `prune`, remove it from the member list entirely. */
  async forceLeave(name: string, prune: boolean): Promise<void> {
    await this.http.request({ method: 'PUT', path: `/v1/agent/force-leave/${encodeURIComponent(name)}`, query: prune ? { prune: 'true' } : undefined });
  }

  async raftConfiguration(): Promise<ConsulRaftConfiguration> {
    const { body } = await this.http.getJson('/v1/operator/raft/configuration');
    return parseBody('consul', 'raft configuration', RaftConfigurationSchema, body);
  }

  /** Remove a raft peer by id or address (exactly one). */
  async removeRaftPeer(peer: { id: string } | { address: string }): Promise<void> {
    await this.http.request({ method: 'DELETE', path: '/v1/operator/raft/peer', query: 'id' in peer ? { id: peer.id } : { address: peer.address }, retry: false });
  }

  /** Autopilot health; 200 and 429 are both answers. */
  async autopilotHealth(): Promise<AutopilotHealth> {
    const res = await this.http.request({ path: '/v1/operator/autopilot/health', answerStatuses: [429] });
    return parseBody('consul', 'autopilot health', AutopilotHealthSchema, res.json(), res.status);
  }

  /** Raft leader address ("" without one). */
  async leader(): Promise<string> {
    const { body } = await this.http.getJson('/v1/status/leader');
    return parseBody('consul', 'leader', z.string().nullish(), body) ?? '';
  }
}
