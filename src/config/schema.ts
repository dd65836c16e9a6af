/**
 * The configuration schema: every setting, the environment variable it is read
 * from (names as in serverless.yml) and its validation, in one place. The
 * {@link Config} type is inferred from it. Each setting's schema is built on
 * first use: a Lambda builds only the settings it reads (config/index.ts).
 */
import * as z from '../validation/zod.js';
import { parseDuration } from '../time/duration.js';
import { MaintenanceWindowSchema } from '../time/window.js';
import { checkClusterAddress } from './address.js';

/** A schema shared by several settings, built when the first of them is. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}

const clusterAddress = once(() =>
  z.pipe(
    z.string(),
    z.transform((raw, ctx) => {
      const r = checkClusterAddress(raw.trim());
      if (!r.ok) {
        ctx.issues.push({ code: 'custom', message: r.problem, input: raw });
        return z.NEVER;
      }
      return r.url;
    }),
  ),
);

const duration = once(() =>
  z.pipe(
    z.string(),
    z.transform((raw, ctx) => {
      const ms = parseDuration(raw);
      if (ms === undefined) {
        ctx.issues.push({ code: 'custom', message: `not a duration like "15m" or "1h30m": ${JSON.stringify(raw)}`, input: raw });
        return z.NEVER;
      }
      return ms;
    }),
  ),
);

const boolean = once(() =>
  z.pipe(
    z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.enum(['true', 'false', '1', '0', 'yes', 'no'])),
    z.transform((v) => v === 'true' || v === '1' || v === 'yes'),
  ),
);

const nonEmpty = once(() => z.string().check(z.trim(), z.minLength(1, 'must not be empty')));

/** An optional value (empty or unset: not configured). */
const optionalArn = once(() =>
  z.pipe(
    z.optional(z.string().check(z.trim())),
    z.transform((v) => (v ? v : undefined)),
  ),
);

/** A comma-separated list (empty entries dropped). */
const list = once(() =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v) =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    ),
  ),
);

/** `key=value,key=value` (AMI tag filter). */
const tagPairs = once(() =>
  z.pipe(
    list(),
    z.transform((pairs, ctx) => {
      const tags: Record<string, string> = {};
      for (const pair of pairs) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          ctx.issues.push({ code: 'custom', message: `not a tag filter like "key=value": ${JSON.stringify(pair)}`, input: pairs });
          return z.NEVER;
        }
        tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return tags;
    }),
  ),
);

/** A token parameter's full name: IAM scopes GetParameters to `…:parameter<name>`, which needs the leading slash. */
const parameterName = once(() =>
  nonEmpty().check(z.regex(/^\/[a-zA-Z0-9_.\-/]+$/, 'must be a full SSM parameter name like /hashistack/control-plane/nomad-token')),
);

/** An optional parameter name (empty or unset: not configured). */
const optionalParameterName = once(() => z.pipe(optionalArn(), z.optional(parameterName())));

/** The AWS managed key SSM encrypts SecureStrings with by default. */
export const AWS_MANAGED_SSM_KEY = 'alias/aws/ssm';

