import { SIM_ACCOUNT_ID } from '../runtime/deploy-config.js';
import type { CfnTemplate } from './packaged-template.js';

/** An IAM policy document as deployed (every reference resolved). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface DeployedRole {
  logicalId: string;
  name: string;
  arn: string;
  /** Inline policies. */
  policies: Array<{ name: string; policy: PolicyDocument }>;
  /** AWS managed policies by ARN (their content is AWS's, for the Lambda service's own use). */
  managedPolicyArns: string[];
}

export interface DeployedRule {
  logicalId: string;
  arn: string;
  pattern?: unknown;
  schedule?: string;
  targets: Array<{ arn: string; roleArn?: string }>;
}

/** Who may do what, as the packaged template deploys it. */
export interface DeployedIam {
  roles: Map<string, DeployedRole>;
  /** Function ARN → its execution role's name. */
  functionRoles: Map<string, string>;
  /** State machine ARN → its role's name. */
  stateMachineRoles: Map<string, string>;
  /** Function ARN → its resource policy (from AWS::Lambda::Permission). */
  functionPolicies: Map<string, PolicyDocument>;
  /** Topic ARN → its topic policy. */
  topicPolicies: Map<string, PolicyDocument>;
  rules: DeployedRule[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Read the roles, resource policies and rules out of a packaged template,
 * resolving Ref, Fn::GetAtt, Fn::Join, Fn::Split and Fn::Sub to the simulator's account.
 * Anything that would not deploy as a valid string (a `{}` where an ARN
 * belongs, an unknown reference) is a packaging bug and throws.
 */
export function deployedIam(template: CfnTemplate, options: { region: string; stackName: string }): DeployedIam {
  const all = template.Resources;
  const { region, stackName } = options;
  const refs = new Map<string, string>([
    ['AWS::Region', region],
    ['AWS::AccountId', SIM_ACCOUNT_ID],
    ['AWS::Partition', 'aws'],
    ['AWS::StackName', stackName],
    ['AWS::URLSuffix', 'amazonaws.com'],
  ]);
  const atts = new Map<string, string>();
  // Parameters take their defaults (the stage config is baked into them at packaging).
  for (const [id, param] of Object.entries(template.Parameters ?? {})) {
    if (typeof param.Default === 'string') refs.set(id, param.Default);
  }
  const conditions = evaluateConditions(template.Conditions ?? {}, refs);
  // CloudFormation creates a resource with a Condition only when the condition holds.
  const resources = Object.fromEntries(
    Object.entries(all).filter(([id, r]) => {
      if (r.Condition === undefined) return true;
      const holds = conditions.get(r.Condition);
      if (holds === undefined) throw new PackagingError(`${id}.Condition names an unknown condition ${r.Condition}`);
      return holds;
    }),
  );
  for (const [id, r] of Object.entries(resources)) {
    const p = (r.Properties ?? {}) as Record<string, Json>;
    const physical = (key: string): string => (typeof p[key] === 'string' ? (p[key] as string) : `${stackName}-${id}`);
    switch (r.Type) {
      case 'AWS::Lambda::Function': {
        const name = physical('FunctionName');
        refs.set(id, name);
        atts.set(`${id}.Arn`, `arn:aws:lambda:${region}:${SIM_ACCOUNT_ID}:function:${name}`);
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const arn = `arn:aws:states:${region}:${SIM_ACCOUNT_ID}:stateMachine:${physical('StateMachineName')}`;
        refs.set(id, arn);
        atts.set(`${id}.Arn`, arn);
        atts.set(`${id}.Name`, physical('StateMachineName'));
        break;
      }
      case 'AWS::IAM::Role': {
        const name = physical('RoleName');
        refs.set(id, name);
        atts.set(`${id}.Arn`, `arn:aws:iam::${SIM_ACCOUNT_ID}:role${typeof p.Path === 'string' ? p.Path : '/'}${name}`);
        break;
      }
      case 'AWS::SNS::Topic': {
        const arn = `arn:aws:sns:${region}:${SIM_ACCOUNT_ID}:${physical('TopicName')}`;
        refs.set(id, arn);
        atts.set(`${id}.TopicArn`, arn);
        break;
      }
      case 'AWS::Events::Rule': {
        const name = physical('Name');
        refs.set(id, name);
        atts.set(`${id}.Arn`, `arn:aws:events:${region}:${SIM_ACCOUNT_ID}:rule/${name}`);
        break;
      }
      case 'AWS::Lambda::LayerVersion':
        refs.set(id, `arn:aws:lambda:${region}:${SIM_ACCOUNT_ID}:layer:${physical('LayerName')}:1`);
        break;
      case 'AWS::KMS::Key': {
        const keyId = simKmsKeyId(id);
        refs.set(id, keyId);
        atts.set(`${id}.Arn`, `arn:aws:kms:${region}:${SIM_ACCOUNT_ID}:key/${keyId}`);
        atts.set(`${id}.KeyId`, keyId);
        break;
      }
      case 'AWS::SQS::Queue': {
        const name = physical('QueueName');
        refs.set(id, `https://sqs.${region}.amazonaws.com/${SIM_ACCOUNT_ID}/${name}`);
        atts.set(`${id}.Arn`, `arn:aws:sqs:${region}:${SIM_ACCOUNT_ID}:${name}`);
        atts.set(`${id}.QueueName`, name);
        break;
      }
      case 'AWS::S3::Bucket':
        refs.set(id, physical('BucketName'));
        atts.set(`${id}.Arn`, `arn:aws:s3:::${physical('BucketName')}`);
        break;
      default:
        break;
    }
  }

  const resolve = (v: Json, where: string): Json => resolveIntrinsics(v, refs, atts, where, conditions);
  const str = (v: Json | undefined, where: string): string => {
    const r = resolve(v ?? null, where);
    if (typeof r !== 'string') throw new PackagingError(`${where}: expected a string, the template has ${JSON.stringify(v)}`);
    return r;
  };

  const iam: DeployedIam = {
    roles: new Map(),
    functionRoles: new Map(),
    stateMachineRoles: new Map(),
    functionPolicies: new Map(),
    topicPolicies: new Map(),
    rules: [],
  };
  const roleNameOfArn = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

  for (const [id, r] of Object.entries(resources)) {
    const p = (r.Properties ?? {}) as Record<string, Json>;
    if (r.Type === 'AWS::IAM::Role') {
      const policies = ((p.Policies ?? []) as Json[]).map((raw, i) => {
        const entry = raw as Record<string, Json>;
        const where = `${id}.Policies[${i}]`;
        return {
          name: str(entry.PolicyName, `${where}.PolicyName`),
          policy: policyDocument(resolve(entry.PolicyDocument ?? null, `${where}.PolicyDocument`), where),
        };
      });
      const managed = ((p.ManagedPolicyArns ?? []) as Json[]).map((m, i) => str(m, `${id}.ManagedPolicyArns[${i}]`));
      iam.roles.set(refs.get(id) as string, {
        logicalId: id,
        name: refs.get(id) as string,
        arn: atts.get(`${id}.Arn`) as string,
        policies,
        managedPolicyArns: managed,
      });
    }
  }
  for (const [id, r] of Object.entries(resources)) {
    const p = (r.Properties ?? {}) as Record<string, Json>;
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        iam.functionRoles.set(atts.get(`${id}.Arn`) as string, roleNameOfArn(str(p.Role, `${id}.Role`)));
        break;
      case 'AWS::IAM::Policy': {
        // An inline policy of its own, attached to roles of the stack.
        const where = `${id}.PolicyDocument`;
        const policy = { name: str(p.PolicyName, `${id}.PolicyName`), policy: policyDocument(resolve(p.PolicyDocument ?? null, where), where) };
        for (const [i, ref] of ((p.Roles ?? []) as Json[]).entries()) {
          const role = iam.roles.get(str(ref, `${id}.Roles[${i}]`));
          if (role === undefined) throw new PackagingError(`${id}.Roles[${i}] is not a role of the stack`);
          role.policies.push(policy);
        }
        break;
      }
      case 'AWS::StepFunctions::StateMachine':
        iam.stateMachineRoles.set(refs.get(id) as string, roleNameOfArn(str(p.RoleArn, `${id}.RoleArn`)));
        break;
      case 'AWS::Lambda::Permission': {
        const fn = str(p.FunctionName, `${id}.FunctionName`);
        const arn = fn.startsWith('arn:') ? fn : `arn:aws:lambda:${region}:${SIM_ACCOUNT_ID}:function:${fn}`;
        const condition: Record<string, Record<string, string>> = {};
        if (p.SourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': str(p.SourceArn, `${id}.SourceArn`) };
        if (p.SourceAccount !== undefined) condition.StringEquals = { 'AWS:SourceAccount': str(p.SourceAccount, `${id}.SourceAccount`) };
        const principal = str(p.Principal, `${id}.Principal`);
        const statement: PolicyStatement = {
          Sid: id,
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
          Action: str(p.Action, `${id}.Action`),
          Resource: arn,
          ...(Object.keys(condition).length ? { Condition: condition } : {}),
        };
        const doc = iam.functionPolicies.get(arn) ?? { Version: '2012-10-17', Statement: [] };
        doc.Statement.push(statement);
        iam.functionPolicies.set(arn, doc);
        break;
      }
      case 'AWS::SNS::TopicPolicy': {
        const doc = policyDocument(resolve(p.PolicyDocument ?? null, `${id}.PolicyDocument`), id);
        for (const [i, t] of ((p.Topics ?? []) as Json[]).entries()) iam.topicPolicies.set(str(t, `${id}.Topics[${i}]`), doc);
        break;
      }
      case 'AWS::Events::Rule': {
        const targets = ((p.Targets ?? []) as Json[]).map((raw, i) => {
          const t = raw as Record<string, Json>;
          return { arn: str(t.Arn, `${id}.Targets[${i}].Arn`), ...(t.RoleArn === undefined ? {} : { roleArn: str(t.RoleArn, `${id}.Targets[${i}].RoleArn`) }) };
        });
        iam.rules.push({
          logicalId: id,
          arn: atts.get(`${id}.Arn`) as string,
          ...(p.EventPattern === undefined ? {} : { pattern: resolve(p.EventPattern, `${id}.EventPattern`) }),
          ...(typeof p.ScheduleExpression === 'string' ? { schedule: p.ScheduleExpression } : {}),
          targets,
        });
        break;
      }
      default:
        break;
    }
  }
  return iam;
}

/**
 * The template's Conditions, evaluated on the parameters' defaults: Fn::Equals,
 * Fn::Not, Fn::And, Fn::Or and Condition references (CloudFormation's condition functions).
 */
export function evaluateConditions(definitions: Record<string, Json>, refs: Map<string, string>): Map<string, boolean> {
  const values = new Map<string, boolean>();
  const scalar = (v: Json, where: string): string => {
    const r = resolveIntrinsics(v, refs, new Map(), where, values);
    if (typeof r !== 'string') throw new PackagingError(`${where}: ${JSON.stringify(v)} is not a string`);
    return r;
  };
  const evaluate = (v: Json, where: string): boolean => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new PackagingError(`${where}: malformed condition ${JSON.stringify(v)}`);
    const [k, arg] = Object.entries(v)[0] ?? [];
    const args = Array.isArray(arg) ? arg : [];
    switch (k) {
      case 'Fn::Equals':
        return scalar(args[0] as Json, where) === scalar(args[1] as Json, where);
      case 'Fn::Not':
        return !evaluate(args[0] as Json, where);
      case 'Fn::And':
        return args.every((x) => evaluate(x, where));
      case 'Fn::Or':
        return args.some((x) => evaluate(x, where));
      case 'Condition':
        return named(String(arg));
      default:
        throw new PackagingError(`${where}: condition function ${String(k)} is not resolved by the simulator`);
    }
  };
  const named = (name: string): boolean => {
    const known = values.get(name);
    if (known !== undefined) return known;
    const definition = definitions[name];
    if (definition === undefined) throw new PackagingError(`Conditions: unknown condition ${name}`);
    const value = evaluate(definition, `Conditions.${name}`);
    values.set(name, value);
    return value;
  };
  for (const name of Object.keys(definitions)) named(name);
  return values;
}

/** A key's physical id is its generated key id: one per logical id, the same wherever the simulator derives it. */
export function simKmsKeyId(logicalId: string): string {
  return `00000000-0000-4000-8000-${(logicalId.length.toString(16) + logicalId)
    .replace(/[^0-9a-f]/gi, '0')
    .padEnd(12, '0')
    .slice(0, 12)
    .toLowerCase()}`;
}

/** The template would not deploy what serverless.yml means. */
export class PackagingError extends Error {
  override name = 'PackagingError';
}

function policyDocument(v: Json, where: string): PolicyDocument {
  if (!v || typeof v !== 'object' || Array.isArray(v) || !('Statement' in v)) throw new PackagingError(`${where}: not a policy document`);
  const statements = Array.isArray(v.Statement) ? v.Statement : [v.Statement];
  for (const [i, s] of statements.entries()) assertStrings(s, `${where}.Statement[${i}]`);
  return { ...(v as object), Statement: statements } as unknown as PolicyDocument;
}

/** Every leaf of a statement is a string (or a boolean in a condition): `{}` where an ARN belongs is a bug. */
function assertStrings(v: Json, where: string): void {
  if (typeof v === 'string' || typeof v === 'boolean') return;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) assertStrings(x, `${where}[${i}]`);
    return;
  }
  if (v && typeof v === 'object' && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) assertStrings(x, `${where}.${k}`);
    return;
  }
  throw new PackagingError(`${where}: ${JSON.stringify(v)} where the policy needs a string (a YAML value that did not parse as meant?)`);
}

