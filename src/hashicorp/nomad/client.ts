/**
 * Typed Nomad API client (endpoints and fields as in the reference): each
 * endpoint a function of the HTTP client, so a function's dependencies wire,
 * and its bundle carries, only the endpoints its steps call (../clients.ts).
 */
import * as z from '../../validation/zod.js';
import { NotFound } from '../../errors/index.js';
import type { HttpClient, StreamResponse } from '../../http/client.js';
import { bindEndpoints, type BoundEndpoints } from '../endpoints.js';
import { SNAPSHOT_HEADERS_TIMEOUT_MS } from '../snapshot-timeout.js';
import { toGoSeconds } from '../../time/duration.js';
import { MAX_WAIT_MS, blockingQuery, blockingTimeoutMs, type Block, type Indexed } from '../blocking.js';
import { nomadNodeGone, raftPeerGone } from '../gone.js';
import { bexprString, indexHeader, parseBody } from '../parse.js';
import {
  AclPolicySchema,
  AgentMembersSchema,
  AllocationSchema,
  AutopilotHealthSchema,
  DeploymentSchema,
  DrainResponseSchema,
  NodeSchema,
  NodeStubSchema,
  RaftConfigurationSchema,
  TokenSelfSchema,
  type AutopilotHealth,
  type NomadTokenSelf,
  type NomadAgentMembers,
  type NomadAllocation,
  type NomadDeployment,
  type NomadNode,
  type NomadNodeStub,
  type NomadRaftConfiguration,
} from './schemas.js';

/** Nodes fingerprinted with this EC2 instance id; with `block`, a blocking query on the node list. */
export async function nodesByInstanceId(http: HttpClient, instanceId: string, block?: Block): Promise<Indexed<NomadNodeStub[]>> {
  const b = blockingQuery(block, 'nomad');
  const { body, headers } = await http.getJson(
    '/v1/nodes',
    { filter: `Attributes["unique.platform.aws.instance-id"] == ${bexprString(instanceId)}`, ...b.query },
    b.extra,
  );
  return { value: parseBody('nomad', 'node list', z.nullable(z.array(NodeStubSchema)), body) ?? [], index: indexHeader(headers, 'X-Nomad-Index') };
}

/** Nodes Nomad reports `down` (their client stopped heartbeating). */
export async function downNodes(http: HttpClient): Promise<NomadNodeStub[]> {
  const { body } = await http.getJson('/v1/nodes', { filter: 'Status == "down"' });
  return parseBody('nomad', 'node list', z.nullable(z.array(NodeStubSchema)), body) ?? [];
}

/**
 * The node whose fingerprint carries this EC2 instance id, or null. If the
 * instance registered more than once, the most recently created record wins.
 */
export async function findNodeByInstanceId(http: HttpClient, instanceId: string): Promise<NomadNodeStub | null> {
  const { body } = await http.getJson('/v1/nodes', { filter: `Attributes["unique.platform.aws.instance-id"] == ${bexprString(instanceId)}` });
  const nodes = parseBody('nomad', 'node list', z.array(NodeStubSchema), body);
  return [...nodes].sort((a, b) => (b.CreateIndex ?? 0) - (a.CreateIndex ?? 0))[0] ?? null;
}

/**
 * Read a node; with `index`, a blocking query that returns when the node
 * changes past `index` or `waitMs` elapses.
 * @returns the node and the X-Nomad-Index to block on next.
 * @throws NotFound for an unknown node.
 */
export async function getNode(http: HttpClient, id: string, options: { index?: number; waitMs?: number } = {}): Promise<{ node: NomadNode; index: number }> {
  const blocking = options.index !== undefined && options.index > 0;
  const waitMs = Math.min(options.waitMs ?? 5 * 60_000, MAX_WAIT_MS.nomad);
  const { body, headers } = await http.getJson(
    `/v1/node/${encodeURIComponent(id)}`,
    blocking ? { index: options.index, wait: toGoSeconds(waitMs) } : undefined,
    blocking ? { timeoutMs: blockingTimeoutMs(waitMs) } : {},
  );
  return { node: parseBody('nomad', 'node', NodeSchema, body), index: indexHeader(headers, 'X-Nomad-Index') };
}

/** Mark a node eligible or ineligible for scheduling. */
export async function setEligibility(http: HttpClient, id: string, eligible: boolean): Promise<void> {
  await http.request({
    method: 'POST',
    path: `/v1/node/${encodeURIComponent(id)}/eligibility`,
    body: { Eligibility: eligible ? 'eligible' : 'ineligible' },
  });
}

/**
 * Start draining a node (marks it ineligible).
 * @param spec Deadline in ns (0 = none, -1e9 = force now); IgnoreSystemJobs.
 */
export async function drainNode(
  http: HttpClient,
  id: string,
  spec: { deadlineNs: number; ignoreSystemJobs: boolean },
  meta: Record<string, string> = {},
): Promise<{ index: number }> {
  const res = await http.request({
    method: 'POST',
    path: `/v1/node/${encodeURIComponent(id)}/drain`,
    body: { DrainSpec: { Deadline: spec.deadlineNs, IgnoreSystemJobs: spec.ignoreSystemJobs }, MarkEligible: false, Meta: meta },
  });
  const r = parseBody('nomad', 'drain', DrainResponseSchema, res.json());
  return { index: r.NodeModifyIndex ?? r.Index ?? indexHeader(res.headers, 'X-Nomad-Index') };
}

