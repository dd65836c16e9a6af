import type { AwsSim } from '../aws/index.js';
import { invokedFunction } from '../aws/lambda-api.js';
import { bucketAndKey, type S3Service } from '../aws/s3.js';
import { jsonInput } from '../aws/protocol/json.js';
import { list, parseQueryRequest, str, strList, type QueryNode } from '../aws/protocol/query.js';
import type { SimRequest } from '../core/http.js';
import { SIM_ACCOUNT_ID } from '../runtime/deploy-config.js';

/** One authorization AWS makes for a request: action, resource ARN and request context. */
export interface AuthCheck {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** The resource's own policy, when it has one (a KMS key policy). */
  resourcePolicy?: unknown;
  /** A check another service makes on the caller's behalf (kms:Decrypt by SSM). */
  onBehalfOf?: string;
}

/** The IAM service prefix of each simulated AWS service. */
export const IAM_PREFIX = {
  autoscaling: 'autoscaling',
  ec2: 'ec2',
  ssm: 'ssm',
  sfn: 'states',
  sqs: 'sqs',
  s3: 's3',
  cloudwatch: 'cloudwatch',
  events: 'events',
  lambda: 'lambda',
} as const;
export type AuthorizedService = keyof typeof IAM_PREFIX;

/**
 * The AWS-managed key `aws/ssm` that encrypts SecureString parameters created
 * without a KeyId, and its key policy as AWS writes it: any principal of the
 * account may use it through SSM.
 */
export function ssmManagedKey(region: string): { arn: string; policy: unknown } {
  const arn = `arn:aws:kms:${region}:${SIM_ACCOUNT_ID}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`;
  return {
    arn,
    policy: {
      Version: '2012-10-17',
      Id: 'auto-ssm-2',
      Statement: [
        {
          Sid: 'Allow access through AWS Systems Manager for all principals in the account that are authorized to use AWS Systems Manager',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': SIM_ACCOUNT_ID, 'kms:ViaService': `ssm.${region}.amazonaws.com` } },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${SIM_ACCOUNT_ID}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
          Resource: '*',
        },
      ],
    },
  };
}

/** The models request checks read: AWS's, and the buckets of S3 (their default encryption key). */
type Models = AwsSim['models'] & { s3?: Pick<S3Service, 'buckets'> };

const tagContext = (tags: Record<string, string>, prefixes: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) for (const p of prefixes) out[`${p}/${k}`] = v;
  return out;
};

const requestTagContext = (tags: Record<string, string>): Record<string, string | string[]> => ({
  'aws:TagKeys': Object.keys(tags),
  ...tagContext(tags, ['aws:RequestTag']),
});

/**
 * The checks AWS makes for a request, by action: resources as the Service
 * Authorization Reference defines them for the action (`*` for actions that
 * take none), with the resource tags and request tags as condition context.
 * `undefined` for an action this function does not know: the caller decides
 * from the action catalogue whether `*` is right.
 */
export function requestChecks(service: AuthorizedService, action: string, req: SimRequest, models: Models, region: string): AuthCheck[] | undefined {
  switch (service) {
    case 'autoscaling':
      return autoscalingChecks(action, parseQueryRequest(req), models, region);
    case 'ec2':
      return ec2Checks(action, parseQueryRequest(req), models, region);
    case 'ssm':
      return ssmChecks(action, jsonInput(req), models, region);
    case 'sfn':
      return sfnChecks(action, jsonInput(req));
    case 'sqs':
      return sqsChecks(action, jsonInput(req), region);
    case 's3':
      return s3Checks(action, req, models, region);
    case 'cloudwatch':
      return cloudwatchChecks(action, jsonInput(req), region);
    case 'events':
      return eventsChecks(action, jsonInput(req), region);
    case 'lambda':
      return lambdaChecks(action, req, region);
  }
}

