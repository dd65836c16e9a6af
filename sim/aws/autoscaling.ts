import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Rng } from '../core/rng.js';
import { isWarmState, type AutoScalingModel } from './asg-model.js';
import { AUTOSCALING_PAGING, page } from './protocol/paging.js';
import { AwsApiError } from './errors.js';
import {
  awsQueryError,
  awsQueryResponse,
  bool,
  int,
  list,
  NAMESPACES,
  parseQueryRequest,
  queryAction,
  str,
  strList,
  type QueryNode,
} from './protocol/query.js';
import type { XmlValue } from './protocol/xml.js';
import type { AutoScalingGroup, GroupMember, LifecycleResultName, LifecycleTransition, ScalingActivity } from './state.js';

type Handler = (params: QueryNode) => XmlValue;

/** The Auto Scaling API (awsQuery, version 2011-01-01) over the simulated groups. */
export class AutoScalingService implements SimService {
  readonly name = 'autoscaling' as const;
  private readonly rng: Rng;
  private readonly handlers: Record<string, Handler>;

  constructor(
    private readonly model: AutoScalingModel,
    rng: Rng,
  ) {
    this.rng = rng.fork('autoscaling-requests');
    this.handlers = {
      DescribeAutoScalingGroups: (p) => this.describeGroups(p),
      DescribeAutoScalingInstances: (p) => this.describeInstances(p),
      DescribeLifecycleHooks: (p) => this.describeHooks(p),
      PutLifecycleHook: (p) => this.putHook(p),
      DeleteLifecycleHook: (p) => {
        this.model.deleteHook(required(p, 'AutoScalingGroupName'), required(p, 'LifecycleHookName'));
        return {};
      },
      CompleteLifecycleAction: (p) => {
        this.model.completeAction(actionRef(p), required(p, 'LifecycleActionResult'));
        return {};
      },
      RecordLifecycleActionHeartbeat: (p) => {
        this.model.heartbeat(actionRef(p));
        return {};
      },
      SetDesiredCapacity: (p) => {
        this.model.setDesiredCapacity(required(p, 'AutoScalingGroupName'), requiredInt(p, 'DesiredCapacity'));
        return undefined;
      },
      UpdateAutoScalingGroup: (p) => {
        const lt = str(p, 'LaunchTemplate', 'LaunchTemplateId') ?? str(p, 'LaunchTemplate', 'LaunchTemplateName');
        this.model.updateGroup(required(p, 'AutoScalingGroupName'), {
          minSize: int(p, 'MinSize'),
          maxSize: int(p, 'MaxSize'),
          desiredCapacity: int(p, 'DesiredCapacity'),
          launchTemplate:
            lt === undefined
              ? undefined
              : {
                  id: str(p, 'LaunchTemplate', 'LaunchTemplateId'),
                  name: str(p, 'LaunchTemplate', 'LaunchTemplateName'),
                  version: str(p, 'LaunchTemplate', 'Version'),
                },
          capacityRebalance: bool(p, 'CapacityRebalance'),
        });
        return undefined;
      },
      PutWarmPool: (p) => {
        const poolState = str(p, 'PoolState');
        if (poolState !== undefined && poolState !== 'Stopped' && poolState !== 'Running' && poolState !== 'Hibernated')
          throw new AwsApiError(
            'ValidationError',
            `1 validation error detected: Value '${poolState}' at 'poolState' failed to satisfy constraint: Member must satisfy enum value set: [Hibernated, Running, Stopped]`,
          );
        this.model.putWarmPool(required(p, 'AutoScalingGroupName'), {
          minSize: int(p, 'MinSize'),
          maxGroupPreparedCapacity: int(p, 'MaxGroupPreparedCapacity'),
          poolState,
        } as Parameters<AutoScalingModel['putWarmPool']>[1]);
        return {};
      },
      DescribeWarmPool: (p) => {
        const group = this.model.group(required(p, 'AutoScalingGroupName'));
        const pool = group.warmPool;
        return {
          WarmPoolConfiguration: pool
            ? { MinSize: pool.minSize, MaxGroupPreparedCapacity: pool.maxGroupPreparedCapacity ?? -1, PoolState: pool.poolState }
            : undefined,
          Instances: group.members
            .filter((m) => isWarmState(m.lifecycleState))
            .map((m) => ({
              InstanceId: m.instanceId,
              InstanceType: m.instanceType,
              AvailabilityZone: m.availabilityZone,
              LifecycleState: m.lifecycleState,
              HealthStatus: 'Healthy',
              LaunchTemplate: memberTemplateXml(m),
            })),
        };
      },
      TerminateInstanceInAutoScalingGroup: (p) => {
        const decrement = bool(p, 'ShouldDecrementDesiredCapacity');
        if (decrement === undefined)
          throw new AwsApiError(
            'ValidationError',
            "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null",
          );
        const instanceId = required(p, 'InstanceId');
        const groupName = this.model.memberOf(instanceId)?.group.name ?? '';
        return { Activity: activityXml(this.model.terminateInstance(instanceId, decrement), groupName) };
      },
      DescribeTags: (p) => this.describeTags(p),
      CreateOrUpdateTags: (p) => {
        for (const t of list(p, 'Tags')) {
          this.model.putTag(required(t, 'ResourceId'), required(t, 'Key'), str(t, 'Value') ?? '', bool(t, 'PropagateAtLaunch') ?? false);
        }
        return undefined;
      },
      DeleteTags: (p) => {
        for (const t of list(p, 'Tags')) this.model.deleteTag(required(t, 'ResourceId'), required(t, 'Key'));
        return undefined;
      },
      StartInstanceRefresh: (p) => ({ InstanceRefreshId: this.model.startInstanceRefresh(required(p, 'AutoScalingGroupName')).id }),
      CancelInstanceRefresh: (p) => ({ InstanceRefreshId: this.model.cancelInstanceRefresh(required(p, 'AutoScalingGroupName')).id }),
      DescribeInstanceRefreshes: (p) => this.describeRefreshes(p),
      DescribeScalingActivities: (p) => this.describeActivities(p),
    };
  }

