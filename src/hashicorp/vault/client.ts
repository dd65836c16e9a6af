/** Typed Vault API client (endpoints and fields as in the reference). */
import type { HttpClient, StreamResponse } from '../../http/client.js';
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

export class VaultClient {
  constructor(private readonly http: HttpClient) {}

  /** Health of the node answering; every documented status code is an answer, returned as `status`. */
  async health(): Promise<VaultHealth> {
    const res = await this.http.request({ path: '/v1/sys/health', answerStatuses: HEALTH_STATUSES });
    return { ...parseBody('vault', 'health', HealthSchema, res.json(), res.status), status: res.status };
  }

  async leader(): Promise<VaultLeader> {
    const { body } = await this.http.getJson('/v1/sys/leader');
    return parseBody('vault', 'leader', LeaderSchema, body);
  }

  async raftConfiguration(): Promise<VaultRaftConfiguration> {
    const { body } = await this.http.getJson('/v1/sys/storage/raft/configuration');
    return parseBody('vault', 'raft configuration', RaftConfigurationSchema, body).data.config;
  }

  async removeRaftPeer(serverId: string): Promise<void> {
    await this.http.request({ method: 'POST', path: '/v1/sys/storage/raft/remove-peer', body: { server_id: serverId }, retry: false });
  }

  /** The calling token's capabilities per path (`POST /v1/sys/capabilities-self`). */
  async capabilitiesSelf(paths: string[]): Promise<Record<string, string[]>> {
    const res = await this.http.request({ method: 'POST', path: '/v1/sys/capabilities-self', body: { paths } });
    const body = parseBody('vault', 'capabilities-self', z.looseObject({ data: z.optional(z.record(z.string(), z.array(z.string()))) }), res.json());
    const out: Record<string, string[]> = {};
    for (const p of paths) {
      const caps = body.data?.[p] ?? (body as Record<string, unknown>)[p];
      out[p] = Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [];
    }
    return out;
  }

  /** Autopilot state (always 200; read `healthy`). */
  async autopilotState(): Promise<VaultAutopilotState> {
    const { body } = await this.http.getJson('/v1/sys/storage/raft/autopilot/state');
    return parseBody('vault', 'autopilot state', AutopilotStateSchema, body).data;
  }

  /**
   * Open a raft snapshot ({@link SNAPSHOT_HEADERS_TIMEOUT_MS} for the
   * product to write it and send the headers); the body is the gzip'd archive.
   */
  async snapshot(): Promise<StreamResponse> {
    return this.http.stream({ path: '/v1/sys/storage/raft/snapshot', timeoutMs: SNAPSHOT_HEADERS_TIMEOUT_MS });
  }
}
