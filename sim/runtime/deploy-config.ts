import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { InputTransformer } from './input-transformer.js';
import { evaluateConditions, simKmsKeyId } from '../iam/deployed-iam.js';

export const SIM_ACCOUNT_ID = '000000000000';

/** A Lambda function as deployed: where its source is and how it is wired. */
export interface FunctionSpec {
  /** Key in serverless.yml, e.g. lifecycleRouter. */
  key: string;
  /** Deployed name, e.g. hashistack-control-plane-example-lifecycleRouter. */
  name: string;
  arn: string;
  logicalId: string;
  /** Source module path (absolute) and export name. */
  sourceFile: string;
  exportName: string;
  timeoutSeconds: number;
  /** Memory size, MB (what Lambda bills GB-seconds at). */
  memoryMb: number;
  /** serverless.yml `reservedConcurrency`: concurrent invocations past it are throttled (none: the account's pool, not modelled). */
  reservedConcurrency: number | null;
  environment: Record<string, string>;
  /** Asynchronous invocation config (EventInvokeConfig): retries of failed invocations, then the on-failure destination. */
  asyncInvoke: AsyncInvokeConfig;
}

/** Lambda's EventInvokeConfig; Lambda's defaults are 2 retries and 6 hours. */
export interface AsyncInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  /** ARN of the on-failure destination (an SQS queue here). */
  onFailure?: string;
}

/** A rule target's RetryPolicy and DeadLetterConfig (EventBridge's defaults: 185 attempts, 24 hours, no DLQ). */
export interface TargetOptions {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  deadLetterArn?: string;
}

/** An SQS queue of the stack. */
export interface QueueSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** The queue URL as CloudFormation's Ref gives it (the simulation points it at its own endpoint). */
  url: string;
}

export interface StateMachineSpec {
  key: string;
  logicalId: string;
  name: string;
  arn: string;
  /** The ASL definition with every CloudFormation reference resolved. */
  definition: Record<string, unknown>;
}

/** An EventBridge rule and its targets (ARNs of functions, state machines, topics). */
export interface RuleSpec {
  name: string;
  pattern?: Record<string, unknown>;
  /** `rate(…)` schedule expression. */
  schedule?: string;
  targets: string[];
  /** Targets (by ARN) whose input an InputTransformer rewrites. */
  inputTransformers?: Record<string, InputTransformer>;
  /** Per target (by ARN): its retry policy and dead-letter queue. */
  targetOptions?: Record<string, TargetOptions>;
}

export const DEFAULT_TARGET_OPTIONS: TargetOptions = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };

/** An S3 bucket of the stack (created only when its Condition holds) and its default encryption. */
export interface BucketSpec {
  logicalId: string;
  name: string;
  encryption: { algorithm: 'AES256' | 'aws:kms'; kmsKeyArn?: string };
}

export interface DeployConfig {
  service: string;
  stage: string;
  region: string;
  functions: FunctionSpec[];
  stateMachines: StateMachineSpec[];
  rules: RuleSpec[];
  queues: QueueSpec[];
  buckets: BucketSpec[];
  /** Stage configuration (config/<stage>.yml), resolved. */
  stageConfig: Record<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Read serverless.yml the way the Serverless Framework does for the parts the
 * simulator needs (variables `${sls:stage}`, `${self:…}`, `${file(…)}`), then
 * resolve the CloudFormation references (Ref, Fn::GetAtt, Fn::Join) to the
 * simulator's ARNs. The wiring (which rule triggers what, which state calls
 * which function) comes only from here, never from a second list.
 */
