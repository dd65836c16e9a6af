/**
 * Configuration, read in one place. {@link loadConfig} is pure (tests pass an
 * env object); {@link getConfig} parses `process.env` once per container.
 */
import { ConfigError } from '../errors/index.js';
import { ConfigSchema, type Config } from './schema.js';

export type { Config } from './schema.js';

/**
 * Parse and validate an environment.
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // The path holds the variable (see fromEnv), e.g. ['tokenParameters', 'nomad', 'NOMAD_TOKEN_PARAMETER'],
    // followed by an index for list settings (['amiAllowedIds', 'AMI_ALLOWED_IDS', 0]).
    const variable = String(issue?.path.findLast((p) => typeof p === 'string' && /^[A-Z][A-Z0-9_]*$/.test(p)) ?? 'environment');
    const present = env[variable] !== undefined;
    throw new ConfigError(variable, present ? (issue?.message ?? 'invalid') : 'is not set');
  }
  return parsed.data;
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