function autoscalingChecks(action: string, p: QueryNode, models: Models, region: string): AuthCheck[] | undefined {
  const groupCheck = (groupName: string | undefined, context: Record<string, string | string[]> = {}): AuthCheck[] => {
    const group = groupName === undefined ? undefined : models.autoscaling.groups.get(groupName);
    // A group that does not exist is the service's to answer (ValidationError).
    if (!group) return [];
    const tags = Object.fromEntries(group.tags.map((t) => [t.key, t.value]));
    return [
      { action: `autoscaling:${action}`, resource: group.arn, context: { ...tagContext(tags, ['aws:ResourceTag', 'autoscaling:ResourceTag']), ...context } },
    ];
  };
  switch (action) {
    case 'CompleteLifecycleAction':
    case 'RecordLifecycleActionHeartbeat':
    case 'SetDesiredCapacity':
    case 'PutLifecycleHook':
    case 'DeleteLifecycleHook':
    case 'StartInstanceRefresh':
    case 'CancelInstanceRefresh':
      return groupCheck(str(p, 'AutoScalingGroupName'));
    case 'UpdateAutoScalingGroup': {
      const checks = groupCheck(str(p, 'AutoScalingGroupName'), {
        ...(str(p, 'MinSize') === undefined ? {} : { 'autoscaling:MinSize': String(str(p, 'MinSize')) }),
        ...(str(p, 'MaxSize') === undefined ? {} : { 'autoscaling:MaxSize': String(str(p, 'MaxSize')) }),
      });
      // Naming a launch template: Auto Scaling checks that the caller may launch from it.
      const id = str(p, 'LaunchTemplate', 'LaunchTemplateId');
      const name = str(p, 'LaunchTemplate', 'LaunchTemplateName');
      if (checks.length > 0 && (id !== undefined || name !== undefined)) {
        const template = id !== undefined ? models.ec2.templates.get(id) : [...models.ec2.templates.values()].find((t) => t.name === name);
        if (template) {
          checks.push({
            action: 'ec2:RunInstances',
            resource: `arn:aws:ec2:${region}:${SIM_ACCOUNT_ID}:launch-template/${template.id}`,
            context: tagContext(template.tags, ['aws:ResourceTag', 'ec2:ResourceTag']),
            onBehalfOf: 'autoscaling',
          });
        }
      }
      return checks;
    }
    case 'TerminateInstanceInAutoScalingGroup': {
      const id = str(p, 'InstanceId');
      return groupCheck(id === undefined ? undefined : models.autoscaling.memberOf(id)?.group.name);
    }
    case 'CreateOrUpdateTags':
    case 'DeleteTags': {
      const tags = list(p, 'Tags');
      const byGroup = new Map<string, Record<string, string>>();
      for (const t of tags) {
        const group = str(t, 'ResourceId');
        if (group === undefined) continue;
        const entry = byGroup.get(group) ?? {};
        entry[str(t, 'Key') ?? ''] = str(t, 'Value') ?? '';
        byGroup.set(group, entry);
      }
      return [...byGroup].flatMap(([group, requested]) =>
        groupCheck(group, action === 'CreateOrUpdateTags' ? requestTagContext(requested) : { 'aws:TagKeys': Object.keys(requested) }),
      );
    }
    default:
      return undefined;
  }
}

function ec2Checks(action: string, p: QueryNode, models: Models, region: string): AuthCheck[] | undefined {
  const arnOf = (id: string): { arn: string; tags: Record<string, string> } | undefined => {
    const instance = models.ec2.instances.get(id);
    if (instance) return { arn: models.ec2.instanceArn(id), tags: instance.tags };
    const template = models.ec2.templates.get(id);
    if (template) return { arn: `arn:aws:ec2:${region}:${SIM_ACCOUNT_ID}:launch-template/${id}`, tags: template.tags };
    if (id.startsWith('ami-')) return { arn: `arn:aws:ec2:${region}::image/${id}`, tags: {} };
    return undefined;
  };
  const resourceChecks = (ids: string[], context: Record<string, string | string[]>): AuthCheck[] =>
    ids.flatMap((id) => {
      const r = arnOf(id);
      return r ? [{ action: `ec2:${action}`, resource: r.arn, context: { ...tagContext(r.tags, ['aws:ResourceTag', 'ec2:ResourceTag']), ...context } }] : [];
    });
  switch (action) {
    case 'CreateTags':
    case 'DeleteTags': {
      const requested = Object.fromEntries(list(p, 'Tag').map((t) => [str(t, 'Key') ?? '', str(t, 'Value') ?? '']));
      const context = action === 'CreateTags' ? requestTagContext(requested) : { 'aws:TagKeys': Object.keys(requested) };
      return resourceChecks(strList(p, 'ResourceId'), context);
    }
    case 'CreateLaunchTemplateVersion':
    case 'ModifyLaunchTemplate':
    case 'DeleteLaunchTemplate': {
      const id = str(p, 'LaunchTemplateId');
      const name = str(p, 'LaunchTemplateName');
      const template = id !== undefined ? models.ec2.templates.get(id) : [...models.ec2.templates.values()].find((t) => t.name === name);
      return template ? resourceChecks([template.id], {}) : [];
    }
    case 'TerminateInstances':
    case 'StopInstances':
    case 'StartInstances':
    case 'RebootInstances':
      return resourceChecks(strList(p, 'InstanceId'), {});
    default:
      return undefined;
  }
}