export function loadDeployConfig(serverlessYmlPath: string, stage: string, configOverrides: Record<string, unknown> = {}): DeployConfig {
  // Resolving costs 0.3–1.5 s of CPU (YAML, loading and running the stage file's checks), the same
  // for every simulation: kept in this process and under node_modules/.cache for the next ones,
  // keyed by the content of every file it was read from. Returned as JSON either way.
  const ymlPath = resolve(serverlessYmlPath);
  const key = createHash('sha256')
    .update(JSON.stringify([ymlPath, stage, configOverrides]))
    .digest('hex')
    .slice(0, 32);
  const cacheFile = join(dirname(ymlPath), 'node_modules', '.cache', 'hashistack-sim', 'deploy-config', `${key}.json`);
  const cached = LOADED.get(key) ?? readCached(cacheFile);
  if (cached?.files.every((f) => contentHash(f.path) === f.hash)) {
    LOADED.set(key, cached);
    return JSON.parse(cached.json) as DeployConfig;
  }
  const reads = new Set<string>([ymlPath]);
  filesRead = reads;
  try {
    const json = JSON.stringify(readDeployConfig(ymlPath, stage, configOverrides));
    const entry: CachedConfig = { json, files: [...reads].map((path) => ({ path, hash: contentHash(path) })) };
    LOADED.set(key, entry);
    writeCached(cacheFile, entry);
    return JSON.parse(json) as DeployConfig;
  } finally {
    filesRead = undefined;
  }
}

interface CachedConfig {
  json: string;
  files: Array<{ path: string; hash: string }>;
}
const LOADED = new Map<string, CachedConfig>();
/** Files read by the {@link loadDeployConfig} call in progress. */
let filesRead: Set<string> | undefined;

function contentHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'absent';
  }
}

function readCached(file: string): CachedConfig | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CachedConfig;
  } catch {
    return undefined;
  }
}

function writeCached(file: string, entry: CachedConfig): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and renamed: a parallel process never reads half a file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(entry));
  renameSync(temp, file);
}

