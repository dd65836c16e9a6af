/**
 * Preflight of the ACL tokens: what each workflow needs from each token,
 * checked against what the products say the token may do, so a missing grant
 * is reported at the start of a workflow (and by the hook audit) instead of
 * being discovered mid-drain — or not at all: Consul answers a read the token
 * may not make with a silently filtered (empty) list, which looks like "no
 * such node".
 *
 * - Nomad: `GET /v1/acl/token/self`; a `management` token may do everything,
 *   a `client` token's policies are read with `GET /v1/acl/policy/:name`
 *   (allowed for a token's own policies) and their rules evaluated.
 * - Consul: `POST /v1/internal/acl/authorize` checks the token itself
 *   (agent/acl_endpoint.go `ACLAuthorize`, what the UI uses).
 * - Vault: `POST /v1/sys/capabilities-self` per path.
 */
import { PermissionDenied } from '../errors/index.js';
import type { ClusterWiring } from './clients.js';
import * as consul from './consul/client.js';
import type { ConsulClient } from './consul/client.js';
import * as nomad from './nomad/client.js';
import type { NomadClient } from './nomad/client.js';
import * as vault from './vault/client.js';
import type { VaultClient } from './vault/client.js';

/** The parts of the control plane whose tokens are checked. */
export type Workflow = 'drain-client' | 'server-removal' | 'join-client' | 'join-server';
export const ALL_WORKFLOWS: readonly Workflow[] = ['drain-client', 'server-removal', 'join-client', 'join-server'];

export type ResourceGrant = { resource: 'node' | 'agent' | 'operator' | 'namespace'; access: 'read' | 'write' };
/** Nomad requirement: a grant, or a management token (raft operator endpoints check `IsManagement`). */
export type NomadNeed = ResourceGrant | 'management';
export type VaultNeed = { path: string; capability: 'read' | 'update' };

export interface Requirements {
  nomad: NomadNeed[];
  consul: ResourceGrant[];
  vault: VaultNeed[];
}

const RAFT_READS: VaultNeed[] = [
  { path: 'sys/storage/raft/configuration', capability: 'read' },
  { path: 'sys/storage/raft/autopilot/state', capability: 'read' },
];

/** What each workflow calls, per token (see the clients' endpoints and the reference's ACL column). */
export const REQUIREMENTS: Record<Workflow, Requirements> = {
  'drain-client': {
    nomad: [
      { resource: 'node', access: 'read' },
      { resource: 'node', access: 'write' },
      // Allocation reads (WorkLost, the upgrade's room and health checks) are filtered by namespace: without
      // read-job they come back empty, and an empty list would look like a node with no work.
      { resource: 'namespace', access: 'read' },
    ],
    consul: [
      { resource: 'node', access: 'read' },
      { resource: 'operator', access: 'write' },
    ],
    vault: [],
  },
  'server-removal': {
    nomad: ['management'],
    consul: [
      { resource: 'node', access: 'read' },
      { resource: 'operator', access: 'read' },
      { resource: 'operator', access: 'write' },
    ],
    vault: [...RAFT_READS, { path: 'sys/storage/raft/remove-peer', capability: 'update' }],
  },
  'join-client': {
    nomad: [{ resource: 'node', access: 'read' }],
    consul: [{ resource: 'node', access: 'read' }],
    vault: [],
  },
  'join-server': {
    nomad: [{ resource: 'node', access: 'read' }, 'management'],
    consul: [
      { resource: 'node', access: 'read' },
      { resource: 'operator', access: 'read' },
    ],
    vault: RAFT_READS,
  },
};

/** One grant a token lacks. */
export interface PermissionFinding {
  system: 'nomad' | 'consul' | 'vault';
  /** e.g. `node:read`, `management`, `update on sys/storage/raft/remove-peer`. */
  missing: string;
  workflows: Workflow[];
  detail: string;
}

export interface PermissionClients {
  nomad: Pick<NomadClient, 'tokenSelf' | 'aclPolicy'>;
  consul: Pick<ConsulClient, 'authorize'>;
  vault: Pick<VaultClient, 'capabilitiesSelf'>;
}

