/**
 * Configuration, read in one place. {@link loadConfig} is pure (tests pass an
 * env object); {@link getConfig} parses `process.env` once per container.
 */
import { ConfigError } from '../errors/index.js';
import { EnvSchema, type Config } from './schema.js';

export type { Config } from './schema.js';
export { isLoopbackHost, checkClusterAddress } from './address.js';

/**
 * Parse and validate an environment.
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const present = env[variable] !== undefined;
    throw new ConfigError(variable, present ? (issue?.message ?? 'invalid') : 'is not set');
  }
  const e = parsed.data;
  return {
    clusterName: e.CLUSTER_NAME,
    nomadAddr: e.NOMAD_ADDR,
    consulAddr: e.CONSUL_HTTP_ADDR,
    vaultAddr: e.VAULT_ADDR,
    tokenParameters: { nomad: e.NOMAD_TOKEN_PARAMETER, consul: e.CONSUL_TOKEN_PARAMETER, vault: e.VAULT_TOKEN_PARAMETER },
    tokenParameterKmsKey: e.TOKEN_PARAMETER_KMS_KEY,
    launchHookName: e.LAUNCH_HOOK_NAME,
    terminateHookName: e.TERMINATE_HOOK_NAME,
    drainDeadlineMs: e.DRAIN_DEADLINE,
    giveUpAfterMs: e.GIVE_UP_AFTER,
    joinTimeoutMs: e.JOIN_TIMEOUT,
    purgeNomadNode: e.PURGE_NOMAD_NODE,
    joinMode: e.JOIN_MODE,
    serverQuorumWaitMs: e.SERVER_QUORUM_WAIT,
    drainStateMachineArn: e.DRAIN_STATE_MACHINE_ARN,
    joinStateMachineArn: e.JOIN_STATE_MACHINE_ARN,
    serverReplaceStateMachineArn: e.SERVER_REPLACE_STATE_MACHINE_ARN,
    poolUpgradeStateMachineArn: e.POOL_UPGRADE_STATE_MACHINE_ARN,
    clusterUpgradeStateMachineArn: e.CLUSTER_UPGRADE_STATE_MACHINE_ARN,
    amiFilter: { owners: e.AMI_OWNERS, namePattern: e.AMI_NAME_PATTERN, tags: e.AMI_TAGS },
    amiAllowedIds: e.AMI_ALLOWED_IDS,
    autoUpgrade: e.AUTO_UPGRADE,
    maintenanceWindow: e.MAINTENANCE_WINDOW,
  };
}

let cached: Config | undefined;

/** The configuration of this container, parsed from `process.env` on first use. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Forget the cached configuration (tests). */
export function resetConfig(): void {
  cached = undefined;
}