function readDeployConfig(serverlessYmlPath: string, stage: string, configOverrides: Record<string, unknown>): DeployConfig {
  const root = dirname(resolve(serverlessYmlPath));
  const raw = parseYaml(readFileSync(serverlessYmlPath, 'utf8')) as Json;
  const resolved = resolveVariables(raw, root, stage, configOverrides as Record<string, Json>) as Record<string, Json>;
  const service = String(resolved.service);
  const provider = asObject(resolved.provider);
  const region = String(provider.region ?? 'us-east-1');
  const providerEnv = asObject(provider.environment ?? {});

  const fnEntries = Object.entries(asObject(resolved.functions ?? {}));
  const smEntries = Object.entries(asObject(asObject(resolved.stepFunctions ?? {}).stateMachines ?? {}));
  const cfResources = asObject(asObject(resolved.resources ?? {}).Resources ?? {});

  const refs = new Map<string, string>();
  const getAtt = new Map<string, string>();
  refs.set('AWS::Region', region);
  refs.set('AWS::AccountId', SIM_ACCOUNT_ID);
  refs.set('AWS::Partition', 'aws');
  const fnArn = (name: string): string => `arn:aws:lambda:${region}:${SIM_ACCOUNT_ID}:function:${name}`;
  for (const [key] of fnEntries) {
    const name = `${service}-${stage}-${key}`;
    getAtt.set(`${logicalIdOf(key)}LambdaFunction.Arn`, fnArn(name));
    refs.set(`${logicalIdOf(key)}LambdaFunction`, name);
  }
  for (const [key, value] of smEntries) {
    const sm = asObject(value);
    const logicalId = String(sm.id ?? `${logicalIdOf(key)}StateMachine`);
    const name = String(sm.name ?? `${logicalId}-${stage}`);
    refs.set(logicalId, `arn:aws:states:${region}:${SIM_ACCOUNT_ID}:stateMachine:${name}`);
  }
  for (const [logicalId, value] of Object.entries(cfResources)) {
    const r = asObject(value);
    if (r.Type === 'AWS::SNS::Topic') {
      const topicName = String(asObject(r.Properties ?? {}).TopicName ?? logicalId);
      refs.set(logicalId, `arn:aws:sns:${region}:${SIM_ACCOUNT_ID}:${topicName}`);
    }
  }
  const queues: QueueSpec[] = [];
  for (const [logicalId, value] of Object.entries(cfResources)) {
    const r = asObject(value);
    if (r.Type !== 'AWS::SQS::Queue') continue;
    const name = String(asObject(r.Properties ?? {}).QueueName ?? logicalId);
    const q: QueueSpec = {
      logicalId,
      name,
      arn: `arn:aws:sqs:${region}:${SIM_ACCOUNT_ID}:${name}`,
      url: `https://sqs.${region}.amazonaws.com/${SIM_ACCOUNT_ID}/${name}`,
    };
    queues.push(q);
    refs.set(logicalId, q.url);
    getAtt.set(`${logicalId}.Arn`, q.arn);
    getAtt.set(`${logicalId}.QueueName`, name);
  }
  // Parameters take their defaults (the stage config baked in); conditions are evaluated on them.
  const cfParameters = asObject(asObject(resolved.resources ?? {}).Parameters ?? {});
  for (const [id, p] of Object.entries(cfParameters)) {
    const d = asObject(p).Default;
    if (d !== undefined && d !== null) refs.set(id, String(d));
  }
  const stackName = `${service}-${stage}`;
  for (const [logicalId, value] of Object.entries(cfResources)) {
    const r = asObject(value);
    if (r.Type === 'AWS::KMS::Key') {
      const keyId = simKmsKeyId(logicalId);
      refs.set(logicalId, keyId);
      getAtt.set(`${logicalId}.Arn`, `arn:aws:kms:${region}:${SIM_ACCOUNT_ID}:key/${keyId}`);
    } else if (r.Type === 'AWS::S3::Bucket') {
      const props = asObject(r.Properties ?? {});
      const name = typeof props.BucketName === 'string' ? props.BucketName : `${stackName}-${logicalId}`;
      refs.set(logicalId, name);
      getAtt.set(`${logicalId}.Arn`, `arn:aws:s3:::${name}`);
    }
  }
  const conditions = evaluateConditions(asObject(asObject(resolved.resources ?? {}).Conditions ?? {}) as never, refs);
  const cf = (v: Json): Json => resolveIntrinsics(v, refs, getAtt, conditions);
  const buckets: BucketSpec[] = [];
  for (const [logicalId, value] of Object.entries(cfResources)) {
    const r = asObject(value);
    if (r.Type !== 'AWS::S3::Bucket' || (typeof r.Condition === 'string' && conditions.get(r.Condition) === false)) continue;
    const props = asObject(cf(r.Properties ?? {}));
    const rule = asObject(
      asArray(asObject(props.BucketEncryption ?? { ServerSideEncryptionConfiguration: [] }).ServerSideEncryptionConfiguration ?? [])[0] ?? {},
    );
    const byDefault = asObject(rule.ServerSideEncryptionByDefault ?? {});
    buckets.push({
      logicalId,
      name: refs.get(logicalId) as string,
      encryption:
        byDefault.SSEAlgorithm === 'aws:kms'
          ? { algorithm: 'aws:kms', ...(byDefault.KMSMasterKeyID ? { kmsKeyArn: String(byDefault.KMSMasterKeyID) } : {}) }
          : { algorithm: 'AES256' },
    });
  }

  const functions: FunctionSpec[] = fnEntries.map(([key, value]) => {
    const fn = asObject(value);
    const handler = String(fn.handler);
    const dot = handler.lastIndexOf('.');
    const name = `${service}-${stage}-${key}`;
    const env = { ...asObject(cf(providerEnv)), ...asObject(cf(fn.environment ?? {})) };
    return {
      key,
      name,
      arn: fnArn(name),
      logicalId: `${logicalIdOf(key)}LambdaFunction`,
      sourceFile: resolve(root, `${handler.slice(0, dot)}.ts`),
      exportName: handler.slice(dot + 1),
      timeoutSeconds: Number(fn.timeout ?? provider.timeout ?? 6),
      memoryMb: Number(fn.memorySize ?? provider.memorySize ?? 1024),
      reservedConcurrency: fn.reservedConcurrency === undefined ? null : Number(fn.reservedConcurrency),
      environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
      asyncInvoke: asyncInvokeOf(fn, cf),
    };
  });

  const stateMachines: StateMachineSpec[] = smEntries.map(([key, value]) => {
    const sm = asObject(value);
    const logicalId = String(sm.id ?? `${logicalIdOf(key)}StateMachine`);
    const arn = refs.get(logicalId) as string;
    return { key, logicalId, name: arn.split(':').pop() as string, arn, definition: asObject(cf(sm.definition ?? {})) };
  });

  const rules: RuleSpec[] = [];
  for (const fn of fnEntries) {
    const [key, value] = fn;
    const events = asArray(asObject(value).events ?? []);
    events.forEach((e, i) => {
      const ev = asObject(e);
      const target = fnArn(`${service}-${stage}-${key}`);
      if (ev.eventBridge) {
        const eb = asObject(ev.eventBridge);
        const retry = asObject(eb.retryPolicy ?? {});
        const options: TargetOptions = {
          maximumRetryAttempts: retry.maximumRetryAttempts === undefined ? DEFAULT_TARGET_OPTIONS.maximumRetryAttempts : Number(retry.maximumRetryAttempts),
          maximumEventAgeSeconds: retry.maximumEventAge === undefined ? DEFAULT_TARGET_OPTIONS.maximumEventAgeSeconds : Number(retry.maximumEventAge),
          ...(eb.deadLetterQueueArn ? { deadLetterArn: String(cf(eb.deadLetterQueueArn)) } : {}),
        };
        rules.push({ name: `${key}-eventBridge-${i + 1}`, pattern: asObject(cf(eb.pattern ?? {})), targets: [target], targetOptions: { [target]: options } });
      } else if (ev.schedule) {
        const s = ev.schedule;
        const rate = typeof s === 'string' ? s : String(asObject(s).rate);
        rules.push({ name: `${key}-schedule-${i + 1}`, schedule: rate, targets: [target] });
      }
    });
  }
  for (const [logicalId, value] of Object.entries(cfResources)) {
    const r = asObject(value);
    if (r.Type !== 'AWS::Events::Rule') continue;
    const props = asObject(cf(r.Properties ?? {}));
    const targets = asArray(props.Targets ?? []).map(asObject);
    const inputTransformers = Object.fromEntries(
      targets.filter((t) => t.InputTransformer).map((t) => [String(t.Arn), asObject(t.InputTransformer) as unknown as InputTransformer]),
    );
    rules.push({
      name: logicalId,
      pattern: props.EventPattern ? asObject(props.EventPattern) : undefined,
      schedule: typeof props.ScheduleExpression === 'string' ? props.ScheduleExpression : undefined,
      targets: targets.map((t) => String(t.Arn)),
      ...(Object.keys(inputTransformers).length > 0 ? { inputTransformers } : {}),
      targetOptions: Object.fromEntries(
        targets.map((t) => {
          const retry = asObject(t.RetryPolicy ?? {});
          const dlq = asObject(t.DeadLetterConfig ?? {}).Arn;
          const options: TargetOptions = {
            maximumRetryAttempts: retry.MaximumRetryAttempts === undefined ? DEFAULT_TARGET_OPTIONS.maximumRetryAttempts : Number(retry.MaximumRetryAttempts),
            maximumEventAgeSeconds:
              retry.MaximumEventAgeInSeconds === undefined ? DEFAULT_TARGET_OPTIONS.maximumEventAgeSeconds : Number(retry.MaximumEventAgeInSeconds),
            ...(dlq ? { deadLetterArn: String(dlq) } : {}),
          };
          return [String(t.Arn), options];
        }),
      ),
    });
  }

  const custom = asObject(resolved.custom ?? {});
  return { service, stage, region, functions, stateMachines, rules, queues, buckets, stageConfig: asObject(custom.config ?? {}) };
}

