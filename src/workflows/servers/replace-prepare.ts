/** serverReplace Prepare: what to replace, and refuse when the cluster or a group is not ready. */
import type { AutoScalingGroup } from '../../aws/autoscaling.js';
import { poolFactsFromTags } from '../../cluster/pool.js';
import { changeRank, systemsOf, SYSTEM_ORDER } from '../../cluster/systems.js';
import { InvalidInput } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { ServerDeps } from './deps.js';
import { readCluster, systemHealthy, viewOf } from './raft-view.js';
import { outdatedMembers, targetVersion } from './replace-group.js';
import { groupsOf, summaryOf, type ReplaceInput, type ReplaceState, type ReplaceStateAfter } from './replace-state.js';

/** One named group as Prepare found it. */
interface Planned {
  asgName: string;
  group: AutoScalingGroup;
  systems: ReplaceState['systems'];
  target: ReplaceState['target'];
  outdated: string[];
}

/**
 * Why a group may not be replaced now, or its plan. Refused: not a server
 * group of this cluster, not steady, or (with outdated members) a MaxSize
 * that does not allow one more server.
 * @throws InvalidInput (unknown group, bad tags)
 */
async function planGroup(asgName: string, deps: ServerDeps): Promise<Planned | { refused: string }> {
  const group = await deps.autoscaling.describeGroup(asgName);
  if (!group) throw new InvalidInput(`serverReplace: no Auto Scaling group ${asgName}`);
  // Replacing terminates servers: only a group of this cluster, whatever the caller typed.
  const cluster = group.Tags?.find((x) => x.Key === 'hashistack:cluster')?.Value;
  if (cluster !== deps.config.clusterName)
    return {
      refused: `the group's hashistack:cluster tag is ${JSON.stringify(cluster ?? null)}, not ${JSON.stringify(deps.config.clusterName)}: it is not a group of this cluster`,
    };
  const role = group.Tags?.find((x) => x.Key === 'hashistack:role')?.Value;
  if (role !== 'server') return { refused: `the group's hashistack:role tag is ${JSON.stringify(role ?? null)}, not "server"` };
  const facts = poolFactsFromTags(asgName, group.Tags, deps.config.clusterName);
  const systems = systemsOf(facts ?? {}, deps.config);
  if (systems.length === 0) return { refused: 'the group runs no raft system this control plane manages (hashistack:systems)' };
  const desired = group.DesiredCapacity ?? 0;
  const members = group.Instances ?? [];
  if (members.length !== desired || members.some((m) => m.LifecycleState !== 'InService'))
    return {
      refused: `the group is not steady (${members.length} members for desired ${desired}, states ${[...new Set(members.map((m) => m.LifecycleState))].join(', ')}); try again when scaling activities are over`,
    };
  const target = await targetVersion(group, deps);
  const outdated = outdatedMembers(group, target);
  if (outdated.length > 0 && (group.MaxSize ?? 0) < desired + 1)
    return {
      refused: `MaxSize ${group.MaxSize ?? 0} does not allow one more server (desired ${desired}); set MaxSize to at least ${desired + 1} to replace servers one at a time`,
    };
  return { asgName, group, systems, target, outdated };
}

/**
 * Read every named group and the version it launches now; list the
 * InService members launched from another version. Groups are replaced in
 * HashiCorp's order of their systems (Consul servers first, then Nomad, then
 * Vault; by name within a rank). Refuses (next `failed`, error
 * ServerReplaceRefused) when any group is not a server group of this cluster,
 * is not steady, its MaxSize does not allow one more server, or any raft
 * system of the groups is unhealthy.
 * @throws InvalidInput (unknown group), ClusterUnreachable, AwsUnavailable
 */
export async function prepareReplace(input: ReplaceInput, deps: ServerDeps): Promise<ReplaceStateAfter<'prepare'>> {
  const t = deps.now();
  const plans: Planned[] = [];
  const refusals: string[] = [];
  for (const asgName of groupsOf(input)) {
    const plan = await planGroup(asgName, deps);
    if ('refused' in plan) refusals.push(`${asgName}: ${plan.refused}`);
    else plans.push(plan);
  }
  plans.sort((a, b) => changeRank(a.systems) - changeRank(b.systems) || a.asgName.localeCompare(b.asgName));
  const groups = plans.map((p) => ({ asgName: p.asgName, systems: p.systems }));
  const todo = plans.filter((p) => p.outdated.length > 0);
  const first = todo[0] ?? plans[0];
  const base: ReplaceStateAfter<'prepare'> = {
    ...input,
    asgName: first?.asgName ?? input.asgName,
    next: 'snapshot',
    pollAfterSeconds: 0,
    target: first?.target ?? { launchTemplateId: '', version: 0 },
    outdatedAtStart: plans.flatMap((p) => p.outdated),
    startedAt: t,
    current: null,
    replaced: [],
    systems: first?.systems ?? [],
    queue: todo.slice(1).map((p) => ({ asgName: p.asgName, systems: p.systems, target: p.target })),
    groups,
    snapshots: [],
    error: null,
  };
  const refuse = (why: string): ReplaceStateAfter<'prepare'> => {
    getLogger().error('server replacement refused', { why });
    return { ...base, next: 'failed', error: { Error: 'ServerReplaceRefused', Cause: `serverReplace ${groupsOf(input).join(', ')}: ${why}` } };
  };
  if (refusals.length) return refuse(refusals.join('; '));
  if (todo.length === 0) return { ...base, next: 'done', summary: summaryOf(base, t) };
  const systems = SYSTEM_ORDER.filter((s) => plans.some((p) => p.systems.includes(s)));
  const view = await readCluster(deps, systems);
  const sick = systems.filter((s) => !systemHealthy(viewOf(view, s)));
  if (sick.length)
    return refuse(`the cluster is not healthy (${sick.join(', ')}: no leader, autopilot unhealthy or a peer unhealthy); fix it before replacing servers`);
  getLogger().info('server replacement prepared', { groups: todo.map((p) => ({ asgName: p.asgName, systems: p.systems, outdated: p.outdated })) });
  return base;
}
