/**
 * ACL tokens of the simulated products. Each system keeps its management
 * token (from the scenario) plus tokens a test or scenario adds with narrower
 * policies, so the control plane meets what a least-privilege token gets
 * from the real products: 403 on writes, silently filtered reads in Consul.
 */

/** Nomad/Consul policy disposition of one resource (`node`, `agent`, `operator`, `namespace`, `key`…). */
export type AclLevel = 'deny' | 'read' | 'write';

/** A Nomad or Consul policy: resource → disposition (the empty prefix, i.e. every object of it). */
export interface ResourcePolicy {
  name: string;
  rules: Record<string, AclLevel>;
}

/** A Vault policy: path (exact, or ending in `*`) → capabilities. */
export interface VaultPolicy {
  name: string;
  paths: Record<string, string[]>;
}

export interface ResourceToken {
  secret: string;
  accessor: string;
  name: string;
  management: boolean;
  policies: ResourcePolicy[];
}

export interface VaultToken {
  secret: string;
  accessor: string;
  /** The root policy: every capability everywhere. */
  root: boolean;
  policies: VaultPolicy[];
}

const RANK: Record<AclLevel, number> = { deny: 0, read: 1, write: 2 };

/** Whether a Nomad/Consul token grants `access` on `resource` (default deny; deny wins). */
export function allows(token: ResourceToken, resource: string, access: 'read' | 'write'): boolean {
  if (token.management) return true;
  const levels = token.policies.map((p) => p.rules[resource]).filter((l): l is AclLevel => l !== undefined);
  if (levels.includes('deny')) return false;
  return levels.some((l) => RANK[l] >= RANK[access]);
}

/**
 * A policy's rules as the products store them (HCL text), e.g.
 * `node { policy = "write" }`; Nomad namespaces as `namespace "*" { policy = "read" }`,
 * Consul prefix rules as `node_prefix "" { policy = "read" }`.
 */
export function rulesHcl(policy: ResourcePolicy, system: 'nomad' | 'consul'): string {
  return Object.entries(policy.rules)
    .map(([resource, level]) => {
      if (system === 'nomad') return resource === 'namespace' ? `namespace "*" {\n  policy = "${level}"\n}` : `${resource} {\n  policy = "${level}"\n}`;
      const global = resource === 'operator' || resource === 'acl' || resource === 'keyring' || resource === 'mesh' || resource === 'peering';
      return global ? `${resource} = "${level}"` : `${resource}_prefix "" {\n  policy = "${level}"\n}`;
    })
    .join('\n');
}

/**
 * Vault's capabilities of a token on a path (`sys/capabilities-self`): the
 * union over its policies of exact and glob matches (the longest match wins
 * in Vault; a `deny` anywhere matching denies), `["root"]` for a root token,
 * `["deny"]` when nothing matches.
 */
export function vaultCapabilities(token: VaultToken, path: string): string[] {
  if (token.root) return ['root'];
  const clean = path.replace(/^\/+/, '');
  let best: { length: number; caps: string[] } | undefined;
  for (const policy of token.policies) {
    for (const [pattern, caps] of Object.entries(policy.paths)) {
      const glob = pattern.endsWith('*');
      const base = glob ? pattern.slice(0, -1) : pattern;
      const match = glob ? clean.startsWith(base) : clean === base;
      if (!match) continue;
      const length = base.length + (glob ? 0 : 1);
      if (!best || length > best.length) best = { length, caps: [...caps] };
      else if (length === best.length) best = { length, caps: [...new Set([...best.caps, ...caps])] };
    }
  }
  if (!best || best.caps.includes('deny')) return ['deny'];
  return [...best.caps].sort();
}

/** Whether a Vault token may perform `capability` on `path`. */
export function vaultAllows(token: VaultToken, path: string, capability: string): boolean {
  const caps = vaultCapabilities(token, path);
  return caps.includes('root') || caps.includes(capability);
}

/**
 * Rotate a token in a product's token table: a new secret (and accessor) with
 * the same policies, the old one deleted (`acl token delete`), so the old
 * secret then answers 403 `ACL token not found`. @returns false when the old
 * secret is unknown.
 */
export function rotateToken(tokens: Map<string, ResourceToken>, oldSecret: string, newSecret: string, newAccessor: () => string): boolean {
  const old = tokens.get(oldSecret);
  if (!old) return false;
  tokens.set(newSecret, { ...old, secret: newSecret, accessor: newAccessor() });
  tokens.delete(oldSecret);
  return true;
}
