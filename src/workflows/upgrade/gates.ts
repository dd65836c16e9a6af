/**
 * The gates of a health-gated rollout: the configured CloudWatch alarms, and
 * the health of the work on the upgrade's new nodes (Nomad allocations).
 */
import { UpgradeAlarm } from '../../errors/index.js';
import type { NomadAllocation } from '../../hashicorp/nomad/schemas.js';
import { jobKey } from './deployments.js';
import type { UpgradeDeps } from './deps.js';
import { MIN_POLL_SECONDS } from './poll.js';
import type { UpgradeState } from './state.js';

/**
 * @throws UpgradeAlarm when one of the plan's alarms is in ALARM (the upgrade rolls back).
 */
export async function requireNoAlarm(state: UpgradeState, deps: UpgradeDeps): Promise<void> {
  if (state.plan.alarms.length === 0) return;
  const firing = (await deps.cloudwatch.describeAlarms(state.plan.alarms)).filter((a) => a.state === 'ALARM');
  if (firing.length > 0)
    throw new UpgradeAlarm(`alarm ${firing.map((a) => `${a.name} (${a.reason})`).join(', ')} in ALARM during the upgrade of ${state.plan.pool}`);
}

/**
 * Check at least twice per alarm period: an alarm going off is seen, and the
 * rollback started, within one evaluation period (a check every full period
 * would be late by the check's own time).
 */
export function capPoll(state: UpgradeState): UpgradeState {
  const period = state.plan.alarmPeriodSeconds;
  const poll = state.progress.pollSeconds;
  if (period === null || poll === undefined) return state;
  const cap = Math.max(MIN_POLL_SECONDS, Math.floor(period / 2));
  if (poll <= cap) return state;
  return { ...state, progress: { ...state.progress, pollSeconds: cap } };
}

/** The work on some nodes: allocations that failed or are unhealthy, those not healthy yet, and the jobs they belong to ({@link jobKey}). */
export interface WorkHealth {
  unhealthy: string[];
  pending: string[];
  jobs: Set<string>;
}

const describe = (a: NomadAllocation, instanceId: string, what: string): string => `${a.Name ?? `${a.JobID}/${a.ID.slice(0, 8)}`} on ${instanceId} ${what}`;

/**
 * Every allocation Nomad wants running on these instances' nodes: failed or
 * lost, or judged unhealthy (DeploymentStatus.Healthy false) → unhealthy;
 * pending, or a running service allocation not judged healthy yet → pending.
 * A node not registered yet counts as pending.
 */
export async function workHealth(instanceIds: readonly string[], deps: UpgradeDeps): Promise<WorkHealth> {
  const nomad = deps.nomad();
  const out: WorkHealth = { unhealthy: [], pending: [], jobs: new Set() };
  for (const id of instanceIds) {
    const node = await nomad.findNodeByInstanceId(id);
    if (!node) {
      out.pending.push(`node of ${id} not registered`);
      continue;
    }
    for (const a of await nomad.nodeAllocations(node.ID)) {
      if (a.DesiredStatus !== 'run') continue;
      out.jobs.add(jobKey(a.Namespace, a.JobID));
      if (a.ClientStatus === 'failed' || a.ClientStatus === 'lost') out.unhealthy.push(describe(a, id, a.ClientStatus));
      else if (a.DeploymentStatus?.Healthy === false) out.unhealthy.push(describe(a, id, 'unhealthy'));
      else if (a.ClientStatus === 'pending') out.pending.push(describe(a, id, 'pending'));
      else if (a.ClientStatus === 'running' && a.Job?.Type === 'service' && a.DeploymentStatus?.Healthy !== true)
        out.pending.push(describe(a, id, 'not healthy yet'));
    }
  }
  return out;
}