/** The token parameters' KMS key: the AWS managed aws/ssm key, or a customer managed key's ARN (IAM cannot scope to other aliases). */
const tokenKmsKey = once(() =>
  z._default(
    z.string().check(
      z.trim(),
      z.refine(
        (v) => v === AWS_MANAGED_SSM_KEY || /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]{32,36}$/.test(v),
        `must be ${AWS_MANAGED_SSM_KEY} or a KMS key ARN like arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      ),
    ),
    AWS_MANAGED_SSM_KEY,
  ),
);

/** AMI ids (allow-list of console upgrades). */
const amiIds = once(() =>
  z.pipe(list(), z.array(z.string().check(z.regex(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must list AMI ids like ami-0123456789abcdef0')))),
);

/**
 * A setting read from environment variable `variable`. It takes the whole
 * environment and keeps its own variable, so a failed check's path ends with
 * the variable's name.
 */
function fromEnv<V extends string, T extends z.ZodMiniType>(variable: V, schema: T) {
  return z.pipe(
    z.object({ [variable]: schema } as Record<V, T>),
    z.transform((env) => (env as Record<V, z.output<T>>)[variable]),
  );
}

/** A group of settings: each member gets the whole environment. */
function group<S extends z.core.$ZodShape>(shape: S) {
  return z.pipe(
    z.transform((env) => Object.fromEntries(Object.keys(shape).map((key) => [key, env]))),
    z.object(shape),
  );
}

/** An empty variable counts as not set (serverless.yml writes `''` for an absent optional key). */
const emptyAsUnset = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * Every setting of the configuration, from process.env: each schema is built
 * on first use, so a function builds only those of the settings it reads
 * ({@link settingSchema}), the deploy-time check all of them ({@link configSchema}).
 */
const settings = {
  /** Value of the `hashistack:cluster` tag on the cluster's groups. */
  clusterName: () => fromEnv('CLUSTER_NAME', nonEmpty()),
  nomadAddr: () => fromEnv('NOMAD_ADDR', clusterAddress()),
  consulAddr: () => fromEnv('CONSUL_HTTP_ADDR', clusterAddress()),
  /** Vault managed here (its servers guarded, snapshotted, gated); false: no Vault calls, address or token needed. */
  vaultEnabled: () => fromEnv('VAULT_ENABLED', z._default(boolean(), true)),
  /** Vault's raft `node_id` convention on the servers: the EC2 instance id, or the hostname (the private DNS name, or its first label). */
  vaultNodeId: () => fromEnv('VAULT_NODE_ID', z._default(z.enum(['instance-id', 'hostname']), 'instance-id')),
  /** Required when Vault is enabled (checked below). */
  vaultAddr: () => fromEnv('VAULT_ADDR', z.pipe(z.transform(emptyAsUnset), z.optional(clusterAddress()))),
  /** SSM SecureString parameters holding the ACL tokens. */
  tokenParameters: () =>
    group({
      nomad: fromEnv('NOMAD_TOKEN_PARAMETER', parameterName()),
      consul: fromEnv('CONSUL_TOKEN_PARAMETER', parameterName()),
      /** Required when Vault is enabled (checked below). */
      vault: fromEnv('VAULT_TOKEN_PARAMETER', z.pipe(z.transform(emptyAsUnset), z.optional(parameterName()))),
    }),
  /**
   * SSM SecureString parameters holding each API's client certificate and its
   * key (PEM, certificate chain first), for clusters that require mutual TLS
   * (`verify_https_client`, `verify_incoming`, `tls_require_and_verify_client_cert`);
   * unset: no client certificate is presented.
   */
  clientCertParameters: () =>
    group({
      nomad: fromEnv('NOMAD_CLIENT_CERT_PARAMETER', optionalParameterName()),
      consul: fromEnv('CONSUL_CLIENT_CERT_PARAMETER', optionalParameterName()),
      vault: fromEnv('VAULT_CLIENT_CERT_PARAMETER', optionalParameterName()),
    }),
  /**
   * The PEM bundle the https APIs' server certificates are verified against,
   * instead of Node's trust store (the cluster CA layer's file); unset: Node's
   * trust store (public CAs plus NODE_EXTRA_CA_CERTS).
   */
  clusterCaFile: () => fromEnv('CLUSTER_CA_FILE', optionalArn()),
  /** KMS key of the token parameters (IAM scopes kms:Decrypt to it). */
  tokenParameterKmsKey: () => fromEnv('TOKEN_PARAMETER_KMS_KEY', tokenKmsKey()),
  launchHookName: () => fromEnv('LAUNCH_HOOK_NAME', nonEmpty()),
  terminateHookName: () => fromEnv('TERMINATE_HOOK_NAME', nonEmpty()),
  /** Default Nomad drain deadline, ms (a pool's `hashistack:drain-deadline` tag overrides it). */
  drainDeadlineMs: () => fromEnv('DRAIN_DEADLINE', duration()),
  /** How long a workflow may go without progress before it gives up, ms. */
  giveUpAfterMs: () => fromEnv('GIVE_UP_AFTER', duration().check(z.refine((ms) => ms > 0, 'must be positive'))),
  /** Default join timeout, ms. */
  joinTimeoutMs: () => fromEnv('JOIN_TIMEOUT', duration()),
  purgeNomadNode: () => fromEnv('PURGE_NOMAD_NODE', z._default(boolean(), false)),
  joinMode: () => fromEnv('JOIN_MODE', z._default(z.enum(['auto', 'ssm']), 'auto')),
  /** How long a server removal waits for quorum safety (and server replacement for a healthy new voter), ms. */
  serverQuorumWaitMs: () => fromEnv('SERVER_QUORUM_WAIT', z._default(duration(), 30 * 60_000)),
  /** The lifecycle router's dead-letter queue (set for the reconciliation sweep only). */
  routerDeadLetterQueueUrl: () => fromEnv('ROUTER_DLQ_URL', optionalArn()),
  /** instanceNotice's dead-letter queue (set for the reconciliation sweep only). */
  noticeDeadLetterQueueUrl: () => fromEnv('NOTICE_DLQ_URL', optionalArn()),
  /** A join or drain execution running longer than this is reported by the reconciliation sweep, ms. */
  executionOverdueAfterMs: () => fromEnv('EXECUTION_OVERDUE_AFTER', z._default(duration(), 6 * 3_600_000)),
  /** The drain state machine (set for the lifecycle router only). */
  drainStateMachineArn: () => fromEnv('DRAIN_STATE_MACHINE_ARN', optionalArn()),
  /** The join state machine (set for the lifecycle router only). */
  joinStateMachineArn: () => fromEnv('JOIN_STATE_MACHINE_ARN', optionalArn()),
  /** serverReplace (set for the server step of pool upgrades). */
  serverReplaceStateMachineArn: () => fromEnv('SERVER_REPLACE_STATE_MACHINE_ARN', optionalArn()),
  /** poolUpgrade (set for the cluster upgrade step). */
  poolUpgradeStateMachineArn: () => fromEnv('POOL_UPGRADE_STATE_MACHINE_ARN', optionalArn()),
  /** clusterUpgrade (set for the AMI refresh). */
  clusterUpgradeStateMachineArn: () => fromEnv('CLUSTER_UPGRADE_STATE_MACHINE_ARN', optionalArn()),
  /** Which AMIs the AMI refresh considers: EC2 DescribeImages owners, name pattern (`*` wildcards), tags. */
  amiFilter: () =>
    group({
      owners: fromEnv(
        'AMI_OWNERS',
        z.pipe(
          list(),
          z.transform((owners) => (owners.length > 0 ? owners : ['self'])),
        ),
      ),
      namePattern: fromEnv('AMI_NAME_PATTERN', z._default(nonEmpty(), 'hashistack-alpine-*')),
      tags: fromEnv('AMI_TAGS', tagPairs()),
    }),
  /** Images console upgrades accept besides those matching amiFilter. */
  amiAllowedIds: () => fromEnv('AMI_ALLOWED_IDS', amiIds()),
  /** CloudWatch alarms that gate every pool upgrade: one in ALARM rolls the upgrade back (names). */
  upgradeAlarms: () => fromEnv('UPGRADE_ALARMS', list()),
  /** How long the work on a batch's new nodes must stay healthy before the next batch starts. */
  upgradeBakeTimeMs: () => fromEnv('UPGRADE_BAKE_TIME', z._default(duration(), 0)),
  /** How long after a batch's drain its new nodes' work may take to become healthy before the upgrade rolls back. */
  upgradeHealthTimeoutMs: () => fromEnv('UPGRADE_HEALTH_TIMEOUT', z._default(duration(), 15 * 60_000)),
  /** Start a cluster upgrade for drifted pools (inside the maintenance window); otherwise only report. */
  autoUpgrade: () => fromEnv('AUTO_UPGRADE', z._default(boolean(), false)),
  /**
   * On an EC2 rebalance recommendation for an instance of a group without
   * Capacity Rebalancing: replace it (terminate without decrementing, so the
   * group launches a replacement and our drain runs on the terminate hook);
   * otherwise it is only marked ineligible.
   */
  rebalanceReplace: () => fromEnv('REBALANCE_REPLACE', z._default(boolean(), false)),
  /**
   * A scheduled retirement or maintenance is replaced inside `maintenanceWindow`
   * when the next window's start + this expected replacement time + the margin
   * is before the scheduled time; at once otherwise.
   */
  retirementReplaceTimeMs: () => fromEnv('RETIREMENT_REPLACE_TIME', z._default(duration().check(z.refine((ms) => ms > 0, 'must be positive')), 60 * 60_000)),
  /** How long before the scheduled time a replacement in the window must be done. */
  retirementMarginMs: () => fromEnv('RETIREMENT_MARGIN', z._default(duration(), 2 * 3_600_000)),
  /** noticeReplace: replacement in the maintenance window and the surge replacement (set for instanceNotice and the reconcile sweep). */
  noticeReplaceStateMachineArn: () => fromEnv('NOTICE_REPLACE_STATE_MACHINE_ARN', optionalArn()),
  /** Raft snapshots (set for the functions that take them): where they go and how fresh a reused one must be. */
  snapshots: () =>
    group({
      /** The bucket (the stack's own unless the config names one). */
      bucket: fromEnv('SNAPSHOT_BUCKET', optionalArn()),
      /** The KMS key objects are encrypted with (SSE-KMS). */
      kmsKeyId: fromEnv('SNAPSHOT_KMS_KEY', optionalArn()),
      /** Key prefix; objects are `<prefix><cluster>/<system>/<time>-<index>.snap`. */
      prefix: fromEnv(
        'SNAPSHOT_PREFIX',
        z._default(z.string().check(z.trim()), 'snapshots/').check(z.refine((v) => v === '' || v.endsWith('/'), 'must be empty or end with "/"')),
      ),
      /** An unplanned server removal reuses a verified snapshot this recent instead of taking one, ms. */
      maxAgeMs: fromEnv('SNAPSHOT_MAX_AGE', z._default(duration(), 3_600_000)),
    }),
  /** Weekly UTC window in which the AMI refresh may start an upgrade. */
  maintenanceWindow: () =>
    fromEnv('MAINTENANCE_WINDOW', z._default(MaintenanceWindowSchema, { text: 'Sun 02:00-06:00', startMinute: 120, lengthMinutes: 240 })),
};

/** A top-level setting (a group counts as one). */
export type SettingKey = keyof typeof settings;
type SettingsShape = { [K in SettingKey]: ReturnType<(typeof settings)[K]> };

/** Every setting's key. */
export const SETTING_KEYS = Object.keys(settings) as SettingKey[];

const built = new Map<SettingKey, z.ZodMiniType>();
/** The schema of one setting (built once): it reads the whole environment, its issues' paths end with the variable. */
export function settingSchema<K extends SettingKey>(key: K): SettingsShape[K] {
  let schema = built.get(key);
  if (!schema) {
    schema = settings[key]();
    built.set(key, schema);
  }
  return schema as SettingsShape[K];
}

/** Settings Vault needs while it is managed here (VAULT_ENABLED): their value when unset, and the path of the issue. */
const REQUIRED_WITH_VAULT = {
  vaultAddr: { unset: (v: unknown) => v === undefined, path: ['vaultAddr', 'VAULT_ADDR'] },
  tokenParameters: { unset: (v: unknown) => (v as { vault?: string }).vault === undefined, path: ['tokenParameters', 'vault', 'VAULT_TOKEN_PARAMETER'] },
} satisfies Partial<Record<SettingKey, { unset: (value: unknown) => boolean; path: string[] }>>;

/** The issue of setting `key` holding `value` when Vault is enabled, if it is one Vault requires and it is unset. */
export function vaultRequirementIssue(key: SettingKey, value: unknown, vaultEnabled: boolean): { path: string[]; message: string } | undefined {
  const rule = (REQUIRED_WITH_VAULT as Partial<Record<SettingKey, { unset: (value: unknown) => boolean; path: string[] }>>)[key];
  if (!vaultEnabled || !rule?.unset(value)) return undefined;
  return { path: rule.path, message: 'is required while VAULT_ENABLED is true' };
}

function buildConfigSchema() {
  const shape = Object.fromEntries(SETTING_KEYS.map((key) => [key, settingSchema(key)])) as SettingsShape;
  return group(shape).check(
    z.superRefine((config, ctx) => {
      for (const key of Object.keys(REQUIRED_WITH_VAULT) as (keyof typeof REQUIRED_WITH_VAULT)[]) {
        const issue = vaultRequirementIssue(key, config[key], config.vaultEnabled);
        if (issue) ctx.addIssue({ code: 'custom', ...issue });
      }
    }),
  );
}

/** The whole configuration's schema (every setting and the checks across them): the deploy-time check, {@link loadConfig}. */
export const configSchema = once(buildConfigSchema);

/** The validated configuration. */
export type Config = z.output<ReturnType<typeof configSchema>>;
