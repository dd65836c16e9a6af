/**
 * Configuration, read in one place. {@link loadConfig} is pure (tests pass an
 * env object) and checks every setting; {@link getConfig} is this container's
 * configuration, each setting parsed from `process.env` on its first read.
 */
import { ConfigError } from '../errors/index.js';
import * as z from '../validation/zod.js';
import { type Config, configSchema, SETTING_KEYS, type SettingKey, settingSchema, vaultRequirementIssue } from './schema.js';

export type { Config } from './schema.js';

type Env = Record<string, string | undefined>;

/** The error of an issue: the variable its path ends with (e.g. ['tokenParameters', 'nomad', 'NOMAD_TOKEN_PARAMETER'], then an index for list settings), and its message, or "is not set". */
function configError(env: Env, issue: { path: PropertyKey[]; message: string } | undefined): ConfigError {
  const variable = String(issue?.path.findLast((p) => typeof p === 'string' && /^[A-Z][A-Z0-9_]*$/.test(p)) ?? 'environment');
  const present = env[variable] !== undefined;
  return new ConfigError(variable, present ? (issue?.message ?? 'invalid') : 'is not set');
}

/**
 * Parse and validate an environment: every setting.
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: Env): Config {
  const parsed = configSchema().safeParse(env);
  if (!parsed.success) throw configError(env, parsed.error.issues[0]);
  return parsed.data;
}

/**
 * A configuration whose settings are parsed from `env` on first read (with
 * the schema and the checks {@link loadConfig} applies to them), so a function
 * builds and parses only the settings it reads; the deploy-time check
 * (stage-file.ts) checks every setting of a stage.
 * @throws ConfigError naming the variable, from the read of a bad setting.
 */
export function lazyConfig(env: Env): Config {
  const values = new Map<SettingKey, unknown>();
  const config = {} as Config;
  const read = (key: SettingKey): unknown => {
    if (values.has(key)) return values.get(key);
    const parsed = z.safeParse(settingSchema(key), env);
    if (!parsed.success) throw configError(env, parsed.error.issues[0]);
    const issue = vaultRequirementIssue(key, parsed.data, key === 'vaultEnabled' ? false : config.vaultEnabled);
    if (issue) throw configError(env, issue);
    values.set(key, parsed.data);
    return parsed.data;
  };
  for (const key of SETTING_KEYS) Object.defineProperty(config, key, { enumerable: true, get: () => read(key) });
  return Object.freeze(config);
}

let cached: Config | undefined;

/** The configuration of this container: `process.env` as it is on the first call, each setting parsed on first read. */
export function getConfig(): Config {
  cached ??= lazyConfig({ ...process.env });
  return cached;
}

/** Forget the cached configuration (tests). */
export function resetConfig(): void {
  cached = undefined;
}
