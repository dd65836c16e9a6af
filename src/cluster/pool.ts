/**
 * Pool facts, read from a group's tags. A group without
 * `hashistack:cluster = <cluster>` is not ours.
 */
import * as z from '../validation/zod.js';
import { InvalidInput } from '../errors/index.js';
import { parseDuration } from '../time/duration.js';
import { parseSystemsTag, RaftSystemSchema, SYSTEMS_TAG } from './systems.js';

export const TAG = {
  cluster: 'hashistack:cluster',
  role: 'hashistack:role',
  pool: 'hashistack:pool',
  nodePool: 'hashistack:node-pool',
  nodeClass: 'hashistack:node-class',
  datacenter: 'hashistack:datacenter',
  drainDeadline: 'hashistack:drain-deadline',
  joinTimeout: 'hashistack:join-timeout',
  systems: SYSTEMS_TAG,
} as const;

export const PoolFactsSchema = z.object({
  asgName: z.string(),
  cluster: z.string(),
  role: z.enum(['server', 'client']),
  pool: z.string(),
  /** Nomad node pool (default: the pool). */
  nodePool: z.string(),
  nodeClass: z.nullable(z.string()),
  datacenter: z.string(),
  /** Pool override of DRAIN_DEADLINE, ms. */
  drainDeadlineMs: z.nullable(z.number()),
  /** Pool override of JOIN_TIMEOUT, ms. */
  joinTimeoutMs: z.nullable(z.number()),
  /** Server groups: the raft systems the group runs (`hashistack:systems`); absent or null: the cluster's (see systemsOf). */
  systems: z.nullish(z.array(RaftSystemSchema)),
});
export type PoolFacts = z.infer<typeof PoolFactsSchema>;

/** Tags as the Auto Scaling API lists them. */
export type TagList = readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined;

function tagMap(tags: TagList): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of tags ?? []) if (t.Key) m.set(t.Key, (t.Value ?? '').trim());
  return m;
}

/**
 * Read pool facts from a group's tags.
 * @returns undefined when the group does not belong to `cluster`.
 * @throws InvalidInput when a cluster group's tags are invalid (role missing, bad duration).
 */
export function poolFactsFromTags(asgName: string, tags: TagList, cluster: string): PoolFacts | undefined {
  const m = tagMap(tags);
  if (m.get(TAG.cluster) !== cluster) return undefined;
  const role = m.get(TAG.role);
  if (role !== 'server' && role !== 'client')
    throw new InvalidInput(`group ${asgName}: tag ${TAG.role} must be server or client, got ${JSON.stringify(role ?? null)}`);
  const duration = (key: string): number | null => {
    const raw = m.get(key);
    if (raw === undefined || raw === '') return null;
    const ms = parseDuration(raw);
    if (ms === undefined) throw new InvalidInput(`group ${asgName}: tag ${key} is not a duration: ${JSON.stringify(raw)}`);
    return ms;
  };
  const pool = m.get(TAG.pool) || asgName;
  const systemsRaw = m.get(TAG.systems);
  const systems = systemsRaw === undefined || role !== 'server' ? null : parseSystemsTag(systemsRaw);
  if (systems && 'problem' in systems) throw new InvalidInput(`group ${asgName}: ${systems.problem}`);
  return {
    asgName,
    cluster,
    role,
    pool,
    nodePool: m.get(TAG.nodePool) || pool,
    nodeClass: m.get(TAG.nodeClass) || null,
    datacenter: m.get(TAG.datacenter) || 'dc1',
    drainDeadlineMs: duration(TAG.drainDeadline),
    joinTimeoutMs: duration(TAG.joinTimeout),
    systems: systems ? systems.systems : null,
  };
}
