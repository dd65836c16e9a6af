/**
 * Blocking reads the join gate needs and the shared cluster clients do not
 * offer (`/v1/nodes?filter=&index=`, `/v1/catalog/nodes?filter=&index=`,
 * `/v1/health/node/:node?index=`). Same HTTP client, tokens and schemas as
 * {@link createClusterClients}.
 */
import { z } from 'zod';
import { getSecureString } from '../../aws/ssm.js';
import type { Config } from '../../config/index.js';
import { CatalogNodeSchema, HealthCheckSchema, type ConsulCatalogNode, type ConsulHealthCheck } from '../../hashicorp/consul/schemas.js';
import { BLOCKING_MARGIN_MS, MAX_WAIT_MS } from '../../hashicorp/nomad/client.js';
import { NodeStubSchema, type NomadNodeStub } from '../../hashicorp/nomad/schemas.js';
import { bexprString, indexHeader, parseBody } from '../../hashicorp/parse.js';
import { HttpClient, type RequestOptions } from '../../http/client.js';
import { toGoSeconds } from '../../time/duration.js';

/** A blocking read: return when the result changes past `index`, or after `waitMs`. */
export interface Block {
  index: number;
  waitMs: number;
}

/** A read result with the index to block on next. */
export interface Indexed<T> {
  value: T;
  index: number;
}

/** The gate's reads; without `block` they answer at once. */
export interface JoinReads {
  /** Nomad nodes fingerprinted with this EC2 instance id. */
  nomadNodesByInstanceId(instanceId: string, block?: Block): Promise<Indexed<NomadNodeStub[]>>;
  /** Consul catalog nodes with node meta `instance_id` = instanceId, or the private IP as Address. */
  consulNodesByInstance(instanceId: string, privateIp: string | null, block?: Block): Promise<Indexed<ConsulCatalogNode[]>>;
  /** Health checks of a Consul node (incl. serfHealth). */
  consulNodeHealth(node: string, block?: Block): Promise<Indexed<ConsulHealthCheck[]>>;
}

function blockingQuery(block: Block | undefined): { query: RequestOptions['query']; extra: Partial<RequestOptions> } {
  if (!block || block.index <= 0) return { query: {}, extra: {} };
  const waitMs = Math.min(block.waitMs, MAX_WAIT_MS);
  return { query: { index: block.index, wait: toGoSeconds(waitMs) }, extra: { timeoutMs: waitMs + BLOCKING_MARGIN_MS } };
}

/** {@link JoinReads} over HTTP. */
export class HttpJoinReads implements JoinReads {
  constructor(
    private readonly nomad: HttpClient,
    private readonly consul: HttpClient,
  ) {}

  async nomadNodesByInstanceId(instanceId: string, block?: Block): Promise<Indexed<NomadNodeStub[]>> {
    const b = blockingQuery(block);
    const { body, headers } = await this.nomad.getJson('/v1/nodes', { filter: `Attributes["unique.platform.aws.instance-id"] == ${bexprString(instanceId)}`, ...b.query }, b.extra);
    return { value: parseBody('nomad', 'node list', z.array(NodeStubSchema).nullable(), body) ?? [], index: indexHeader(headers, 'X-Nomad-Index') };
  }

  async consulNodesByInstance(instanceId: string, privateIp: string | null, block?: Block): Promise<Indexed<ConsulCatalogNode[]>> {
    const b = blockingQuery(block);
    const filter = [`Meta.instance_id == ${bexprString(instanceId)}`, ...(privateIp ? [`Address == ${bexprString(privateIp)}`] : [])].join(' or ');
    const { body, headers } = await this.consul.getJson('/v1/catalog/nodes', { filter, ...b.query }, b.extra);
    return { value: parseBody('consul', 'catalog nodes', z.array(CatalogNodeSchema).nullable(), body) ?? [], index: indexHeader(headers, 'X-Consul-Index') };
  }

  async consulNodeHealth(node: string, block?: Block): Promise<Indexed<ConsulHealthCheck[]>> {
    const b = blockingQuery(block);
    const { body, headers } = await this.consul.getJson(`/v1/health/node/${encodeURIComponent(node)}`, b.query, b.extra);
    return { value: parseBody('consul', 'node health', z.array(HealthCheckSchema).nullable(), body) ?? [], index: indexHeader(headers, 'X-Consul-Index') };
  }
}

/** Build the reads for a configuration (no I/O until the first request). */
export function createJoinReads(config: Config, readToken: (parameter: string) => Promise<string> = getSecureString): JoinReads {
  return new HttpJoinReads(
    new HttpClient({ service: 'nomad', baseUrl: config.nomadAddr, authHeader: 'X-Nomad-Token', token: () => readToken(config.tokenParameters.nomad) }),
    new HttpClient({ service: 'consul', baseUrl: config.consulAddr, authHeader: 'X-Consul-Token', token: () => readToken(config.tokenParameters.consul) }),
  );
}
