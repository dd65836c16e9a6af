/**
 * Typed Consul API client (endpoints and fields as in the reference): each
 * endpoint a function of the HTTP client, so a function's dependencies wire,
 * and its bundle carries, only the endpoints its steps call (../clients.ts).
 */
import * as z from '../../validation/zod.js';
import { PermissionDenied } from '../../errors/index.js';
import type { HttpClient, StreamResponse } from '../../http/client.js';
import { bindEndpoints, type BoundEndpoints } from '../endpoints.js';
import { SNAPSHOT_HEADERS_TIMEOUT_MS } from '../snapshot-timeout.js';
import { AutopilotHealthSchema, type AutopilotHealth } from '../nomad/schemas.js';
import { blockingQuery, type Block, type Indexed } from '../blocking.js';
import { consulMemberGone, raftPeerGone } from '../gone.js';
import { bexprString, indexHeader, parseBody } from '../parse.js';
import {
  CatalogNodeSchema,
  HealthCheckSchema,
  MemberSchema,
  RaftConfigurationSchema,
  type ConsulCatalogNode,
  type ConsulHealthCheck,
  type ConsulMember,
  type ConsulRaftConfiguration,
} from './schemas.js';

/**
 * Consul answers a read the token may not fully make with 200 and the
 * entries silently removed, flagged (for an authenticated token) by
 * `X-Consul-Results-Filtered-By-ACLs: true`. A filtered lookup must never be
 * read as "no such node".
 * @throws PermissionDenied when the answer was filtered.
 */
function refuseFiltered(headers: Headers, what: string): void {
  if (headers.get('X-Consul-Results-Filtered-By-ACLs') === 'true') {
    throw new PermissionDenied('consul', `${what}: results filtered by ACLs (the token lacks node:read); an empty answer would not mean the node is gone`);
  }
}

/** Gossip members as the queried agent sees them (Status: 1 alive, 2 leaving, 3 left, 4 failed). */
export async function members(http: HttpClient): Promise<ConsulMember[]> {
  const { body } = await http.getJson('/v1/agent/members');
  return parseBody('consul', 'members', z.nullable(z.array(MemberSchema)), body) ?? [];
}

/**
 * The catalog node of an EC2 instance: by node meta `instance_id`, else by
 * private IP (`Address`). Null when neither matches.
 */
export async function findNodeByInstanceId(http: HttpClient, instanceId: string, privateIp: string | null | undefined): Promise<ConsulCatalogNode | null> {
  const byMeta = await catalogNodes(http, `Meta.instance_id == ${bexprString(instanceId)}`);
  if (byMeta[0]) return byMeta[0];
  if (!privateIp) return null;
  return (await catalogNodes(http, `Address == ${bexprString(privateIp)}`))[0] ?? null;
}

async function catalogNodes(http: HttpClient, filter: string): Promise<ConsulCatalogNode[]> {
  const { body, headers } = await http.getJson('/v1/catalog/nodes', { filter });
  refuseFiltered(headers, 'catalog nodes');
  return parseBody('consul', 'catalog nodes', z.nullable(z.array(CatalogNodeSchema)), body) ?? [];
}

/** Health checks of a node (incl. serfHealth). */
export async function nodeHealth(http: HttpClient, node: string): Promise<ConsulHealthCheck[]> {
  return (await nodeHealthIndexed(http, node)).value;
}

/** Health checks of a node with the index; with `block`, a blocking query. */
export async function nodeHealthIndexed(http: HttpClient, node: string, block?: Block): Promise<Indexed<ConsulHealthCheck[]>> {
  const b = blockingQuery(block, 'consul');
  const { body, headers } = await http.getJson(`/v1/health/node/${encodeURIComponent(node)}`, b.query, b.extra);
  return { value: parseBody('consul', 'node health', z.nullable(z.array(HealthCheckSchema)), body) ?? [], index: indexHeader(headers, 'X-Consul-Index') };
}

