/**
 * The deployments part of the health gate: Nomad rolls a new job version out
 * as a deployment, so a job update during the upgrade is healthy only once
 * its deployment succeeded. A drain's migrations create no deployment
 * (scheduler/reconciler createDeployment: no spec change), so only deployments
 * someone started count here.
 */
import type { NomadDeployment } from '../../hashicorp/nomad/schemas.js';

/** What the deployments of the jobs on the new nodes say. */
export interface DeploymentVerdict {
  /** Failed after the upgrade started: the upgrade rolls back. */
  failed: string[];
  /** Still rolling out (running, paused, pending…): the gate waits. */
  running: string[];
  /** The job's latest deployment failed before the upgrade started: not the upgrade's doing; reported, never rolled back for. */
  failedBefore: string[];
}

/** structs.Deployment.Active. */
const ACTIVE = new Set(['running', 'paused', 'pending', 'blocked', 'initializing', 'unblocking']);

/** `namespace/job`: a job's key across namespaces. */
export const jobKey = (namespace: string | undefined, jobId: string): string => `${namespace ?? 'default'}/${jobId}`;

const name = (d: NomadDeployment): string => `deployment ${d.ID.slice(0, 8)} of job ${d.JobID} (version ${d.JobVersion})`;
const healthy = (d: NomadDeployment): string =>
  Object.entries(d.TaskGroups ?? {})
    .map(([g, s]) => `${g} ${s.HealthyAllocs}/${s.DesiredTotal} healthy${s.UnhealthyAllocs ? `, ${s.UnhealthyAllocs} unhealthy` : ''}`)
    .join('; ');

/**
 * Judge the deployments of `jobs` (keys from {@link jobKey}) against the
 * upgrade's start (epoch ms): any failed since → failed (even if an
 * auto_revert deployment succeeded after it: the job did not take the
 * change while the upgrade ran, and the upgrade cannot tell it was not
 * the cause); any active → running; a latest deployment that failed
 * before the start → failedBefore.
 */
export function judgeDeployments(deployments: readonly NomadDeployment[], jobs: ReadonlySet<string>, upgradeStartedAt: number): DeploymentVerdict {
  const out: DeploymentVerdict = { failed: [], running: [], failedBefore: [] };
  const latest = new Map<string, NomadDeployment>();
  for (const d of deployments) {
    const key = jobKey(d.Namespace, d.JobID);
    if (!jobs.has(key)) continue;
    const prev = latest.get(key);
    if (!prev || d.CreateTime > prev.CreateTime) latest.set(key, d);
    const during = d.CreateTime / 1e6 >= upgradeStartedAt;
    if (d.Status === 'failed' && during) out.failed.push(`${name(d)} failed: ${d.StatusDescription ?? ''}`);
    else if (ACTIVE.has(d.Status)) out.running.push(`${name(d)} ${d.Status}: ${healthy(d)}`);
  }
  for (const d of latest.values())
    if (d.Status === 'failed' && d.CreateTime / 1e6 < upgradeStartedAt)
      out.failedBefore.push(`${name(d)} failed before the upgrade started (${d.StatusDescription ?? ''}): not rolled back for`);
  return out;
}
