/**
 * The cluster's pools as the upgrade workflows see them (pool upgrade,
 * cluster upgrade, AMI refresh): the groups tagged with the cluster, their
 * pool facts, and the image of the launch template version they use.
 */
import type { AutoScalingGroup, describeGroupsByClusterTag } from '../../aws/autoscaling.js';
import type { describeLaunchTemplateVersions } from '../../aws/ec2.js';
import { poolFactsFromTags, type PoolFacts } from '../../cluster/pool.js';

/** One cluster group and its pool facts. */
export interface ClusterPool {
  group: AutoScalingGroup;
  facts: PoolFacts;
}

/** Every group tagged `hashistack:cluster = clusterName`, with its pool facts (tag order kept). */
export async function clusterPools(deps: {
  config: { clusterName: string };
  autoscaling: { describeGroupsByClusterTag: typeof describeGroupsByClusterTag };
}): Promise<ClusterPool[]> {
  const groups = await deps.autoscaling.describeGroupsByClusterTag(deps.config.clusterName);
  const pools: ClusterPool[] = [];
  for (const g of groups) {
    const facts = g.AutoScalingGroupName ? poolFactsFromTags(g.AutoScalingGroupName, g.Tags, deps.config.clusterName) : undefined;
    if (facts) pools.push({ group: g, facts });
  }
  return pools;
}

/** The pools a console name designates: the group of that name if exactly one, else the groups of that pool. */
export function matchPools(pools: readonly ClusterPool[], name: string): ClusterPool[] {
  const byName = pools.filter((p) => p.facts.asgName === name);
  return byName.length === 1 ? byName : pools.filter((p) => p.facts.pool === name);
}

/** "pool (asg), …" for error messages. */
export function describePools(pools: readonly ClusterPool[]): string {
  return pools.map((p) => `${p.facts.pool} (${p.facts.asgName})`).join(', ') || 'none';
}

/**
 * The image of the launch template version a group uses (`$Default` when it
 * names none); undefined without a launch template or when the version is gone.
 */
export async function currentImageOf(
  group: AutoScalingGroup,
  deps: { ec2: { describeLaunchTemplateVersions: typeof describeLaunchTemplateVersions } },
): Promise<{ imageId: string | undefined; versionNumber: number } | undefined> {
  const lt = group.LaunchTemplate;
  if (!lt?.LaunchTemplateId) return undefined;
  const [v] = await deps.ec2.describeLaunchTemplateVersions(lt.LaunchTemplateId, [lt.Version ?? '$Default']);
  return v ? { imageId: v.imageId, versionNumber: v.versionNumber } : undefined;
}
