/**
 * The deploy-time check of `config/<stage>.yml`: the stage file is turned
 * into the environment serverless.yml gives the Lambdas (the bindings are read
 * from serverless.yml itself, never listed twice) and parsed with the same
 * {@link configSchema} the Lambdas use, so a value the Lambdas would refuse at
 * their first start is refused by `sls package` / `sls deploy`, named by its
 * config key, with its value and the fix. Keys only serverless.yml reads
 * (region, VPC, schedules) are checked by {@link DeployOnlySchema}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from '../validation/zod.js';
import { closestKey } from '../workflows/upgrade/input.js';
import { configSchema } from './schema.js';

/** An environment variable serverless.yml fills from a config key (`Fn::Join` of a list when `join` is set). */
export interface ConfigBinding {
  variable: string;
  /** Dotted path in the stage file, e.g. `amiFilter.owners`. */
  key: string;
  join?: string;
}

/** One problem of a stage file. */
export interface StageConfigProblem {
  key: string;
  value: unknown;
  problem: string;
  fix: string;
}

const CONFIG_REF = /^\$\{self:custom\.config\.([A-Za-z0-9_.]+)\}$/;

/** The environment variables of serverless.yml (provider and every function) that come from config keys. */
export function configBindings(serverlessYml: string): ConfigBinding[] {
  const doc = parseYaml(serverlessYml) as {
    provider?: { environment?: Record<string, unknown> };
    functions?: Record<string, { environment?: Record<string, unknown> }>;
  };
  const envs = [doc.provider?.environment ?? {}, ...Object.values(doc.functions ?? {}).map((f) => f?.environment ?? {})];
  const bindings = new Map<string, ConfigBinding>();
  for (const env of envs) {
    for (const [variable, value] of Object.entries(env)) {
      const binding = bindingOf(variable, value);
      if (binding) bindings.set(variable, binding);
    }
  }
  return [...bindings.values()];
}

function bindingOf(variable: string, value: unknown): ConfigBinding | undefined {
  if (typeof value === 'string') {
    const key = CONFIG_REF.exec(value)?.[1];
    return key ? { variable, key } : undefined;
  }
  const join = (value as { 'Fn::Join'?: unknown } | null)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && typeof join[1] === 'string') {
    const key = CONFIG_REF.exec(join[1])?.[1];
    return key ? { variable, key, join: join[0] } : undefined;
  }
  return undefined;
}

/** Keys a plugin of serverless.yml reads from `custom.config` (plugins/alert-subscriptions.cjs). */
const PLUGIN_KEYS = ['alertSubscriptions'];

/** Every top-level config key serverless.yml or its plugins read. */
function knownKeys(serverlessYml: string): string[] {
  return [...new Set([...[...serverlessYml.matchAll(/\$\{self:custom\.config\.([A-Za-z0-9_]+)/g)].map((m) => m[1] as string), ...PLUGIN_KEYS])].sort();
}

const SCHEDULE = /^(rate\(\s*1\s+(minute|hour|day)\s*\)|rate\(\s*([2-9]|[1-9]\d+)\s+(minutes|hours|days)\s*\)|cron\(\s*\S+(\s+\S+){5}\s*\))$/;
const schedule = z.string().check(z.regex(SCHEDULE, 'not an EventBridge schedule like "rate(2 minutes)", "rate(1 hour)" or "cron(0 3 * * ? *)"'));

/** Keys serverless.yml reads itself (not through a Lambda environment variable). */
const DeployOnlySchema = z.object({
  region: z.string().check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'not an AWS region like "us-east-1"')),
  vpc: z.object({
    subnetIds: z
      .array(z.string().check(z.regex(/^subnet-[0-9a-f]{8,17}$/, 'not a subnet id like "subnet-0a1b2c3d4e5f60718"')))
      .check(z.minLength(1, 'needs at least one subnet')),
    securityGroupIds: z
      .array(z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, 'not a security group id like "sg-0a1b2c3d4e5f60730"')))
      .check(z.minLength(1, 'needs at least one security group')),
  }),
  hookAuditSchedule: schedule,
  reconcileSchedule: schedule,
  amiRefreshSchedule: schedule,
  /** Subscribers of the alerts topic (the protocols SNS delivers alerts to). */
  alertSubscriptions: z.optional(
    z.array(
      z.object({
        protocol: z.enum(['email', 'email-json', 'https', 'http', 'sqs', 'lambda', 'sms', 'firehose', 'application']),
        endpoint: z.string().check(z.trim(), z.minLength(1, 'needs the address, URL or ARN to deliver to')),
      }),
    ),
  ),
});

/**
 * Check a parsed stage file.
 * @param example the parsed config/example.yml, whose value of a key is shown as the fix.
 */