/** The endpoints of {@link PermissionClients}, for a function that checks its tokens. */
export const PERMISSION_ENDPOINTS = {
  nomad: { tokenSelf: nomad.tokenSelf, aclPolicy: nomad.aclPolicy },
  consul: { authorize: consul.authorize },
  vault: { capabilitiesSelf: vault.capabilitiesSelf },
} satisfies ClusterWiring;

const RANK = { deny: 0, read: 1, write: 2 } as const;
type Level = keyof typeof RANK;

/**
 * Dispositions of the resources the control plane needs from Nomad policy
 * rules (HCL): `node { policy = "write" }`, `namespace "*" { policy = "read" }`
 * or `capabilities = [...]` (read-job counts as read). Only these block
 * shapes are read; anything else grants nothing (fail closed).
 */
export function nomadRuleLevels(rules: string): Partial<Record<ResourceGrant['resource'], Level>> {
  const out: Partial<Record<ResourceGrant['resource'], Level>> = {};
  const merge = (resource: ResourceGrant['resource'], level: Level): void => {
    const prev = out[resource];
    out[resource] = prev === 'deny' || level === 'deny' ? 'deny' : prev === undefined || RANK[level] > RANK[prev] ? level : prev;
  };
  const block = /\b(node|agent|operator|namespace)\s*(?:"([^"]*)")?\s*\{([^}]*)\}/g;
  for (const m of rules.matchAll(block)) {
    const resource = m[1] as ResourceGrant['resource'];
    if (resource === 'namespace' && m[2] !== '*' && m[2] !== 'default') continue;
    const body = m[3] ?? '';
    const policy = /\bpolicy\s*=\s*"(\w+)"/.exec(body)?.[1];
    if (policy === 'deny' || policy === 'read' || policy === 'write') merge(resource, policy);
    else if (policy === 'list' || policy === 'scale') merge(resource, 'read');
    const caps = /\bcapabilities\s*=\s*\[([^\]]*)\]/.exec(body)?.[1];
    if (caps !== undefined) {
      const list = [...caps.matchAll(/"([^"]+)"/g)].map((c) => c[1]);
      if (list.includes('deny')) merge(resource, 'deny');
      else if (list.includes('read-job')) merge(resource, 'read');
    }
  }
  return out;
}

function wanted(workflows: readonly Workflow[]): {
  nomad: Map<string, { need: NomadNeed; workflows: Workflow[] }>;
  consul: Map<string, { need: ResourceGrant; workflows: Workflow[] }>;
  vault: Map<string, { need: VaultNeed; workflows: Workflow[] }>;
} {
  const nomad = new Map<string, { need: NomadNeed; workflows: Workflow[] }>();
  const consul = new Map<string, { need: ResourceGrant; workflows: Workflow[] }>();
  const vault = new Map<string, { need: VaultNeed; workflows: Workflow[] }>();
  const add = <N>(map: Map<string, { need: N; workflows: Workflow[] }>, key: string, need: N, w: Workflow): void => {
    const entry = map.get(key) ?? { need, workflows: [] };
    entry.workflows.push(w);
    map.set(key, entry);
  };
  for (const w of workflows) {
    for (const n of REQUIREMENTS[w].nomad) add(nomad, n === 'management' ? 'management' : `${n.resource}:${n.access}`, n, w);
    for (const n of REQUIREMENTS[w].consul) add(consul, `${n.resource}:${n.access}`, n, w);
    for (const n of REQUIREMENTS[w].vault) add(vault, `${n.capability} on ${n.path}`, n, w);
  }
  return { nomad, consul, vault };
}