function parameterArn(region: string, name: string): string {
  return `arn:aws:ssm:${region}:${SIM_ACCOUNT_ID}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

function ssmChecks(action: string, input: Record<string, unknown>, models: Models, region: string): AuthCheck[] | undefined {
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  switch (action) {
    case 'GetParameter':
    case 'GetParameters': {
      const requested = action === 'GetParameter' ? names(input.Name) : names(input.Names);
      const checks: AuthCheck[] = requested.map((n) => ({ action: `ssm:${action}`, resource: parameterArn(region, n), context: {} }));
      if (input.WithDecryption === true) {
        // SSM decrypts a SecureString with KMS as the caller: a second check, on the key.
        const key = ssmManagedKey(region);
        for (const n of requested) {
          if (models.ssm.parameters.get(n)?.type !== 'SecureString') continue;
          checks.push({
            action: 'kms:Decrypt',
            resource: key.arn,
            context: {
              'kms:ViaService': `ssm.${region}.amazonaws.com`,
              'kms:CallerAccount': SIM_ACCOUNT_ID,
              'kms:EncryptionContext:PARAMETER_ARN': parameterArn(region, n),
            },
            resourcePolicy: key.policy,
            onBehalfOf: 'ssm',
          });
        }
      }
      return checks;
    }
    case 'PutParameter':
    case 'DeleteParameter':
    case 'GetParameterHistory':
      return names(input.Name).map((n) => ({ action: `ssm:${action}`, resource: parameterArn(region, n), context: {} }));
    case 'SendCommand': {
      const document = String(input.DocumentName ?? '');
      // AWS-owned documents have no account in their ARN.
      const documentArn = document.startsWith('AWS-')
        ? `arn:aws:ssm:${region}::document/${document}`
        : `arn:aws:ssm:${region}:${SIM_ACCOUNT_ID}:document/${document}`;
      const checks: AuthCheck[] = [{ action: 'ssm:SendCommand', resource: documentArn, context: {} }];
      for (const id of names(input.InstanceIds)) {
        const instance = models.ec2.instances.get(id);
        checks.push({
          action: 'ssm:SendCommand',
          resource: models.ec2.instanceArn(id),
          context: tagContext(instance?.tags ?? {}, ['aws:ResourceTag', 'ssm:resourceTag']),
        });
      }
      return checks;
    }
    default:
      return undefined;
  }
}

function sfnChecks(action: string, input: Record<string, unknown>): AuthCheck[] | undefined {
  switch (action) {
    case 'StartExecution':
    case 'StartSyncExecution':
    case 'ListExecutions':
      return [{ action: `states:${action}`, resource: String(input.stateMachineArn ?? ''), context: {} }];
    case 'DescribeExecution':
    case 'StopExecution':
    case 'GetExecutionHistory':
      return [{ action: `states:${action}`, resource: String(input.executionArn ?? ''), context: {} }];
    default:
      return undefined;
  }
}

/** SQS authorizes on the queue's ARN; the request names the queue by URL (…/<account>/<name>) or, for GetQueueUrl, by name. */
function sqsChecks(action: string, input: Record<string, unknown>, region: string): AuthCheck[] | undefined {
  const name = typeof input.QueueUrl === 'string' ? input.QueueUrl.split('/').pop() : typeof input.QueueName === 'string' ? input.QueueName : undefined;
  if (name === undefined) return undefined;
  return [{ action: `sqs:${action}`, resource: `arn:aws:sqs:${region}:${SIM_ACCOUNT_ID}:${name}`, context: {} }];
}

/**
 * A customer managed key's policy as CloudFormation's default writes it: the
 * account administers and uses it through IAM (identity policies decide).
 */
export function accountKeyPolicy(): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${SIM_ACCOUNT_ID}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  };
}

/**
 * S3 authorizes object operations on `arn:aws:s3:::<bucket>/<key>` (the
 * multipart operations as s3:PutObject, HeadObject as s3:GetObject); with
 * SSE-KMS it calls KMS as the caller: GenerateDataKey for a new object or
 * upload, Decrypt to encrypt each part under the upload's data key and to
 * read an object back (Amazon S3 User Guide, "Using SSE-KMS").
 */
function s3Checks(action: string, req: SimRequest, models: Models, region: string): AuthCheck[] | undefined {
  const { bucket, key } = bucketAndKey(req.path);
  const resource = `arn:aws:s3:::${bucket}/${key}`;
  const iamAction: Record<string, string> = {
    PutObject: 's3:PutObject',
    CreateMultipartUpload: 's3:PutObject',
    UploadPart: 's3:PutObject',
    CompleteMultipartUpload: 's3:PutObject',
    AbortMultipartUpload: 's3:AbortMultipartUpload',
    HeadObject: 's3:GetObject',
    GetObject: 's3:GetObject',
  };
  const mapped = iamAction[action];
  if (mapped === undefined) return undefined;
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const context: Record<string, string> = {};
  const sse = header('x-amz-server-side-encryption');
  if (sse !== undefined) context['s3:x-amz-server-side-encryption'] = sse;
  const requestedKey = header('x-amz-server-side-encryption-aws-kms-key-id');
  if (requestedKey !== undefined) context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = requestedKey;
  const checks: AuthCheck[] = [{ action: mapped, resource, context }];
  const b = models.s3?.buckets.get(bucket);
  const kmsKey = (): string | undefined => {
    if (action === 'UploadPart' || action === 'CompleteMultipartUpload') return b?.uploads.get(req.query.get('uploadId') ?? '')?.sse.kmsKeyArn;
    if (action === 'GetObject') return b?.objects.get(key)?.sse.kmsKeyArn;
    if (sse === 'aws:kms') return requestedKey ?? b?.encryption.kmsKeyArn;
    return sse === undefined && b?.encryption.algorithm === 'aws:kms' ? b.encryption.kmsKeyArn : undefined;
  };
  const kmsAction: Record<string, string> = {
    PutObject: 'kms:GenerateDataKey',
    CreateMultipartUpload: 'kms:GenerateDataKey',
    UploadPart: 'kms:Decrypt',
    GetObject: 'kms:Decrypt',
  };
  const needed = kmsAction[action];
  const keyArn = needed === undefined ? undefined : kmsKey();
  if (needed !== undefined && keyArn !== undefined) {
    checks.push({
      action: needed,
      resource: keyArn,
      context: {
        'kms:ViaService': `s3.${region}.amazonaws.com`,
        'kms:CallerAccount': SIM_ACCOUNT_ID,
        'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}`,
      },
      resourcePolicy: accountKeyPolicy(),
      onBehalfOf: 's3',
    });
  }
  return checks;
}

