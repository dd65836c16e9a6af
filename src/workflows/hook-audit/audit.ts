/** Audit the cluster's groups for their lifecycle hooks. */
import type { describeGroupsByClusterTag, describeLifecycleHooks, LifecycleHook } from '../../aws/autoscaling.js';
import { clusterSystems } from '../../cluster/systems.js';
import { getConfig, type Config } from '../../config/index.js';
import { LAUNCHING, TERMINATING } from '../../events/schemas.js';
import { clusterClients } from '../../hashicorp/clients.js';
import { checkTokenPermissions, PERMISSION_ENDPOINTS, type PermissionFinding, type Workflow } from '../../hashicorp/permissions.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { reportFindings } from '../preflight.js';

export interface HookAuditDeps {
  config: Pick<Config, 'clusterName' | 'launchHookName' | 'terminateHookName'>;
  describeGroupsByClusterTag: typeof describeGroupsByClusterTag;
  describeLifecycleHooks: typeof describeLifecycleHooks;
  /** What the ACL tokens lack for these workflows; by default asked of the cluster with the configured tokens. */
  checkTokens?: (workflows: readonly Workflow[]) => Promise<PermissionFinding[]>;
}

export interface HookFinding {
  asgName: string;
  hookName: string;
  severity: 'error' | 'warning';
  problem: string;
}

/** Heartbeat timeouts shorter than this leave the workflows too little time between heartbeats. */
export const MIN_HEARTBEAT_TIMEOUT_SEC = 300;

/** Problems of one hook against what the control plane expects. */
export function checkHook(
  asgName: string,
  expected: { name: string; transition: string; defaultResult: 'CONTINUE' | 'ABANDON' },
  hook: LifecycleHook | undefined,
): HookFinding[] {
  const f = (severity: HookFinding['severity'], problem: string): HookFinding => ({ asgName, hookName: expected.name, severity, problem });
  if (!hook) return [f('error', `missing ${expected.transition} hook ${expected.name}`)];
  const out: HookFinding[] = [];
  if (hook.LifecycleTransition !== expected.transition) out.push(f('error', `transition is ${hook.LifecycleTransition}, expected ${expected.transition}`));
  if ((hook.HeartbeatTimeout ?? 3600) < MIN_HEARTBEAT_TIMEOUT_SEC)
    out.push(f('error', `heartbeat timeout ${hook.HeartbeatTimeout}s is below ${MIN_HEARTBEAT_TIMEOUT_SEC}s`));
  if ((hook.DefaultResult ?? 'ABANDON') !== expected.defaultResult) {
    out.push(f('warning', `default result is ${hook.DefaultResult ?? 'ABANDON'}; ${expected.defaultResult} is recommended`));
  }
  return out;
}

/** The workflows a cluster's groups run, from their `hashistack:role` tags (client unless `server`). */
function workflowsOf(groups: Awaited<ReturnType<typeof describeGroupsByClusterTag>>): Workflow[] {
  const roles = new Set(groups.map((g) => ((g.Tags ?? []).find((t) => t.Key === 'hashistack:role')?.Value === 'server' ? 'server' : 'client')));
  return [
    ...(roles.has('client') ? (['drain-client', 'join-client'] as const) : []),
    ...(roles.has('server') ? (['server-removal', 'join-server'] as const) : []),
  ];
}

/**
 * Check every group tagged with the cluster for the configured launch hook
 * (EC2_INSTANCE_LAUNCHING) and terminate hook (EC2_INSTANCE_TERMINATING),
 * heartbeat ≥ 300 s. Both defaults should be CONTINUE: the workflows answer
 * explicitly, so a default only applies when the control plane itself is
 * down, and failing open then beats refusing every launch. Logs each problem
 * and counts `MissingLifecycleHook` (hook absent) or
 * `LifecycleHookMisconfigured` (present but off). Also checks each ACL
 * token against every workflow's needs (`TokenPermissionMissing`).
 */
export async function auditHooks(deps: HookAuditDeps): Promise<{ groups: number; findings: HookFinding[]; tokenFindings: PermissionFinding[] }> {
  const checkTokens =
    deps.checkTokens ??
    ((workflows: readonly Workflow[]) =>
      checkTokenPermissions(clusterClients(PERMISSION_ENDPOINTS, clusterSystems(getConfig())), workflows, clusterSystems(getConfig())));
  const groups = await deps.describeGroupsByClusterTag(deps.config.clusterName);
  // Token permissions are audited alongside the hooks, for the workflows the cluster's groups use
  // (server workflows only with a server group): a token that lost a grant is found before a drain needs it.
  const tokenFindings = checkTokens(workflowsOf(groups));
  const findings: HookFinding[] = [];
  for (const g of groups) {
    const asgName = g.AutoScalingGroupName;
    if (!asgName) continue;
    const hooks = await deps.describeLifecycleHooks(asgName);
    const byName = new Map(hooks.map((h) => [h.LifecycleHookName, h]));
    findings.push(
      ...checkHook(asgName, { name: deps.config.launchHookName, transition: LAUNCHING, defaultResult: 'CONTINUE' }, byName.get(deps.config.launchHookName)),
      ...checkHook(
        asgName,
        { name: deps.config.terminateHookName, transition: TERMINATING, defaultResult: 'CONTINUE' },
        byName.get(deps.config.terminateHookName),
      ),
    );
  }
  const log = getLogger();
  for (const finding of findings) {
    countMetric(finding.problem.startsWith('missing') ? 'MissingLifecycleHook' : 'LifecycleHookMisconfigured');
    if (finding.severity === 'error') log.error('lifecycle hook problem', { ...finding });
    else log.warn('lifecycle hook problem', { ...finding });
  }
  const tokens = await tokenFindings;
  reportFindings(tokens, 'hook audit');
  log.info('hook audit finished', { groups: groups.length, problems: findings.length, tokenProblems: tokens.length });
  return { groups: groups.length, findings, tokenFindings: tokens };
}
