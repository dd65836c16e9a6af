/**
 * Validate (the first state of a cluster upgrade): check the input, every
 * named pool and image, and plan each pool's upgrade with the pool upgrade's
 * own planner — reads only, so an invalid input fails with nothing changed.
 */
import { changeRank, SYSTEM_ORDER, systemsOf } from '../../cluster/systems.js';
import { InvalidUpgradeInput } from '../../errors/index.js';
import { requireAllowedImage } from '../upgrade/image-policy.js';
import { planUpgrade } from '../upgrade/plan.js';
import { clusterPools, currentImageOf, describePools, matchPools, type ClusterPool } from '../upgrade/pools.js';
import type { ClusterUpgradeDeps } from './deps.js';
import { knobsOf, parseClusterUpgradeInput, type ClusterUpgradeInput } from './input.js';
import type { ClusterUpgradeState, PoolRun } from './state.js';

/**
 * Validate the input and plan the cluster upgrade: server pools first (Consul
 * servers, then Nomad, then Vault), then client pools (by pool name); pools
 * already on their image are skipped.
 * @throws InvalidUpgradeInput (unknown pool or image, what to fix), PoolBusy, ServerPoolUpgradeUnavailable
 */
export async function planClusterUpgrade(raw: unknown, executionArn: string, deps: ClusterUpgradeDeps): Promise<ClusterUpgradeState> {
  const input = parseClusterUpgradeInput(raw);
  const pools = await clusterPools(deps);
  const targets = resolveTargets(input, pools, deps.config.clusterName);
  await checkImages(
    targets.map((t) => t.imageId),
    deps,
  );
  const knobs = knobsOf(input);
  const runs: PoolRun[] = [];
  for (const { pool, imageId } of order(targets, deps.config)) {
    const current = await currentImageOf(pool.group, deps);
    const run: PoolRun = {
      pool: pool.facts.pool,
      asgName: pool.facts.asgName,
      role: pool.facts.role,
      from: current?.imageId ?? null,
      imageId,
      status: 'pending',
      executionArn: null,
      startedAt: null,
      endedAt: null,
      detail: null,
    };
    if (current?.imageId === imageId) {
      runs.push({ ...run, status: 'skipped', detail: `already runs ${imageId}` });
      continue;
    }
    // The pool upgrade's own checks (lock, refresh, steady size, MaxSize for the surge, serverReplace deployed).
    await planUpgrade({ pool: pool.facts.asgName, imageId, ...knobs }, executionArn, deps);
    runs.push(run);
  }
  return { executionArn, startedAt: deps.now(), knobs, pools: runs, progress: { current: null, phase: 'idle', done: false } };
}

function resolveTargets(input: ClusterUpgradeInput, pools: ClusterPool[], clusterName: string): { pool: ClusterPool; imageId: string }[] {
  if (input.imageId !== undefined) {
    if (pools.length === 0)
      throw new InvalidUpgradeInput(`cluster ${clusterName} has no pools (no Auto Scaling group tagged hashistack:cluster=${clusterName})`);
    const imageId = input.imageId;
    return pools.map((pool) => ({ pool, imageId }));
  }
  const targets: { pool: ClusterPool; imageId: string }[] = [];
  const problems: string[] = [];
  for (const [name, imageId] of Object.entries(input.images ?? {})) {
    const found = matchPools(pools, name);
    if (found.length === 0) problems.push(`unknown pool "${name}"`);
    else if (found.length > 1)
      problems.push(`"${name}" matches several groups (${found.map((p) => p.facts.asgName).join(', ')}); give the Auto Scaling group name`);
    else if (targets.some((t) => t.pool.facts.asgName === found[0]?.facts.asgName)) problems.push(`"${name}" names group ${found[0]?.facts.asgName} twice`);
    else targets.push({ pool: found[0] as ClusterPool, imageId });
  }
  if (problems.length > 0) throw new InvalidUpgradeInput(`images: ${problems.join('; ')} in cluster ${clusterName}; known pools: ${describePools(pools)}`);
  return targets;
}

/** Every image exists, is available and is allowed for upgrades (amiFilter, amiAllowedIds). @throws InvalidUpgradeInput */
async function checkImages(imageIds: string[], deps: ClusterUpgradeDeps): Promise<void> {
  // One id per call: EC2 answers a whole call with InvalidAMIID.NotFound when one id is unknown.
  for (const id of new Set(imageIds)) await requireAllowedImage(id, 'image', deps);
}

/**
 * Server pools first, in HashiCorp's order of their systems (a group running
 * Consul servers first, then Nomad, then Vault: `hashistack:systems`), then
 * client pools; by pool name within a rank.
 */
function order<T extends { pool: ClusterPool }>(targets: T[], config: ClusterUpgradeDeps['config']): T[] {
  const rank = (t: T): number => (t.pool.facts.role === 'server' ? changeRank(systemsOf(t.pool.facts, config)) : SYSTEM_ORDER.length + 1);
  return [...targets].sort(
    (a, b) => rank(a) - rank(b) || a.pool.facts.pool.localeCompare(b.pool.facts.pool) || a.pool.facts.asgName.localeCompare(b.pool.facts.asgName),
  );
}