  actionOf(req: SimRequest): string {
    return queryAction(req);
  }

  handle(req: SimRequest): SimResponse {
    const params = parseQueryRequest(req);
    const action = str(params, 'Action') ?? '';
    const requestId = this.rng.uuid();
    const handler = this.handlers[action];
    if (!handler)
      return awsQueryError(
        { status: 400, code: 'InvalidAction', message: `Could not find operation ${action} for version 2011-01-01`, faultType: 'Sender' },
        NAMESPACES.autoscaling,
        requestId,
      );
    try {
      return awsQueryResponse(action, NAMESPACES.autoscaling, handler(params), requestId);
    } catch (error) {
      if (error instanceof AwsApiError)
        return awsQueryError({ status: error.status, code: error.code, message: error.message, faultType: error.faultType }, NAMESPACES.autoscaling, requestId);
      throw error;
    }
  }

  throttled(): SimResponse {
    return awsQueryError({ status: 400, code: 'Throttling', message: 'Rate exceeded', faultType: 'Sender' }, NAMESPACES.autoscaling, this.rng.uuid());
  }

  serverError(): SimResponse {
    return awsQueryError(
      { status: 500, code: 'InternalFailure', message: 'An internal error occurred.', faultType: 'Receiver' },
      NAMESPACES.autoscaling,
      this.rng.uuid(),
    );
  }

