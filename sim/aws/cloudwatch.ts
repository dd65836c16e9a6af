/**
 * Simulated CloudWatch alarms, at the wire protocol SDK v3 speaks for
 * CloudWatch: AWS JSON 1.0, `X-Amz-Target: GraniteServiceVersion20100801.<Action>`
 * (query-compatible: errors carry `x-amzn-query-error`). DescribeAlarms
 * (AlarmNames, AlarmNamePrefix, StateValue, MaxRecords/NextToken; metric
 * alarms only unless AlarmTypes asks otherwise) and SetAlarmState, which AWS
 * offers to test alarm actions. Alarms are created by the scenario (as
 * CloudFormation would); their state changes when a scenario makes the
 * metric breach (`setState`), as CloudWatch's evaluation would at the end of a period.
 */
import type { SimClock } from '../core/clock.js';
import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import { AwsApiError } from './errors.js';
import { epochSeconds, jsonAction, jsonInput, queryCompatibleError, queryCompatibleResponse } from './protocol/json.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface SimAlarm {
  name: string;
  arn: string;
  description: string;
  namespace: string;
  metricName: string;
  statistic: string;
  /** Seconds per evaluation period. */
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: string;
  state: AlarmState;
  stateReason: string;
  stateUpdatedAt: number;
}

export class CloudWatchService implements SimService {
  readonly name = 'cloudwatch' as const;
  readonly alarms = new Map<string, SimAlarm>();
  private readonly rng: Rng;

  constructor(private readonly deps: { clock: SimClock; rng: Rng; recorder: Recorder; region: string; account: string }) {
    this.rng = deps.rng.fork('cloudwatch');
  }

  /** PutMetricAlarm, as CloudFormation does from a template (a new alarm starts INSUFFICIENT_DATA). */
  putAlarm(input: Partial<SimAlarm> & { name: string; metricName: string; namespace: string }): SimAlarm {
    const alarm: SimAlarm = {
      description: '',
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      state: 'INSUFFICIENT_DATA',
      stateReason: 'Unchecked: Initial alarm creation',
      stateUpdatedAt: this.deps.clock.now(),
      ...input,
      arn: `arn:aws:cloudwatch:${this.deps.region}:${this.deps.account}:alarm:${input.name}`,
    };
    this.alarms.set(alarm.name, alarm);
    return alarm;
  }

  /** The alarm's evaluation (or SetAlarmState) moved it to `state`. */
  setState(name: string, state: AlarmState, reason: string): SimAlarm {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new AwsApiError('ResourceNotFound', `Alarm ${name} not found`, 404);
    if (alarm.state !== state) {
      alarm.state = state;
      alarm.stateReason = reason;
      alarm.stateUpdatedAt = this.deps.clock.now();
      this.deps.recorder.event('cloudwatch', `alarm ${name} → ${state}: ${reason}`);
    }
    return alarm;
  }

  actionOf(req: SimRequest): string {
    return jsonAction(req);
  }

  handle(req: SimRequest): SimResponse {
    const requestId = this.rng.uuid();
    try {
      const input = jsonInput(req);
      const action = jsonAction(req);
      switch (action) {
        case 'DescribeAlarms':
          return this.ok(this.describeAlarms(input), requestId);
        case 'SetAlarmState': {
          const state = input.StateValue;
          if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA')
            throw new AwsApiError('InvalidParameterValue', `Invalid StateValue: ${String(state)}`);
          this.setState(requiredString(input, 'AlarmName'), state, requiredString(input, 'StateReason'));
          return this.ok({}, requestId);
        }
        default:
          throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
      }
    } catch (error) {
      if (error instanceof AwsApiError) return this.error(error.status, error.code, error.message, requestId);
      if (error instanceof SyntaxError) return this.error(400, 'SerializationException', error.message, requestId);
      throw error;
    }
  }

  throttled(): SimResponse {
    return this.error(400, 'Throttling', 'Rate exceeded', this.rng.uuid());
  }

  serverError(): SimResponse {
    return this.error(500, 'InternalServiceError', 'Internal service error', this.rng.uuid());
  }

  private describeAlarms(input: Record<string, unknown>): unknown {
    const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.filter((x): x is string => typeof x === 'string') : undefined;
    if (names && names.length > 100) throw new AwsApiError('InvalidParameterValue', 'The collection AlarmNames must not have a size greater than 100.');
    if (names && typeof input.AlarmNamePrefix === 'string')
      throw new AwsApiError('InvalidParameterCombination', 'AlarmNamePrefix and AlarmNames cannot be specified together.');
    const max = typeof input.MaxRecords === 'number' ? input.MaxRecords : 50;
    if (!Number.isInteger(max) || max < 1 || max > 100) throw new AwsApiError('InvalidParameterValue', 'MaxRecords must be between 1 and 100.');
    const types = Array.isArray(input.AlarmTypes) ? input.AlarmTypes : ['MetricAlarm'];
    let alarms = [...this.alarms.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (names) alarms = alarms.filter((a) => names.includes(a.name));
    if (typeof input.AlarmNamePrefix === 'string') alarms = alarms.filter((a) => a.name.startsWith(input.AlarmNamePrefix as string));
    if (typeof input.StateValue === 'string') alarms = alarms.filter((a) => a.state === input.StateValue);
    if (!types.includes('MetricAlarm')) alarms = [];
    const start = typeof input.NextToken === 'string' ? Number(input.NextToken) : 0;
    if (!Number.isInteger(start) || start < 0) throw new AwsApiError('InvalidNextToken', 'The service returned an invalid next token.');
    const page = alarms.slice(start, start + max);
    return {
      MetricAlarms: page.map((a) => ({
        AlarmName: a.name,
        AlarmArn: a.arn,
        AlarmDescription: a.description,
        ActionsEnabled: true,
        StateValue: a.state,
        StateReason: a.stateReason,
        StateUpdatedTimestamp: epochSeconds(a.stateUpdatedAt),
        StateTransitionedTimestamp: epochSeconds(a.stateUpdatedAt),
        MetricName: a.metricName,
        Namespace: a.namespace,
        Statistic: a.statistic,
        Period: a.period,
        EvaluationPeriods: a.evaluationPeriods,
        Threshold: a.threshold,
        ComparisonOperator: a.comparisonOperator,
      })),
      CompositeAlarms: [],
      ...(start + max < alarms.length ? { NextToken: String(start + max) } : {}),
    };
  }

  private ok(output: unknown, requestId: string): SimResponse {
    return queryCompatibleResponse(output, requestId);
  }

  private error(status: number, code: string, message: string, requestId: string): SimResponse {
    return queryCompatibleError({ status, code, message, namespace: 'com.amazonaws.cloudwatch' }, requestId);
  }
}

function requiredString(input: Record<string, unknown>, key: string): string {
  const v = input[key];
  if (typeof v !== 'string') throw new AwsApiError('MissingParameter', `The parameter ${key} is required.`);
  return v;
}
