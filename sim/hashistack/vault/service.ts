import { z } from 'zod';
import { json, type SimRequest, type SimResponse, type SimService } from '../../core/http.js';
import type { SimClock } from '../../core/clock.js';
import type { Rng } from '../../core/rng.js';
import { VAULT_VERSION } from '../cluster/vault-cluster.js';
import type { HashistackWorld } from '../cluster/world.js';
import { vaultAllows, vaultCapabilities, type VaultToken } from '../acl.js';
import { goDuration } from '../http/format.js';
import { header, jsonBody, Router, type Route } from '../http/router.js';
import type { SnapshotServer } from '../snapshot/server.js';

const RemovePeerBody = z.object({ server_id: z.string().min(1) });
const CapabilitiesBody = z.object({ paths: z.array(z.string()).optional(), path: z.string().optional() });

/** Path and capability each authenticated route needs (the sys backend's ACL check). */
const NEEDS: Record<string, { path: string; capability: string } | 'any-token'> = {
  'GET /v1/sys/storage/raft/configuration': { path: 'sys/storage/raft/configuration', capability: 'read' },
  'POST /v1/sys/storage/raft/remove-peer': { path: 'sys/storage/raft/remove-peer', capability: 'update' },
  'PUT /v1/sys/storage/raft/remove-peer': { path: 'sys/storage/raft/remove-peer', capability: 'update' },
  'GET /v1/sys/storage/raft/autopilot/state': { path: 'sys/storage/raft/autopilot/state', capability: 'read' },
  'GET /v1/sys/storage/raft/snapshot': { path: 'sys/storage/raft/snapshot', capability: 'read' },
  // The built-in `default` policy grants update on sys/capabilities-self to every token.
  'POST /v1/sys/capabilities-self': 'any-token',
  'PUT /v1/sys/capabilities-self': 'any-token',
};
const UNAUTHENTICATED = new Set(['/v1/sys/health', '/v1/sys/leader', '/v1/sys/seal-status']);

/**
 * The simulated Vault HTTP API behind a load balancer, answered from the
 * active node's view: sys/health, sys/leader, raft configuration, peer
 * removal and autopilot state. Errors are JSON `{"errors":[...]}`.
 */
export class VaultService implements SimService {
  readonly name = 'vault' as const;
  private readonly router: Router;
  private readonly rng: Rng;
  private readonly tokens = new Map<string, VaultToken>();

  constructor(
    private readonly world: HashistackWorld,
    rootToken: string,
    private readonly clock: SimClock,
    rng: Rng,
    private readonly snapshots: SnapshotServer,
  ) {
    this.rng = rng.fork('vault-requests');
    this.addToken({ secret: rootToken, accessor: this.rng.uuid(), root: true, policies: [] });
    const r = (method: string, template: string, handle: Route['handle']): Route => ({ method, template, handle });
    this.router = new Router([
      r('GET', '/v1/sys/health', (req) => this.health(req)),
      r('HEAD', '/v1/sys/health', (req) => this.health(req)),
      r('GET', '/v1/sys/leader', () => this.leader()),
      r('GET', '/v1/sys/seal-status', () => this.sealStatus()),
      r('POST', '/v1/sys/capabilities-self', (req) => this.capabilitiesSelf(req)),
      r('PUT', '/v1/sys/capabilities-self', (req) => this.capabilitiesSelf(req)),
      r('GET', '/v1/sys/storage/raft/configuration', () => this.raftConfiguration()),
      r('POST', '/v1/sys/storage/raft/remove-peer', (req) => this.removePeer(req)),
      r('PUT', '/v1/sys/storage/raft/remove-peer', (req) => this.removePeer(req)),
      r('GET', '/v1/sys/storage/raft/autopilot/state', () => this.autopilotState()),
      r('GET', '/v1/sys/storage/raft/snapshot', () => this.snapshots.vault()),
    ]);
  }

  actionOf(req: SimRequest): string {
    return this.router.actionOf(req);
  }

  throttled(req: SimRequest): SimResponse {
    return json(429, { errors: [`request path "${req.path.replace(/^\/v1\//, '')}": rate limit quota exceeded`] });
  }

  serverError(): SimResponse {
    return json(500, { errors: ['internal error'] });
  }

  /** Add a token (the control plane's narrower tokens in tests and scenarios). */
  addToken(token: VaultToken): void {
    this.tokens.set(token.secret, token);
  }

  handle(req: SimRequest): SimResponse | Promise<SimResponse> {
    const m = this.router.match(req.method, req.path);
    if (!m) return json(404, { errors: [] });
    if (!UNAUTHENTICATED.has(m.route.template)) {
      const token = this.tokens.get(header(req, 'x-vault-token') ?? '');
      const need = NEEDS[`${m.route.method} ${m.route.template}`];
      if (!token || (need !== 'any-token' && need !== undefined && !vaultAllows(token, need.path, need.capability)))
        return json(403, { errors: ['permission denied'] });
      const active = this.world.vault.active();
      if (!active) {
        const anyUnsealed = [...this.world.vault.servers.values()].some((s) => this.world.vault.isUnsealedAndRunning(s.instanceId));
        return anyUnsealed ? json(500, { errors: ['local node not active but active cluster node not found'] }) : json(503, { errors: ['Vault is sealed'] });
      }
    }
    return m.route.handle(req, m.params);
  }

  private wrap(data: unknown): Record<string, unknown> {
    return { request_id: this.rng.uuid(), lease_id: '', lease_duration: 0, renewable: false, data, wrap_info: null, warnings: null, auth: null };
  }