  private describeGroups(p: QueryNode): XmlValue {
    const names = strList(p, 'AutoScalingGroupNames');
    const filters = list(p, 'Filters').map((f) => ({ name: str(f, 'Name') ?? '', values: strList(f, 'Values') }));
    const all = [...this.model.groups.values()].filter((g) => (names.length === 0 || names.includes(g.name)) && filters.every((f) => matchesGroupFilter(g, f)));
    const { items: groups, nextToken } = page(all, int(p, 'MaxRecords'), str(p, 'NextToken'), AUTOSCALING_PAGING);
    return { AutoScalingGroups: groups.map((g) => groupXml(g)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  private describeInstances(p: QueryNode): XmlValue {
    const ids = strList(p, 'InstanceIds');
    const rows: XmlValue[] = [];
    for (const g of this.model.groups.values()) {
      for (const m of g.members) {
        if (ids.length > 0 && !ids.includes(m.instanceId)) continue;
        rows.push({
          InstanceId: m.instanceId,
          InstanceType: m.instanceType,
          AutoScalingGroupName: g.name,
          AvailabilityZone: m.availabilityZone,
          LifecycleState: m.lifecycleState,
          // DescribeAutoScalingInstances spells health in capitals, unlike DescribeAutoScalingGroups.
          HealthStatus: 'HEALTHY',
          LaunchTemplate: memberTemplateXml(m),
          ProtectedFromScaleIn: false,
        });
      }
    }
    return { AutoScalingInstances: rows };
  }

  private describeHooks(p: QueryNode): XmlValue {
    const group = this.model.group(required(p, 'AutoScalingGroupName'));
    const names = strList(p, 'LifecycleHookNames');
    return {
      LifecycleHooks: group.hooks
        .filter((h) => names.length === 0 || names.includes(h.name))
        .map((h) => ({
          LifecycleHookName: h.name,
          AutoScalingGroupName: group.name,
          LifecycleTransition: h.transition,
          NotificationMetadata: h.notificationMetadata,
          HeartbeatTimeout: h.heartbeatTimeout,
          GlobalTimeout: Math.min(100 * h.heartbeatTimeout, 172_800),
          DefaultResult: h.defaultResult,
        })),
    };
  }

  private putHook(p: QueryNode): XmlValue {
    const groupName = required(p, 'AutoScalingGroupName');
    const name = required(p, 'LifecycleHookName');
    const existing = this.model.group(groupName).hooks.find((h) => h.name === name);
    const transition = (str(p, 'LifecycleTransition') ?? existing?.transition) as LifecycleTransition | undefined;
    if (transition === undefined) throw new AwsApiError('ValidationError', 'LifecycleTransition is required when creating a lifecycle hook');
    const defaultResult = str(p, 'DefaultResult');
    if (defaultResult !== undefined && defaultResult !== 'CONTINUE' && defaultResult !== 'ABANDON') {
      throw new AwsApiError('ValidationError', 'Valid values for DefaultResult are CONTINUE or ABANDON');
    }
    this.model.putHook(groupName, {
      name,
      transition,
      heartbeatTimeout: int(p, 'HeartbeatTimeout') ?? existing?.heartbeatTimeout,
      defaultResult: (defaultResult as LifecycleResultName | undefined) ?? existing?.defaultResult,
      notificationMetadata: str(p, 'NotificationMetadata') ?? existing?.notificationMetadata,
    });
    return {};
  }

  private describeTags(p: QueryNode): XmlValue {
    const filters = list(p, 'Filters').map((f) => ({ name: str(f, 'Name') ?? '', values: strList(f, 'Values') }));
    const rows: XmlValue[] = [];
    for (const g of this.model.groups.values()) {
      for (const t of g.tags) {
        const ok = filters.every((f) => {
          if (f.name === 'auto-scaling-group') return f.values.includes(g.name);
          if (f.name === 'key') return f.values.includes(t.key);
          if (f.name === 'value') return f.values.includes(t.value);
          if (f.name === 'propagate-at-launch') return f.values.includes(String(t.propagateAtLaunch));
          return false;
        });
        if (ok) rows.push(tagXml(g, t));
      }
    }
    return { Tags: rows };
  }

  private describeRefreshes(p: QueryNode): XmlValue {
    const group = this.model.group(required(p, 'AutoScalingGroupName'));
    const ids = strList(p, 'InstanceRefreshIds');
    return {
      InstanceRefreshes: group.refreshes
        .filter((r) => ids.length === 0 || ids.includes(r.id))
        .map((r) => ({
          InstanceRefreshId: r.id,
          AutoScalingGroupName: group.name,
          Status: r.status,
          StartTime: new Date(r.startTime),
          EndTime: r.endTime === undefined ? undefined : new Date(r.endTime),
          PercentageComplete: 0,
          InstancesToUpdate: group.members.length,
        })),
    };
  }

  private describeActivities(p: QueryNode): XmlValue {
    const groupName = str(p, 'AutoScalingGroupName');
    const groups = groupName === undefined ? [...this.model.groups.values()] : [this.model.group(groupName)];
    const { items, nextToken } = page(
      groups.flatMap((g) => g.activities.map((a) => activityXml(a, g.name))),
      int(p, 'MaxRecords'),
      str(p, 'NextToken'),
      { ...AUTOSCALING_PAGING, defaultSize: 100 },
    );
    return { Activities: items, ...(nextToken ? { NextToken: nextToken } : {}) };
  }
}

function required(p: QueryNode, name: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') {
    throw new AwsApiError(
      'ValidationError',
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function requiredInt(p: QueryNode, name: string): number {
  const v = int(p, name);
  if (v === undefined) required(p, name);
  return v as number;
}

function actionRef(p: QueryNode): { groupName: string; hookName: string; token?: string | undefined; instanceId?: string | undefined } {
  const token = str(p, 'LifecycleActionToken');
  const instanceId = str(p, 'InstanceId');
  if (token === undefined && instanceId === undefined) throw new AwsApiError('ValidationError', 'Either LifecycleActionToken or InstanceId must be specified');
  return { groupName: required(p, 'AutoScalingGroupName'), hookName: required(p, 'LifecycleHookName'), token, instanceId };
}

function matchesGroupFilter(g: AutoScalingGroup, f: { name: string; values: string[] }): boolean {
  if (f.name.startsWith('tag:')) {
    const key = f.name.slice(4);
    return g.tags.some((t) => t.key === key && f.values.includes(t.value));
  }
  if (f.name === 'tag-key') return g.tags.some((t) => f.values.includes(t.key));
  if (f.name === 'tag-value') return g.tags.some((t) => f.values.includes(t.value));
  throw new AwsApiError('ValidationError', `Filter type ${f.name} is not correct. Allowed Filter types are: tag-key tag-value tag:<key> `);
}

function memberTemplateXml(m: GroupMember): XmlValue {
  return { LaunchTemplateId: m.launchTemplate.id, LaunchTemplateName: m.launchTemplate.name, Version: String(m.launchTemplate.version) };
}

function tagXml(g: AutoScalingGroup, t: { key: string; value: string; propagateAtLaunch: boolean }): XmlValue {
  return { ResourceId: g.name, ResourceType: 'auto-scaling-group', Key: t.key, Value: t.value, PropagateAtLaunch: t.propagateAtLaunch };
}

function groupXml(g: AutoScalingGroup): XmlValue {
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    LaunchTemplate: { LaunchTemplateId: g.launchTemplate.id, LaunchTemplateName: g.launchTemplate.name, Version: g.launchTemplate.version },
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: g.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    // Warm pool instances are not the group's: DescribeWarmPool lists them.
    Instances: g.members
      .filter((m) => !isWarmState(m.lifecycleState))
      .map((m) => ({
        InstanceId: m.instanceId,
        InstanceType: m.instanceType,
        AvailabilityZone: m.availabilityZone,
        LifecycleState: m.lifecycleState,
        HealthStatus: 'Healthy',
        LaunchTemplate: memberTemplateXml(m),
        ProtectedFromScaleIn: false,
      })),
    CreatedTime: new Date(g.createdTime),
    SuspendedProcesses: [],
    EnabledMetrics: [],
    Tags: g.tags.map((t) => tagXml(g, t)),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::000000000000:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: g.capacityRebalance,
    ...(g.warmPool
      ? {
          WarmPoolConfiguration: {
            MinSize: g.warmPool.minSize,
            MaxGroupPreparedCapacity: g.warmPool.maxGroupPreparedCapacity ?? -1,
            PoolState: g.warmPool.poolState,
          },
        }
      : {}),
  };
}

function activityXml(a: ScalingActivity, groupName: string): XmlValue {
  return {
    ActivityId: a.id,
    AutoScalingGroupName: groupName,
    Description: a.description,
    Cause: a.cause,
    StartTime: new Date(a.startTime),
    EndTime: a.endTime === undefined ? undefined : new Date(a.endTime),
    StatusCode: a.statusCode,
    Progress: a.statusCode === 'InProgress' ? 0 : 100,
  };
}
