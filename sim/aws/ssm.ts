import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Rng } from '../core/rng.js';
import { page, SSM_LIST_PAGING } from './protocol/paging.js';
import { AwsApiError } from './errors.js';
import { epochSeconds, jsonAction, jsonError, jsonInput, jsonResponse } from './protocol/json.js';
import { SSM_AGENT_VERSION, type SsmModel } from './ssm-model.js';
import { SIM_ACCOUNT, SIM_REGION, type CommandInvocation, type ParameterType, type SsmCommand, type SsmParameter } from './state.js';

type Input = Record<string, unknown>;
type Handler = (input: Input) => unknown;

const PARAMETER_TYPES: ReadonlySet<string> = new Set(['String', 'StringList', 'SecureString']);

/** The Systems Manager API (awsJson1_1, `X-Amz-Target: AmazonSSM.<Action>`): Parameter Store and Run Command. */
export class SsmService implements SimService {
  readonly name = 'ssm' as const;
  private readonly rng: Rng;
  private readonly handlers: Record<string, Handler>;

  constructor(
    private readonly model: SsmModel,
    rng: Rng,
  ) {
    this.rng = rng.fork('ssm-requests');
    this.handlers = {
      GetParameter: (i) => ({ Parameter: this.parameterJson(this.model.getParameter(requiredString(i, 'Name')), i.WithDecryption === true) }),
      GetParameters: (i) => {
        const names = stringArray(i.Names);
        const found = names.filter((n) => this.model.parameters.has(n));
        return {
          Parameters: found.map((n) => this.parameterJson(this.model.getParameter(n), i.WithDecryption === true)),
          InvalidParameters: names.filter((n) => !this.model.parameters.has(n)),
        };
      },
      PutParameter: (i) => {
        const type = optionalString(i, 'Type');
        if (type !== undefined && !PARAMETER_TYPES.has(type))
          throw new AwsApiError(
            'ValidationException',
            `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
          );
        const p = this.model.putParameter({
          name: requiredString(i, 'Name'),
          value: requiredString(i, 'Value'),
          type: type as ParameterType | undefined,
          overwrite: i.Overwrite === true,
          description: optionalString(i, 'Description'),
        });
        return { Version: p.version, Tier: 'Standard' };
      },
      DeleteParameter: (i) => {
        this.model.deleteParameter(requiredString(i, 'Name'));
        return {};
      },
      SendCommand: (i) => {
        const parameters = isRecord(i.Parameters) ? i.Parameters : {};
        const executionTimeout = stringArray(parameters.executionTimeout)[0];
        const command = this.model.sendCommand({
          documentName: requiredString(i, 'DocumentName'),
          instanceIds: stringArray(i.InstanceIds),
          commands: stringArray(parameters.commands),
          timeoutSeconds: typeof i.TimeoutSeconds === 'number' ? i.TimeoutSeconds : undefined,
          executionTimeoutSeconds: executionTimeout === undefined ? undefined : Number(executionTimeout),
          comment: optionalString(i, 'Comment'),
        });
        return { Command: this.commandJson(command) };
      },
      GetCommandInvocation: (i) => {
        const commandId = requiredString(i, 'CommandId');
        const invocation = this.model.visibleInvocation(commandId, requiredString(i, 'InstanceId'));
        const command = this.model.commands.get(commandId) as SsmCommand;
        return invocationJson(command, invocation);
      },
      ListCommandInvocations: (i) => {
        const commandId = optionalString(i, 'CommandId');
        const instanceId = optionalString(i, 'InstanceId');
        const details = i.Details === true;
        const rows: unknown[] = [];
        for (const command of this.model.commands.values()) {
          if (commandId !== undefined && command.commandId !== commandId) continue;
          for (const inv of command.invocations.values()) {
            if (instanceId !== undefined && inv.instanceId !== instanceId) continue;
            if (!this.model.registered(inv)) continue;
            rows.push(listedInvocationJson(command, inv, details));
          }
        }
        const paged = page(rows, typeof i.MaxResults === 'number' ? i.MaxResults : undefined, optionalString(i, 'NextToken'), SSM_LIST_PAGING);
        return { CommandInvocations: paged.items, ...(paged.nextToken ? { NextToken: paged.nextToken } : {}) };
      },
      DescribeInstanceInformation: (i) => {
        const legacy = Array.isArray(i.InstanceInformationFilterList) ? (i.InstanceInformationFilterList as Input[]) : undefined;
        const filters = Array.isArray(i.Filters) ? (i.Filters as Input[]) : undefined;
        if (legacy && filters) throw new AwsApiError('InvalidFilterKey', 'InstanceInformationFilterList and Filters cannot be used together.');
        const wanted = new Map<string, string[]>();
        for (const f of legacy ?? []) wanted.set(String(f.key), stringArray(f.valueSet));
        for (const f of filters ?? []) wanted.set(String(f.Key), stringArray(f.Values));
        for (const key of wanted.keys()) {
          if (!['InstanceIds', 'PingStatus', 'PlatformTypes', 'ResourceType', 'AgentVersion'].includes(key))
            throw new AwsApiError('InvalidFilterKey', `The filter key ${key} is not supported.`);
        }
        for (const id of wanted.get('InstanceIds') ?? []) {
          if (!/^(i|mi)-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidInstanceId', `Instance ${id} is not valid.`);
        }
        const matches = (key: string, value: string): boolean => !wanted.has(key) || (wanted.get(key) ?? []).includes(value);
        const rows = this.model
          .managedNodes()
          .filter(
            (n) =>
              matches('InstanceIds', n.instanceId) &&
              matches('PingStatus', n.pingStatus) &&
              matches('PlatformTypes', 'Linux') &&
              matches('ResourceType', 'EC2Instance') &&
              matches('AgentVersion', SSM_AGENT_VERSION),
          )
          .map((n) => ({
            InstanceId: n.instanceId,
            PingStatus: n.pingStatus,
            LastPingDateTime: epochSeconds(n.lastPing),
            AgentVersion: SSM_AGENT_VERSION,
            IsLatestVersion: false,
            PlatformType: 'Linux',
            PlatformName: 'Alpine Linux',
            PlatformVersion: '3.22',
            ResourceType: 'EC2Instance',
            IPAddress: n.ipAddress,
            ComputerName: n.computerName,
          }));
        const size = typeof i.MaxResults === 'number' ? i.MaxResults : undefined;
        if (size !== undefined && (size < 5 || size > 50))
          throw new AwsApiError(
            'ValidationException',
            `1 validation error detected: Value '${size}' at 'maxResults' failed to satisfy constraint: Member must have value ${size < 5 ? 'greater than or equal to 5' : 'less than or equal to 50'}`,
          );
        const paged = page(rows, size, optionalString(i, 'NextToken'), SSM_LIST_PAGING);
        return { InstanceInformationList: paged.items, ...(paged.nextToken ? { NextToken: paged.nextToken } : {}) };
      },
      ListCommands: (i) => {
        const commandId = optionalString(i, 'CommandId');
        const instanceId = optionalString(i, 'InstanceId');
        const commands = [...this.model.commands.values()].filter(
          (c) => (commandId === undefined || c.commandId === commandId) && (instanceId === undefined || c.instanceIds.includes(instanceId)),
        );
        return { Commands: commands.map((c) => this.commandJson(c)) };
      },
    };
  }

  actionOf(req: SimRequest): string {
    return jsonAction(req);
  }

  handle(req: SimRequest): SimResponse {
    const action = jsonAction(req);
    const requestId = this.rng.uuid();
    const handler = this.handlers[action];
    if (!handler) return jsonError({ status: 400, code: 'InvalidAction', message: `The action ${action} is not valid for this endpoint.` }, requestId);
    try {
      return jsonResponse(handler(jsonInput(req)), requestId);
    } catch (error) {
      if (error instanceof AwsApiError) return jsonError(error, requestId);
      if (error instanceof SyntaxError) return jsonError({ status: 400, code: 'SerializationException', message: error.message }, requestId);
      throw error;
    }
  }

  throttled(): SimResponse {
    return jsonError({ status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }, this.rng.uuid());
  }

  serverError(): SimResponse {
    return jsonError({ status: 500, code: 'InternalServerError', message: 'An internal error occurred.' }, this.rng.uuid());
  }

  private parameterJson(p: SsmParameter, withDecryption: boolean): unknown {
    return {
      Name: p.name,
      Type: p.type,
      Value: this.model.visibleValue(p, withDecryption),
      Version: p.version,
      LastModifiedDate: epochSeconds(p.lastModified),
      ARN: `arn:aws:ssm:${SIM_REGION}:${SIM_ACCOUNT}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}`,
      DataType: 'text',
    };
  }

  private commandJson(c: SsmCommand): unknown {
    const { status, completed, errors } = this.model.commandStatus(c);
    return {
      CommandId: c.commandId,
      DocumentName: c.documentName,
      DocumentVersion: '$DEFAULT',
      Comment: c.comment ?? '',
      Parameters: { commands: c.commands, executionTimeout: [String(c.executionTimeoutSeconds)] },
      InstanceIds: c.instanceIds,
      Targets: [],
      RequestedDateTime: epochSeconds(c.requestedAt),
      ExpiresAfter: epochSeconds(c.requestedAt + c.timeoutSeconds * 1000),
      Status: status,
      StatusDetails: status,
      TargetCount: c.instanceIds.length,
      CompletedCount: completed,
      ErrorCount: errors,
      DeliveryTimedOutCount: 0,
      TimeoutSeconds: c.timeoutSeconds,
      MaxConcurrency: '50',
      MaxErrors: '0',
    };
  }
}

function invocationJson(c: SsmCommand, inv: CommandInvocation): unknown {
  return {
    CommandId: c.commandId,
    InstanceId: inv.instanceId,
    Comment: c.comment ?? '',
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: 'aws:runShellScript',
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: inv.startedAt === undefined ? '' : new Date(inv.startedAt).toISOString(),
    ExecutionElapsedTime: inv.startedAt === undefined ? '' : elapsed((inv.endedAt ?? inv.startedAt) - inv.startedAt),
    ExecutionEndDateTime: inv.endedAt === undefined ? '' : new Date(inv.endedAt).toISOString(),
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputContent: inv.stdout,
    StandardOutputUrl: '',
    StandardErrorContent: inv.stderr,
    StandardErrorUrl: '',
  };
}

function listedInvocationJson(c: SsmCommand, inv: CommandInvocation, details: boolean): unknown {
  return {
    CommandId: c.commandId,
    InstanceId: inv.instanceId,
    InstanceName: '',
    Comment: c.comment ?? '',
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: epochSeconds(inv.requestedAt),
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details
      ? [
          {
            Name: 'aws:runShellScript',
            Status: inv.status,
            StatusDetails: inv.statusDetails,
            ResponseCode: inv.responseCode,
            ResponseStartDateTime: inv.startedAt === undefined ? undefined : epochSeconds(inv.startedAt),
            ResponseFinishDateTime: inv.endedAt === undefined ? undefined : epochSeconds(inv.endedAt),
            Output: inv.stdout.slice(0, 2500) + (inv.stderr ? `\n----------ERROR-------\n${inv.stderr.slice(0, 2500)}` : ''),
            StandardOutputUrl: '',
            StandardErrorUrl: '',
          },
        ]
      : [],
  };
}

/** SSM's ExecutionElapsedTime format, e.g. PT1.5S. */
function elapsed(ms: number): string {
  return `PT${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}S`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function optionalString(i: Input, key: string): string | undefined {
  const v = i[key];
  return typeof v === 'string' ? v : undefined;
}

function requiredString(i: Input, key: string): string {
  const v = optionalString(i, key);
  if (v === undefined)
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}
