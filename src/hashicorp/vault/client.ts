/**
 * Typed Vault API client (endpoints and fields as in the reference): each
 * endpoint a function of the HTTP client, so a function's dependencies wire,
 * and its bundle carries, only the endpoints its steps call (../clients.ts).
 */
import type { HttpClient, StreamResponse } from '../../http/client.js';
import { bindEndpoints, type BoundEndpoints } from '../endpoints.js';
import { SNAPSHOT_HEADERS_TIMEOUT_MS } from '../snapshot-timeout.js';
import * as z from '../../validation/zod.js';
import { parseBody } from '../parse.js';
import {
  AutopilotStateSchema,
  HealthSchema,
  LeaderSchema,
  RaftConfigurationSchema,
  type VaultAutopilotState,
  type VaultHealth,
  type VaultLeader,
  type VaultRaftConfiguration,
} from './schemas.js';

/** Every status /v1/sys/health answers with (200 active, 429 standby, 472, 473, 501, 503). */
const HEALTH_STATUSES = [200, 429, 472, 473, 501, 503] as const;

/** Health of the node answering; every documented status code is an answer, returned as `status`. */
export async function health(http: HttpClient): Promise<VaultHealth> {
  const res = await http.request({ path: '/v1/sys/health', answerStatuses: HEALTH_STATUSES });
  return { ...parseBody('vault', 'health', HealthSchema, res.json(), res.status), status: res.status };
}

export async function leader(http: HttpClient): Promise<VaultLeader> {
  const { body } = await http.getJson('/v1/sys/leader');
  return parseBody('vault', 'leader', LeaderSchema, body);
}

export async function raftConfiguration(http: HttpClient): Promise<VaultRaftConfiguration> {
  const { body } = await http.getJson('/v1/sys/storage/raft/configuration');
  return parseBody('vault', 'raft configuration', RaftConfigurationSchema, body).data.config;
}

export async function removeRaftPeer(http: HttpClient, serverId: string): Promise<void> {
  await http.request({ method: 'POST', path: '/v1/sys/storage/raft/remove-peer', body: { server_id: serverId }, retry: false });
}

/** The calling token's capabilities per path (`POST /v1/sys/capabilities-self`). */
export async function capabilitiesSelf(http: HttpClient, paths: string[]): Promise<Record<string, string[]>> {
  const res = await http.request({ method: 'POST', path: '/v1/sys/capabilities-self', body: { paths } });
  const body = parseBody('vault', 'capabilities-self', z.looseObject({ data: z.optional(z.record(z.string(), z.array(z.string()))) }), res.json());
  const out: Record<string, string[]> = {};
  for (const p of paths) {
    const caps = body.data?.[p] ?? (body as Record<string, unknown>)[p];
    out[p] = Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [];
  }
  return out;
}

/** Autopilot state (always 200; read `healthy`). */
export async function autopilotState(http: HttpClient): Promise<VaultAutopilotState> {
  const { body } = await http.getJson('/v1/sys/storage/raft/autopilot/state');
  return parseBody('vault', 'autopilot state', AutopilotStateSchema, body).data;
}

/**
 * Open a raft snapshot ({@link SNAPSHOT_HEADERS_TIMEOUT_MS} for the
 * product to write it and send the headers); the body is the gzip'd archive.
 */
export async function snapshot(http: HttpClient): Promise<StreamResponse> {
  return http.stream({ path: '/v1/sys/storage/raft/snapshot', timeoutMs: SNAPSHOT_HEADERS_TIMEOUT_MS });
}

/** Every endpoint of the Vault API (the simulator's conformance checks and tests use them all; a step wires its own). */
const endpoints = { health, leader, raftConfiguration, removeRaftPeer, capabilitiesSelf, autopilotState, snapshot };

/** Every endpoint of the Vault API, as a step wires them. */
export type VaultEndpoints = typeof endpoints;

/** The Vault API over one HTTP client: every endpoint, bound. */
export type VaultClient = BoundEndpoints<typeof endpoints>;

/** Every endpoint bound to `http`. */
export function vaultClient(http: HttpClient): VaultClient {
  return bindEndpoints(http, endpoints);
}