/** CloudWatch authorizes alarm actions on each named alarm's ARN (every alarm: `alarm:*`). */
function cloudwatchChecks(action: string, input: Record<string, unknown>, region: string): AuthCheck[] | undefined {
  const arn = (name: string): string => `arn:aws:cloudwatch:${region}:${SIM_ACCOUNT_ID}:alarm:${name}`;
  switch (action) {
    case 'DescribeAlarms': {
      const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.filter((x): x is string => typeof x === 'string') : [];
      return (names.length > 0 ? names.map(arn) : [arn('*')]).map((resource) => ({ action: 'cloudwatch:DescribeAlarms', resource, context: {} }));
    }
    case 'SetAlarmState':
      return [{ action: 'cloudwatch:SetAlarmState', resource: arn(String(input.AlarmName ?? '')), context: {} }];
    default:
      return undefined;
  }
}

/** PutEvents is authorized per entry on its bus, with the entry's source and detail-type as condition keys. */
function eventsChecks(action: string, input: Record<string, unknown>, region: string): AuthCheck[] | undefined {
  if (action !== 'PutEvents') return undefined;
  const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
  return entries.map((e) => {
    const bus =
      typeof e.EventBusName === 'string' && e.EventBusName.startsWith('arn:')
        ? e.EventBusName
        : `arn:aws:events:${region}:${SIM_ACCOUNT_ID}:event-bus/${String(e.EventBusName ?? 'default')}`;
    return {
      action: 'events:PutEvents',
      resource: bus,
      context: { 'events:source': [String(e.Source ?? '')], 'events:detail-type': String(e.DetailType ?? '') },
    };
  });
}

/** Invoke is authorized on the function the path names (its unqualified ARN; the function's resource policy applies). */
function lambdaChecks(action: string, req: SimRequest, region: string): AuthCheck[] | undefined {
  if (action !== 'Invoke') return undefined;
  const invoked = invokedFunction(req.path);
  if (!invoked) return [];
  return [{ action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${region}:${SIM_ACCOUNT_ID}:function:${invoked.name}`, context: {} }];
}
