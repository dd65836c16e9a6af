/**
 * The token preflight as the workflows use it: cached per Lambda container
 * for a few minutes (a burst of 30 terminations asks once), and reported the
 * same way everywhere (ERROR log line and the `TokenPermissionMissing`
 * metric per finding).
 */
import { checkTokenPermissions, type PermissionClients, type PermissionFinding, type Workflow } from '../hashicorp/permissions.js';
import { getLogger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';

export type Preflight = (workflow: Workflow) => Promise<PermissionFinding[]>;

/** How long one preflight answer is reused within a container. */
export const PREFLIGHT_TTL_MS = 5 * 60_000;

/** A preflight over these clients whose answers are reused for {@link PREFLIGHT_TTL_MS}. */
export function cachedPreflight(clients: PermissionClients, now: () => number = Date.now, systems?: Parameters<typeof checkTokenPermissions>[2]): Preflight {
  const cache = new Map<Workflow, { at: number; result: Promise<PermissionFinding[]> }>();
  return (workflow) => {
    const hit = cache.get(workflow);
    const age = hit ? now() - hit.at : Number.POSITIVE_INFINITY;
    if (hit && age >= 0 && age < PREFLIGHT_TTL_MS) return hit.result;
    const result = checkTokenPermissions(clients, [workflow], systems);
    cache.set(workflow, { at: now(), result });
    result.catch(() => cache.delete(workflow));
    return result;
  };
}

/** Log and count every finding. */
export function reportFindings(findings: PermissionFinding[], where: string): void {
  const log = getLogger();
  for (const f of findings) {
    countMetric('TokenPermissionMissing');
    log.error('ACL token lacks a permission the control plane needs', {
      where,
      system: f.system,
      missing: f.missing,
      workflows: f.workflows,
      detail: f.detail,
    });
  }
}