/** What `Ref: AWS::NoValue` resolves to: CloudFormation removes the list item or property holding it. */
const NO_VALUE: Json = Object.freeze({ 'AWS::NoValue': true });

function resolveIntrinsics(v: Json, refs: Map<string, string>, atts: Map<string, string>, where: string, conditions: Map<string, boolean> = new Map()): Json {
  if (Array.isArray(v)) return v.map((x, i) => resolveIntrinsics(x, refs, atts, `${where}[${i}]`, conditions)).filter((x) => x !== NO_VALUE);
  if (!v || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || (keys[0] as string).startsWith('Fn::'))) {
    const k = keys[0] as string;
    const arg = v[k] as Json;
    const part = (x: Json, i: number): string => {
      const r = resolveIntrinsics(x, refs, atts, `${where}.${k}[${i}]`, conditions);
      if (typeof r !== 'string')
        throw new PackagingError(`${where}: ${k} part ${i} is ${JSON.stringify(x)}, not a string (a YAML value that did not parse as meant?)`);
      return r;
    };
    switch (k) {
      case 'Ref': {
        if (arg === 'AWS::NoValue') return NO_VALUE;
        const r = refs.get(String(arg));
        if (r === undefined) throw new PackagingError(`${where}: unresolved Ref ${String(arg)}`);
        return r;
      }
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        const r = atts.get(`${id}.${attr}`);
        if (r === undefined) throw new PackagingError(`${where}: unresolved Fn::GetAtt ${id}.${attr}`);
        return r;
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(resolveIntrinsics(arg[1] as Json, refs, atts, where, conditions))) {
          throw new PackagingError(`${where}: malformed Fn::Join ${JSON.stringify(arg)}`);
        }
        const parts = resolveIntrinsics(arg[1] as Json, refs, atts, where, conditions) as Json[];
        return parts.map(part).join(arg[0]);
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string') throw new PackagingError(`${where}: malformed Fn::Split ${JSON.stringify(arg)}`);
        return part(arg[1] as Json, 1).split(arg[0]);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] as Record<string, Json> | undefined] : [arg, undefined];
        if (typeof text !== 'string') throw new PackagingError(`${where}: malformed Fn::Sub ${JSON.stringify(arg)}`);
        return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (vars && name in vars) return part(vars[name] as Json, 0);
          if (name.includes('.')) {
            const r = atts.get(name);
            if (r === undefined) throw new PackagingError(`${where}: unresolved \${${name}} in Fn::Sub`);
            return r;
          }
          const r = refs.get(name);
          if (r === undefined) throw new PackagingError(`${where}: unresolved \${${name}} in Fn::Sub`);
          return r;
        });
      }
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string')
          throw new PackagingError(`${where}: malformed Fn::If ${JSON.stringify(arg)}`);
        const holds = conditions.get(arg[0]);
        if (holds === undefined) throw new PackagingError(`${where}: Fn::If names an unknown condition ${arg[0]}`);
        return resolveIntrinsics((holds ? arg[1] : arg[2]) as Json, refs, atts, `${where}.Fn::If`, conditions);
      }
      default:
        throw new PackagingError(`${where}: ${k} is not resolved by the simulator`);
    }
  }
  return Object.fromEntries(
    Object.entries(v)
      .map(([k, x]) => [k, resolveIntrinsics(x, refs, atts, `${where}.${k}`, conditions)] as const)
      .filter(([, x]) => x !== NO_VALUE),
  );
}

/**
 * Take `action` out of every Allow statement of the role of the function
 * `functionKey` (its key in serverless.yml), for a test that proves the
 * permission is needed; throws when the role never granted it.
 */
export function removeGrantedAction(iam: DeployedIam, functionKey: string, action: string): void {
  const fn = [...iam.functionRoles.keys()].find((arn) => arn.endsWith(`-${functionKey}`));
  const role = iam.roles.get(fn === undefined ? '' : (iam.functionRoles.get(fn) ?? ''));
  if (!role) throw new Error(`no role for function ${functionKey}`);
  let removed = false;
  for (const { policy } of role.policies) {
    policy.Statement = policy.Statement.flatMap((s) => {
      const actions = typeof s.Action === 'string' ? [s.Action] : (s.Action ?? []);
      if (s.Effect !== 'Allow' || !actions.includes(action)) return [s];
      removed = true;
      const rest = actions.filter((a) => a !== action);
      return rest.length ? [{ ...s, Action: rest }] : [];
    });
  }
  if (!removed) throw new Error(`${role.name} does not grant ${action}`);
}