  private health(req: SimRequest): SimResponse {
    const vault = this.world.vault;
    const active = vault.active();
    const running = [...vault.servers.values()].filter((s) => vault.isRunning(s.instanceId));
    const unsealed = running.filter((s) => !s.sealed);
    const sealed = active === undefined && unsealed.length === 0;
    // A sealed core is in standby mode until it unseals and takes over (Core.StandbyStates).
    const standby = active === undefined;
    const body = {
      initialized: true,
      sealed,
      standby,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(this.clock.now() / 1000),
      version: VAULT_VERSION,
      enterprise: false,
      // omitempty in HealthResponse: a sealed node knows no cluster (vault/http/sys_health.go).
      ...(sealed ? {} : { cluster_name: 'vault-cluster-sim', cluster_id: vault.clusterId }),
      echo_duration_ms: 0,
      clock_skew_ms: 0,
      removed_from_cluster: false,
    };
    const code = (param: string, fallback: number): number => {
      const v = Number(req.query.get(param));
      return req.query.has(param) && Number.isInteger(v) ? v : fallback;
    };
    const standbyOk = req.query.get('standbyok') === 'true' || req.query.get('standbyok') === '';
    const status = sealed ? code('sealedcode', 503) : standby ? (standbyOk ? code('activecode', 200) : code('standbycode', 429)) : code('activecode', 200);
    return json(status, body);
  }

  /** `GET /v1/sys/seal-status` (unauthenticated); auto-unseal with AWS KMS, so a recovery seal. */
  private sealStatus(): SimResponse {
    const vault = this.world.vault;
    const sealed = ![...vault.servers.values()].some((s) => vault.isUnsealedAndRunning(s.instanceId));
    return json(200, {
      type: 'awskms',
      initialized: true,
      sealed,
      t: 1,
      n: 1,
      progress: 0,
      nonce: '',
      version: VAULT_VERSION,
      build_date: '2025-07-24T13:33:51Z',
      migration: false,
      ...(sealed ? {} : { cluster_name: 'vault-cluster-sim', cluster_id: vault.clusterId }),
      recovery_seal: true,
      storage_type: 'raft',
      removed_from_cluster: false,
    });
  }

  /**
   * `POST /v1/sys/capabilities-self` {paths}: the caller's capabilities per
   * path, at the top level and under `data`, plus `capabilities` when a
   * single path was asked (vault/logical_system.go `handleCapabilities`).
   */
  private capabilitiesSelf(req: SimRequest): SimResponse {
    const token = this.tokens.get(header(req, 'x-vault-token') ?? '');
    const parsed = CapabilitiesBody.safeParse(jsonBody(req) ?? {});
    const paths = parsed.success ? [...(parsed.data.paths ?? []), ...(parsed.data.path ? [parsed.data.path] : [])] : [];
    if (!token || paths.length === 0) return json(400, { errors: ['missing paths'] });
    const data: Record<string, string[]> = {};
    for (const p of paths) data[p] = vaultCapabilities(token, p);
    if (paths.length === 1) data.capabilities = data[paths[0] ?? ''] ?? ['deny'];
    return json(200, { ...data, ...this.wrap(data) });
  }

  private leader(): SimResponse {
    const active = this.world.vault.active();
    const ip = active?.address.split(':')[0];
    return json(200, {
      ha_enabled: true,
      is_self: active !== undefined,
      active_time: active ? new Date(this.clock.now()).toISOString() : '0001-01-01T00:00:00Z',
      leader_address: ip ? `https://${ip}:8200` : '',
      leader_cluster_address: ip ? `https://${ip}:8201` : '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
      raft_committed_index: this.world.vault.commitIndex,
      raft_applied_index: this.world.vault.commitIndex,
    });
  }

  private raftConfiguration(): SimResponse {
    const raft = this.world.vault.raft;
    const leader = raft.leader();
    return json(
      200,
      this.wrap({
        config: {
          index: raft.configIndex,
          servers: raft.list().map((p) => ({ node_id: p.id, address: p.address, leader: leader?.id === p.id, protocol_version: '3', voter: p.voter })),
        },
      }),
    );
  }

  private removePeer(req: SimRequest): SimResponse {
    const parsed = RemovePeerBody.safeParse(jsonBody(req));
    if (!parsed.success) return json(400, { errors: ['no server id provided'] });
    // raft.RemoveServer of an id not in the configuration commits an unchanged
    // configuration without error (hashicorp/raft nextConfiguration), so Vault answers 204.
    this.world.vault.raft.remove(parsed.data.server_id);
    return { status: 204 };
  }

  private autopilotState(): SimResponse {
    const raft = this.world.vault.raft;
    const leader = raft.leader();
    const servers: Record<string, unknown> = {};
    for (const p of raft.list()) {
      const alive = raft.alive(p);
      servers[p.id] = {
        id: p.id,
        name: p.name,
        address: p.address,
        node_status: this.world.vault.isRunning(p.instanceId) ? 'alive' : 'left',
        last_contact: leader?.id === p.id ? '0s' : alive ? '4.1ms' : goDuration(raft.msSinceContact(p)),
        healthy: raft.healthy(p),
        status: leader?.id === p.id ? 'leader' : p.voter ? 'voter' : 'non-voter',
        version: VAULT_VERSION,
      };
    }
    return json(
      200,
      this.wrap({
        healthy: raft.allHealthy(),
        failure_tolerance: raft.failureTolerance(),
        leader: leader?.id ?? '',
        voters: raft
          .list()
          .filter((p) => p.voter)
          .map((p) => p.id),
        servers,
      }),
    );
  }
}
