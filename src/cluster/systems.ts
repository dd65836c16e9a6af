/**
 * Which raft systems a server group runs. Per group: the ASG tag
 * `hashistack:systems` (e.g. `consul,nomad`); without it, every system the
 * cluster runs (Consul and Nomad, and Vault unless `vaultEnabled` is false).
 * Every node also runs a Consul agent (client mode where Consul is not one of
 * its systems): discovery and the graceful leave go through it.
 */
import * as z from '../validation/zod.js';
import type { Config } from '../config/index.js';

/** HashiCorp's order of server changes: Consul first (the others discover through it), then Nomad, then Vault. */
export const SYSTEM_ORDER = ['consul', 'nomad', 'vault'] as const;
export type RaftSystem = (typeof SYSTEM_ORDER)[number];
export const RaftSystemSchema = z.enum(SYSTEM_ORDER);

export const SYSTEMS_TAG = 'hashistack:systems';

/** The systems of the whole cluster. */
export function clusterSystems(config: Pick<Config, 'vaultEnabled'>): RaftSystem[] {
  return SYSTEM_ORDER.filter((s) => s !== 'vault' || config.vaultEnabled);
}

/**
 * Parse the tag's value: comma-separated system names, at least one, no
 * repeats; returned in {@link SYSTEM_ORDER}.
 * @returns the systems, or the problem in words.
 */
export function parseSystemsTag(raw: string): { systems: RaftSystem[] } | { problem: string } {
  const names = raw
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== '');
  if (names.length === 0) return { problem: `${SYSTEMS_TAG} names no system (want e.g. "consul,nomad")` };
  const unknown = names.filter((n) => !(SYSTEM_ORDER as readonly string[]).includes(n));
  if (unknown.length) return { problem: `${SYSTEMS_TAG} names ${unknown.map((u) => JSON.stringify(u)).join(', ')}: systems are ${SYSTEM_ORDER.join(', ')}` };
  if (new Set(names).size !== names.length) return { problem: `${SYSTEMS_TAG} names a system twice: ${JSON.stringify(raw)}` };
  return { systems: SYSTEM_ORDER.filter((s) => names.includes(s)) };
}

/**
 * The systems a server group runs, as the control plane manages them: the
 * tag's (null: the cluster's), less Vault when Vault is not managed here.
 */
export function systemsOf(group: { systems?: readonly RaftSystem[] | null | undefined }, config: Pick<Config, 'vaultEnabled'>): RaftSystem[] {
  const cluster = clusterSystems(config);
  return group.systems ? cluster.filter((s) => group.systems?.includes(s)) : cluster;
}

/** Rank of a server group in the order of server changes: its first system's place in {@link SYSTEM_ORDER}. */
export function changeRank(systems: readonly RaftSystem[]): number {
  const i = SYSTEM_ORDER.findIndex((s) => systems.includes(s));
  return i < 0 ? SYSTEM_ORDER.length : i;
}