export function checkStageConfig(config: unknown, serverlessYml: string, example: Record<string, unknown> = {}): StageConfigProblem[] {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return [{ key: '(file)', value: config, problem: 'is not a YAML mapping of keys', fix: 'start from a copy of config/example.yml' }];
  }
  const stage = config as Record<string, unknown>;
  const problems: StageConfigProblem[] = [];
  const fixOf = (key: string, problem: string): string => {
    const shown = valueAt(example, key);
    return shown === undefined ? problem : `e.g. ${key}: ${JSON.stringify(shown)} (as in config/example.yml)`;
  };

  const keys = knownKeys(serverlessYml);
  for (const key of Object.keys(stage)) {
    if (keys.includes(key)) continue;
    const near = closestKey(key, keys);
    problems.push({
      key,
      value: stage[key],
      problem: 'is not a setting of the control plane',
      fix: near ? `did you mean ${near}?` : `remove it (settings: ${keys.join(', ')})`,
    });
  }

  const bindings = configBindings(serverlessYml);
  const env: Record<string, string | undefined> = {};
  for (const b of bindings) {
    const value = valueAt(stage, b.key);
    if (value === undefined || value === null) continue;
    if (b.join !== undefined) {
      if (!Array.isArray(value)) {
        problems.push({ key: b.key, value, problem: 'must be a list', fix: fixOf(b.key, 'write it as a YAML list, e.g. [a, b]') });
        continue;
      }
      env[b.variable] = value.map(String).join(b.join);
    } else if (typeof value === 'object') {
      problems.push({ key: b.key, value, problem: 'must be a single value, not a list or mapping', fix: fixOf(b.key, '') });
    } else {
      env[b.variable] = String(value);
    }
  }
  const parsed = configSchema().safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = issue.path.findLast((p) => typeof p === 'string' && /^[A-Z][A-Z0-9_]*$/.test(p));
      const binding = bindings.find((b) => b.variable === variable);
      if (!binding) continue; // set by the stack itself (state machine ARNs), not by the stage file
      if (problems.some((p) => p.key === binding.key)) continue;
      const value = valueAt(stage, binding.key);
      const missing = value === undefined || value === null;
      problems.push({ key: binding.key, value, problem: missing ? 'is missing' : issue.message, fix: fixOf(binding.key, issue.message) });
    }
  }
  const deployOnly = DeployOnlySchema.safeParse(stage);
  if (!deployOnly.success) {
    for (const issue of deployOnly.error.issues) {
      const key = issue.path.filter((p) => typeof p === 'string').join('.');
      const value = valueAt(stage, issue.path.map(String).join('.'));
      const missing = value === undefined;
      problems.push({ key, value, problem: missing ? 'is missing' : issue.message, fix: fixOf(key, issue.message) });
    }
  }
  return problems;
}

/** The environment serverless.yml gives the Lambdas from a (checked) stage file; values the stack sets itself are absent. */
export function stageEnvironment(config: Record<string, unknown>, serverlessYml: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const b of configBindings(serverlessYml)) {
    const value = valueAt(config, b.key);
    if (value === undefined || value === null) continue;
    env[b.variable] = Array.isArray(value) ? value.map(String).join(b.join ?? ',') : String(value);
  }
  return env;
}

/** A stage file that cannot be deployed. */
export class StageConfigInvalid extends Error {
  override readonly name = 'StageConfigInvalid';
}

/**
 * Read and check `config/<stage>.yml` of the service in `root`.
 * @returns the parsed stage file, as serverless.yml's `custom.config`.
 * @throws StageConfigInvalid naming the file, and for each problem the key, the value and the fix.
 */
export function loadStageConfig(root: string, stage: string): Record<string, unknown> {
  const file = join(root, 'config', `${stage}.yml`);
  const shown = relative(root, file);
  if (!existsSync(file)) {
    throw new StageConfigInvalid(`${shown} not found: stage "${stage}" has no configuration. Fix: cp config/example.yml ${shown} and edit it`);
  }
  let config: unknown;
  try {
    config = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StageConfigInvalid(`${shown} is not valid YAML: ${(error as Error).message}`);
  }
  const examplePath = join(root, 'config', 'example.yml');
  const example = existsSync(examplePath) ? (parseYaml(readFileSync(examplePath, 'utf8')) as Record<string, unknown>) : {};
  const problems = checkStageConfig(config, readFileSync(join(root, 'serverless.yml'), 'utf8'), example);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.key}: ${p.value === undefined ? '(not set)' : JSON.stringify(p.value)} — ${p.problem}. Fix: ${p.fix}`);
    throw new StageConfigInvalid(`${shown} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
  }
  return config as Record<string, unknown>;
}

function valueAt(tree: unknown, dotted: string): unknown {
  let v: unknown = tree;
  for (const part of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}