/** Cancel a drain (`DrainSpec: null`), optionally marking the node eligible again. */
export async function cancelDrain(http: HttpClient, id: string, markEligible: boolean): Promise<void> {
  await http.request({ method: 'POST', path: `/v1/node/${encodeURIComponent(id)}/drain`, body: { DrainSpec: null, MarkEligible: markEligible } });
}

/** The node's allocations. */
export async function nodeAllocations(http: HttpClient, id: string): Promise<NomadAllocation[]> {
  const { body } = await http.getJson(`/v1/node/${encodeURIComponent(id)}/allocations`);
  return parseBody('nomad', 'allocations', z.nullable(z.array(AllocationSchema)), body) ?? [];
}

/** Every deployment of every namespace the token may read-job in, in one call (`GET /v1/deployments?namespace=*`). */
export async function deployments(http: HttpClient): Promise<NomadDeployment[]> {
  const { body } = await http.getJson('/v1/deployments?namespace=*');
  return parseBody('nomad', 'deployments', z.nullable(z.array(DeploymentSchema)), body) ?? [];
}

/**
 * Remove the node record. A node already purged counts as purged: Nomad
 * answers it 500 `node not found` (404 is handled too, for proxies).
 * @returns whether this call removed it (false: it was already gone).
 */
export async function purgeNode(http: HttpClient, id: string): Promise<boolean> {
  try {
    const res = await http.request({ method: 'POST', path: `/v1/node/${encodeURIComponent(id)}/purge`, answerWhen: nomadNodeGone });
    return res.status < 300;
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    return false;
  }
}

export async function raftConfiguration(http: HttpClient): Promise<NomadRaftConfiguration> {
  const { body } = await http.getJson('/v1/operator/raft/configuration');
  return parseBody('nomad', 'raft configuration', RaftConfigurationSchema, body);
}

/** Remove a raft peer by id (Nomad ≥ 1.10.1 accepts only `id`); one no longer in the configuration counts as removed. */
export async function removeRaftPeer(http: HttpClient, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: '/v1/operator/raft/peer', query: { id }, retry: false, answerWhen: raftPeerGone(id) });
}

export async function transferLeadership(http: HttpClient, id: string): Promise<void> {
  await http.request({ method: 'PUT', path: '/v1/operator/raft/transfer-leadership', query: { id }, retry: false });
}

/** Autopilot health; 200 (healthy) and 429 (unhealthy) are both answers. */
export async function autopilotHealth(http: HttpClient): Promise<AutopilotHealth> {
  const res = await http.request({ path: '/v1/operator/autopilot/health', answerStatuses: [429] });
  return parseBody('nomad', 'autopilot health', AutopilotHealthSchema, res.json(), res.status);
}

/** Address of the raft leader ("" without one). */
export async function leader(http: HttpClient): Promise<string> {
  const { body } = await http.getJson('/v1/status/leader');
  return parseBody('nomad', 'leader', z.nullish(z.string()), body) ?? '';
}

export async function agentMembers(http: HttpClient): Promise<NomadAgentMembers> {
  const { body } = await http.getJson('/v1/agent/members');
  return parseBody('nomad', 'agent members', AgentMembersSchema, body);
}

/**
 * The calling token (`GET /v1/acl/token/self`); 'acl-disabled' when the
 * cluster runs without ACLs (400 `ACL support disabled`).
 */
export async function tokenSelf(http: HttpClient): Promise<NomadTokenSelf | 'acl-disabled'> {
  const res = await http.request({ path: '/v1/acl/token/self', answerWhen: (status, body) => status === 400 && /ACL support disabled/i.test(body) });
  if (res.status === 400) return 'acl-disabled';
  return parseBody('nomad', 'token self', TokenSelfSchema, res.json());
}

/** Rules (HCL) of an ACL policy; a token may read the policies attached to it. */
export async function aclPolicy(http: HttpClient, name: string): Promise<string> {
  const { body } = await http.getJson(`/v1/acl/policy/${encodeURIComponent(name)}`);
  return parseBody('nomad', 'acl policy', AclPolicySchema, body).Rules;
}

/** Force a server member (`name.region`) to leave, pruning it. */
export async function forceLeave(http: HttpClient, memberName: string): Promise<void> {
  await http.request({ method: 'POST', path: '/v1/agent/force-leave', query: { node: memberName, prune: 'true' } });
}

/**
 * Open a raft snapshot ({@link SNAPSHOT_HEADERS_TIMEOUT_MS} for the
 * product to write it and send the headers); the body is the gzip'd archive.
 */
export async function snapshot(http: HttpClient): Promise<StreamResponse> {
  return http.stream({ path: '/v1/operator/snapshot', timeoutMs: SNAPSHOT_HEADERS_TIMEOUT_MS });
}

/** Every endpoint of the Nomad API (the simulator's conformance checks and tests use them all; a step wires its own). */
const endpoints = {
  nodesByInstanceId,
  downNodes,
  findNodeByInstanceId,
  getNode,
  setEligibility,
  drainNode,
  cancelDrain,
  nodeAllocations,
  deployments,
  purgeNode,
  raftConfiguration,
  removeRaftPeer,
  transferLeadership,
  autopilotHealth,
  leader,
  agentMembers,
  tokenSelf,
  aclPolicy,
  forceLeave,
  snapshot,
};

/** Every endpoint of the Nomad API, as a step wires them. */
export type NomadEndpoints = typeof endpoints;

/** The Nomad API over one HTTP client: every endpoint, bound. */
export type NomadClient = BoundEndpoints<typeof endpoints>;

/** Every endpoint bound to `http`. */
export function nomadClient(http: HttpClient): NomadClient {
  return bindEndpoints(http, endpoints);
}
