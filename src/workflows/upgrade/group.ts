/** Reading a pool's Auto Scaling group during an upgrade. */
import type { AutoScalingGroup } from '../../aws/autoscaling.js';
import { UpstreamError } from '../../errors/index.js';
import type { UpgradeDeps } from './deps.js';

/** A group member as the upgrade sees it. */
export interface Member {
  instanceId: string;
  lifecycleState: string;
  launchTemplateId: string | undefined;
  version: number | undefined;
}

/** The group, which must exist. @throws UpstreamError when it vanished. */
export async function readGroup(deps: UpgradeDeps, asgName: string): Promise<AutoScalingGroup> {
  const g = await deps.autoscaling.describeGroup(asgName);
  if (!g) throw new UpstreamError('autoscaling', 200, `group ${asgName} no longer exists`);
  return g;
}

/** The group's members with their launch template version. */
export function members(g: AutoScalingGroup): Member[] {
  return (g.Instances ?? []).map((i) => ({
    instanceId: i.InstanceId ?? '',
    lifecycleState: i.LifecycleState ?? '',
    launchTemplateId: i.LaunchTemplate?.LaunchTemplateId,
    version: i.LaunchTemplate?.Version === undefined ? undefined : Number(i.LaunchTemplate.Version),
  }));
}

/** Members that are neither terminating nor gone. */
export function active(ms: Member[]): Member[] {
  return ms.filter((m) => !m.lifecycleState.startsWith('Terminat') && m.lifecycleState !== 'Detaching' && m.lifecycleState !== 'Detached');
}
