/** What serverReplace reads of the server group: the version it launches, outdated members, leaders. */
import type { AutoScalingGroup } from '../../aws/autoscaling.js';
import { InvalidInput } from '../../errors/index.js';
import type { ServerDeps } from './deps.js';
import type { RaftSystem } from '../../cluster/systems.js';
import { peersOf, type ClusterView, type InstanceIdentity } from './raft-view.js';

/** The launch template id and version number the group launches now. @throws InvalidInput */
export async function targetVersion(group: AutoScalingGroup, deps: Pick<ServerDeps, 'ec2'>): Promise<{ launchTemplateId: string; version: number }> {
  const lt = group.LaunchTemplate;
  if (!lt?.LaunchTemplateId) throw new InvalidInput(`group ${group.AutoScalingGroupName ?? ''} does not launch from a launch template (by id)`);
  const [v] = await deps.ec2.describeLaunchTemplateVersions(lt.LaunchTemplateId, [lt.Version ?? '$Default']);
  if (!v) throw new InvalidInput(`launch template ${lt.LaunchTemplateId} version ${lt.Version ?? '$Default'} does not exist`);
  return { launchTemplateId: lt.LaunchTemplateId, version: v.versionNumber };
}

/** InService members whose launch template or version differs from the target. */
export function outdatedMembers(group: AutoScalingGroup, target: { launchTemplateId: string; version: number }): string[] {
  return (group.Instances ?? [])
    .filter(
      (m) =>
        m.LifecycleState === 'InService' &&
        (m.LaunchTemplate?.LaunchTemplateId !== target.launchTemplateId || m.LaunchTemplate?.Version !== String(target.version)),
    )
    .map((m) => m.InstanceId ?? '')
    .filter((id) => id !== '');
}

/** Instance ids of the group's members. */
export const memberIds = (group: AutoScalingGroup | undefined): string[] => (group?.Instances ?? []).map((m) => m.InstanceId ?? '').filter((id) => id !== '');

/** How many of these raft systems the instance leads. */
export function leaderships(view: ClusterView, who: InstanceIdentity, systems: readonly RaftSystem[]): number {
  return systems.filter((system) => {
    const v = view[system];
    return v !== undefined && peersOf(v, who).some((p) => p.leader);
  }).length;
}

/** Whether the instance is a healthy voter in each of these systems. */
export function healthyVoterEverywhere(view: ClusterView, who: InstanceIdentity, systems: readonly RaftSystem[]): boolean {
  return systems.every((system) => {
    const v = view[system];
    const mine = v ? peersOf(v, who) : [];
    return mine.length === 1 && mine[0]?.voter === true && mine[0].healthy;
  });
}