/** Catalog nodes with node meta `instance_id` = instanceId or, given one, the private IP as Address; with `block`, a blocking query. */
export async function catalogNodesByInstance(
  http: HttpClient,
  instanceId: string,
  privateIp: string | null,
  block?: Block,
): Promise<Indexed<ConsulCatalogNode[]>> {
  const b = blockingQuery(block, 'consul');
  const filter = [`Meta.instance_id == ${bexprString(instanceId)}`, ...(privateIp ? [`Address == ${bexprString(privateIp)}`] : [])].join(' or ');
  const { body, headers } = await http.getJson('/v1/catalog/nodes', { filter, ...b.query }, b.extra);
  refuseFiltered(headers, 'catalog nodes');
  return { value: parseBody('consul', 'catalog nodes', z.nullable(z.array(CatalogNodeSchema)), body) ?? [], index: indexHeader(headers, 'X-Consul-Index') };
}

/**
 * Force a member to leave; with `prune`, remove it from the member list
 * entirely. A name Consul no longer knows (already reaped or pruned) counts as done.
 * @returns whether the member was still known.
 */
export async function forceLeave(http: HttpClient, name: string, prune: boolean): Promise<boolean> {
  const res = await http.request({
    method: 'PUT',
    path: `/v1/agent/force-leave/${encodeURIComponent(name)}`,
    query: prune ? { prune: 'true' } : undefined,
    answerWhen: consulMemberGone(name),
  });
  return res.status < 300;
}

export async function raftConfiguration(http: HttpClient): Promise<ConsulRaftConfiguration> {
  const { body } = await http.getJson('/v1/operator/raft/configuration');
  return parseBody('consul', 'raft configuration', RaftConfigurationSchema, body);
}

/** Remove a raft peer by id or address (exactly one). */
export async function removeRaftPeer(http: HttpClient, peer: { id: string } | { address: string }): Promise<void> {
  const gone = 'id' in peer ? raftPeerGone(peer.id) : undefined;
  await http.request({
    method: 'DELETE',
    path: '/v1/operator/raft/peer',
    query: 'id' in peer ? { id: peer.id } : { address: peer.address },
    retry: false,
    answerWhen: gone,
  });
}

/** Autopilot health; 200 and 429 are both answers. */
export async function autopilotHealth(http: HttpClient): Promise<AutopilotHealth> {
  const res = await http.request({ path: '/v1/operator/autopilot/health', answerStatuses: [429] });
  return parseBody('consul', 'autopilot health', AutopilotHealthSchema, res.json(), res.status);
}

/**
 * Check the calling token against permissions (`POST /v1/internal/acl/authorize`,
 * what Consul's UI uses): one `Allow` per request, in order.
 */
export async function authorize(
  http: HttpClient,
  requests: Array<{ Resource: string; Access: 'read' | 'write' }>,
): Promise<Array<{ Allow: boolean }> | 'acl-disabled'> {
  const res = await http.request({
    method: 'POST',
    path: '/v1/internal/acl/authorize',
    body: requests,
    answerWhen: (status, body) => status === 401 && /ACL support disabled/i.test(body),
  });
  if (res.status === 401) return 'acl-disabled';
  return parseBody('consul', 'acl authorize', z.array(z.object({ Allow: z.boolean() })), res.json());
}

/** Raft leader address ("" without one). */
export async function leader(http: HttpClient): Promise<string> {
  const { body } = await http.getJson('/v1/status/leader');
  return parseBody('consul', 'leader', z.nullish(z.string()), body) ?? '';
}

/**
 * Open a raft snapshot ({@link SNAPSHOT_HEADERS_TIMEOUT_MS} for the
 * product to write it and send the headers); the body is the gzip'd archive.
 */
export async function snapshot(http: HttpClient): Promise<StreamResponse> {
  return http.stream({ path: '/v1/snapshot', timeoutMs: SNAPSHOT_HEADERS_TIMEOUT_MS });
}

/** Every endpoint of the Consul API (the simulator's conformance checks and tests use them all; a step wires its own). */
const endpoints = {
  members,
  findNodeByInstanceId,
  nodeHealth,
  nodeHealthIndexed,
  catalogNodesByInstance,
  forceLeave,
  raftConfiguration,
  removeRaftPeer,
  autopilotHealth,
  authorize,
  leader,
  snapshot,
};

/** Every endpoint of the Consul API, as a step wires them. */
export type ConsulEndpoints = typeof endpoints;

/** The Consul API over one HTTP client: every endpoint, bound. */
export type ConsulClient = BoundEndpoints<typeof endpoints>;

/** Every endpoint bound to `http`. */
export function consulClient(http: HttpClient): ConsulClient {
  return bindEndpoints(http, endpoints);
}