async function checkNomad(clients: PermissionClients, needs: ReturnType<typeof wanted>['nomad']): Promise<PermissionFinding[]> {
  if (needs.size === 0) return [];
  const self = await clients.nomad.tokenSelf();
  if (self === 'acl-disabled' || self.Type === 'management') return [];
  const levels: Partial<Record<ResourceGrant['resource'], Level>> = {};
  for (const name of self.Policies ?? []) {
    const rules = await clients.nomad.aclPolicy(name);
    for (const [resource, level] of Object.entries(nomadRuleLevels(rules)) as Array<[ResourceGrant['resource'], Level]>) {
      const prev = levels[resource];
      levels[resource] = prev === 'deny' || level === 'deny' ? 'deny' : prev === undefined || RANK[level] > RANK[prev] ? level : prev;
    }
  }
  const findings: PermissionFinding[] = [];
  for (const [key, { need, workflows }] of needs) {
    const ok = need === 'management' ? false : RANK[levels[need.resource] ?? 'deny'] >= RANK[need.access];
    if (!ok)
      findings.push({
        system: 'nomad',
        missing: key,
        workflows,
        detail: `token "${self.Name ?? self.AccessorID}" (${self.Type}, policies ${(self.Policies ?? []).join(', ') || 'none'}) does not grant ${key}`,
      });
  }
  return findings;
}

async function checkConsul(clients: PermissionClients, needs: ReturnType<typeof wanted>['consul']): Promise<PermissionFinding[]> {
  if (needs.size === 0) return [];
  const entries = [...needs.values()];
  const answers = await clients.consul.authorize(entries.map((e) => ({ Resource: e.need.resource, Access: e.need.access })));
  if (answers === 'acl-disabled') return [];
  return entries.flatMap((e, i) =>
    answers[i]?.Allow === true
      ? []
      : [
          {
            system: 'consul' as const,
            missing: `${e.need.resource}:${e.need.access}`,
            workflows: e.workflows,
            detail: `token lacks ${e.need.resource}:${e.need.access}${e.need.resource === 'node' && e.need.access === 'read' ? ' (Consul then silently filters nodes and members out of every read)' : ''}`,
          },
        ],
  );
}

async function checkVault(clients: PermissionClients, needs: ReturnType<typeof wanted>['vault']): Promise<PermissionFinding[]> {
  if (needs.size === 0) return [];
  const entries = [...needs.values()];
  const caps = await clients.vault.capabilitiesSelf([...new Set(entries.map((e) => e.need.path))]);
  return entries.flatMap((e) => {
    const have = caps[e.need.path] ?? [];
    return have.includes('root') || have.includes(e.need.capability)
      ? []
      : [
          {
            system: 'vault' as const,
            missing: `${e.need.capability} on ${e.need.path}`,
            workflows: e.workflows,
            detail: `token has [${have.join(', ')}] on ${e.need.path}`,
          },
        ];
  });
}

/**
 * Every grant the tokens lack for these workflows. A token the product does
 * not know at all is itself a finding (the product's 403 text as detail).
 */
export async function checkTokenPermissions(
  clients: PermissionClients,
  workflows: readonly Workflow[],
  /** The systems managed here: Vault's token is not asked about when Vault is not (vaultEnabled false). */
  systems: readonly PermissionFinding['system'][] = ['nomad', 'consul', 'vault'],
): Promise<PermissionFinding[]> {
  const needs = wanted(workflows);
  const guard = async (system: PermissionFinding['system'], run: () => Promise<PermissionFinding[]>): Promise<PermissionFinding[]> => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof PermissionDenied)) throw error;
      return [{ system, missing: 'a valid token', workflows: [...workflows], detail: error.message }];
    }
  };
  const results = await Promise.all<PermissionFinding[] | Promise<PermissionFinding[]>>([
    guard('nomad', () => checkNomad(clients, needs.nomad)),
    guard('consul', () => checkConsul(clients, needs.consul)),
    systems.includes('vault') ? guard('vault', () => checkVault(clients, needs.vault)) : [],
  ]);
  return results.flat();
}

/** One line per finding, for error messages and logs. */
export function describeFindings(findings: PermissionFinding[]): string {
  return findings.map((f) => `${f.system} token lacks ${f.missing}: ${f.detail}`).join('; ');
}
