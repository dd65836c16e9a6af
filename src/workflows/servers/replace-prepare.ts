/** serverReplace Prepare: what to replace, and refuse when the cluster or the group is not ready. */
import { InvalidInput } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { ServerDeps } from './deps.js';
import { RAFT_SYSTEMS, readCluster, systemHealthy } from './raft-view.js';
import { outdatedMembers, targetVersion } from './replace-group.js';
import { summaryOf, type ReplaceInput, type ReplaceStateAfter } from './replace-state.js';

/**
 * Read the group and the version it launches now; list the InService members
 * launched from another version. Refuses (next `failed`, error
 * ServerReplaceRefused) when the group is not a server group of this cluster, is not steady,
 * its MaxSize does not allow one more server, or any raft system is unhealthy.
 * @throws InvalidInput (unknown group), ClusterUnreachable, AwsUnavailable
 */
export async function prepareReplace(input: ReplaceInput, deps: ServerDeps): Promise<ReplaceStateAfter<'prepare'>> {
  const group = await deps.autoscaling.describeGroup(input.asgName);
  if (!group) throw new InvalidInput(`serverReplace: no Auto Scaling group ${input.asgName}`);
  const t = deps.now();
  const target = await targetVersion(group, deps);
  const outdated = outdatedMembers(group, target);
  const base: ReplaceStateAfter<'prepare'> = {
    ...input,
    next: 'snapshot',
    pollAfterSeconds: 0,
    target,
    outdatedAtStart: outdated,
    startedAt: t,
    current: null,
    replaced: [],
    snapshots: [],
    error: null,
  };
  const refuse = (why: string): ReplaceStateAfter<'prepare'> => {
    getLogger().error('server replacement refused', { why });
    return { ...base, next: 'failed', error: { Error: 'ServerReplaceRefused', Cause: `serverReplace ${input.asgName}: ${why}` } };
  };
  // Replacing terminates servers: only a group of this cluster, whatever the caller typed.
  const cluster = group.Tags?.find((x) => x.Key === 'hashistack:cluster')?.Value;
  if (cluster !== deps.config.clusterName)
    return refuse(
      `the group's hashistack:cluster tag is ${JSON.stringify(cluster ?? null)}, not ${JSON.stringify(deps.config.clusterName)}: it is not a group of this cluster`,
    );
  const role = group.Tags?.find((x) => x.Key === 'hashistack:role')?.Value;
  if (role !== 'server') return refuse(`the group's hashistack:role tag is ${JSON.stringify(role ?? null)}, not "server"`);
  const desired = group.DesiredCapacity ?? 0;
  const members = group.Instances ?? [];
  if (members.length !== desired || members.some((m) => m.LifecycleState !== 'InService'))
    return refuse(
      `the group is not steady (${members.length} members for desired ${desired}, states ${[...new Set(members.map((m) => m.LifecycleState))].join(', ')}); try again when scaling activities are over`,
    );
  if (outdated.length === 0) return { ...base, next: 'done', summary: summaryOf(base, t) };
  if ((group.MaxSize ?? 0) < desired + 1)
    return refuse(
      `MaxSize ${group.MaxSize ?? 0} does not allow one more server (desired ${desired}); set MaxSize to at least ${desired + 1} to replace servers one at a time`,
    );
  const view = await readCluster(deps);
  const sick = RAFT_SYSTEMS.filter((s) => !systemHealthy(view[s]));
  if (sick.length)
    return refuse(`the cluster is not healthy (${sick.join(', ')}: no leader, autopilot unhealthy or a peer unhealthy); fix it before replacing servers`);
  getLogger().info('server replacement prepared', { outdated, target });
  return base;
}