/** A function's `maximumRetryAttempts`, `maximumEventAge` and `destinations.onFailure` (Lambda's defaults otherwise). */
function asyncInvokeOf(fn: Record<string, Json>, cf: (v: Json) => Json): AsyncInvokeConfig {
  const destinations = asObject(fn.destinations ?? {});
  const onFailure = destinations.onFailure;
  const arn = onFailure === undefined ? undefined : typeof onFailure === 'string' ? onFailure : String(cf(asObject(onFailure).arn ?? null));
  return {
    maximumRetryAttempts: fn.maximumRetryAttempts === undefined ? 2 : Number(fn.maximumRetryAttempts),
    maximumEventAgeSeconds: fn.maximumEventAge === undefined ? 21_600 : Number(fn.maximumEventAge),
    ...(arn ? { onFailure: arn } : {}),
  };
}

/** serverless's normalised logical id of a function key: first letter up, - → Dash, _ → Underscore. */
export function logicalIdOf(key: string): string {
  const n = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return n.charAt(0).toUpperCase() + n.slice(1);
}

const VARIABLE = /\$\{([^${}]+)\}/;

function resolveVariables(tree: Json, root: string, stage: string, configOverrides: Record<string, Json>): Json {
  let current = tree;
  for (let pass = 0; pass < 20; pass++) {
    let changed = false;
    const walk = (v: Json): Json => {
      if (typeof v === 'string') {
        const next = resolveString(v, current, root, stage, configOverrides);
        if (next !== v) changed = true;
        return next;
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    current = walk(current);
    if (!changed) return current;
  }
  throw new Error('serverless.yml: variables did not resolve after 20 passes (a cycle?)');
}

function resolveString(s: string, tree: Json, root: string, stage: string, configOverrides: Record<string, Json>): Json {
  const m = VARIABLE.exec(s);
  if (!m) return s;
  const value = resolveSource((m[1] as string).trim(), tree, root, stage, configOverrides);
  if (value === undefined) return s; // depends on a value not resolved yet
  if (m[0] === s) return value;
  if (typeof value === 'object' && value !== null) throw new Error(`cannot interpolate object variable ${m[0]} into "${s}"`);
  return s.replace(m[0], String(value));
}

function resolveSource(expr: string, tree: Json, root: string, stage: string, configOverrides: Record<string, Json>): Json | undefined {
  if (expr === 'sls:stage' || expr.startsWith('opt:stage')) return stage;
  const file = /^file\((.+)\)$/.exec(expr);
  if (file) {
    const path = resolve(root, (file[1] as string).trim());
    filesRead?.add(path);
    // A JS file source: the framework calls its function; ours also offers the stage's value directly.
    if (path.endsWith('.cjs')) {
      // plugins/stage-config.cjs reads the stage file and config/example.yml and checks them with
      // src/config/stage-file.ts and what it imports (counted as all of src/).
      for (const name of [`${stage}.yml`, 'example.yml']) filesRead?.add(join(root, 'config', name));
      for (const name of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).sort()) filesRead?.add(join(root, 'src', name));
      return { ...asObject((createRequire(import.meta.url)(path) as { forStage(stage: string): Json }).forStage(stage)), ...configOverrides };
    }
    const text = readFileSync(path, 'utf8');
    return (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Json;
  }
  if (expr.startsWith('self:')) {
    let v: Json | undefined = tree;
    for (const part of expr.slice(5).split('.')) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
      v = v[part];
    }
    if (typeof v === 'string' && VARIABLE.test(v)) return undefined;
    return v;
  }
  throw new Error(`serverless.yml: variable source not supported by the simulator: \${${expr}}`);
}

function resolveIntrinsics(v: Json, refs: Map<string, string>, getAtt: Map<string, string>, conditions: Map<string, boolean> = new Map()): Json {
  if (Array.isArray(v)) return v.map((x) => resolveIntrinsics(x, refs, getAtt, conditions));
  if (!v || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const arg = v[k] as Json;
    if (k === 'Ref') {
      const r = refs.get(String(arg));
      if (r === undefined) throw new Error(`unresolved Ref ${String(arg)}`);
      return r;
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = asArray(arg).map(String);
      const r = getAtt.get(`${id}.${attr}`);
      if (r === undefined) throw new Error(`unresolved Fn::GetAtt ${id}.${attr}`);
      return r;
    }
    if (k === 'Fn::If') {
      const [name, yes, no] = asArray(arg);
      const holds = conditions.get(String(name));
      if (holds === undefined) throw new Error(`Fn::If names an unknown condition ${String(name)}`);
      return resolveIntrinsics((holds ? yes : no) as Json, refs, getAtt, conditions);
    }
    if (k === 'Fn::Join') {
      const [sep, parts] = asArray(arg);
      return asArray(resolveIntrinsics(parts as Json, refs, getAtt, conditions))
        .map(String)
        .join(String(sep));
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveIntrinsics(x, refs, getAtt, conditions)]));
}

function asObject(v: Json | undefined): Record<string, Json> {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  throw new Error(`expected an object in serverless.yml, got ${JSON.stringify(v)}`);
}

function asArray(v: Json | undefined): Json[] {
  if (Array.isArray(v)) return v;
  throw new Error(`expected a list in serverless.yml, got ${JSON.stringify(v)}`);
}
