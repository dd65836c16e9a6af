import type { WorldBus } from '../core/bus.js';
import type { SimClock, SimTimer } from '../core/clock.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { Ec2Model } from './ec2-model.js';
import { AwsApiError, validationError } from './errors.js';
import { isXmlString, printable, TAG_VALUE_PATTERN } from './identifiers.js';
import { lifecycleActionEvent } from './lifecycle-events.js';
import {
  SIM_ACCOUNT,
  SIM_REGION,
  type AsgLifecycleState,
  type AutoScalingGroup,
  type Ec2Instance,
  type Ec2StateName,
  type GroupMember,
  type InstanceRefresh,
  type LifecycleAction,
  type LifecycleEndpoint,
  type LifecycleHook,
  type LifecycleResultName,
  type LifecycleTransition,
  type ScalingActivity,
  type WarmPool,
} from './state.js';

export interface AsgDeps {
  clock: SimClock;
  rng: Rng;
  bus: WorldBus;
  recorder: Recorder;
  ec2: Ec2Model;
}

export interface CreateGroupInput {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate: { id?: string; name?: string; version?: string };
  availabilityZones: string[];
  tags?: Array<{ key: string; value: string; propagateAtLaunch?: boolean }>;
  lifecycleHooks?: Array<{
    name: string;
    transition: LifecycleTransition;
    heartbeatTimeout?: number;
    defaultResult?: LifecycleResultName;
    notificationMetadata?: string;
  }>;
  /** Initial instances start InService at once, without hooks: the cluster that already exists at t0. */
  bootstrapInService?: boolean;
  /** The group launches Spot Instances. */
  spot?: boolean;
  /** Capacity Rebalancing (CapacityRebalance). */
  capacityRebalance?: boolean;
  /** PutWarmPool at creation. */
  warmPool?: Partial<WarmPool>;
}

/** Which action a CompleteLifecycleAction or heartbeat call means. */
export interface ActionRef {
  groupName: string;
  hookName: string;
  token?: string | undefined;
  instanceId?: string | undefined;
}

const LAUNCHING: LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING';
const TERMINATING: LifecycleTransition = 'autoscaling:EC2_INSTANCE_TERMINATING';
/** AWS: the global timeout is 100 x HeartbeatTimeout or 48 hours, whichever is smaller. */
const MAX_GLOBAL_TIMEOUT_S = 172_800;
const DEFAULT_HEARTBEAT_S = 3600;
/** How long Auto Scaling waits before it tries again after a failed launch. */
const LAUNCH_RETRY_MS = 300_000;
const ACTIVE_STATES: ReadonlySet<AsgLifecycleState> = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed', 'InService']);
/** Warm pool members that count towards the pool's size. */
const WARM_STATES: ReadonlySet<AsgLifecycleState> = new Set([
  'Warmed:Pending',
  'Warmed:Pending:Wait',
  'Warmed:Pending:Proceed',
  'Warmed:Stopped',
  'Warmed:Running',
  'Warmed:Hibernated',
]);
/** Warm pool members ready to move into the group. */
const WARM_READY: ReadonlySet<AsgLifecycleState> = new Set(['Warmed:Stopped', 'Warmed:Running', 'Warmed:Hibernated']);
/** How long Auto Scaling takes to act on a signal EC2 sent it (Capacity Rebalancing): seeded, a few seconds. */
const SIGNAL_REACTION_MS = { min: 2_000, max: 6_000 } as const;

/** Whether a lifecycle state is one of the warm pool's. */
export const isWarmState = (state: AsgLifecycleState): boolean => state.startsWith('Warmed:');

/**
 * The simulated Amazon EC2 Auto Scaling: groups whose desired capacity
 * drives launches and terminations, lifecycle hooks with their wait states,
 * heartbeat and global timeouts, and the EventBridge events AWS sends.
 *
 * Termination policy (a documented simplification of AWS's default policy,
 * which first balances Availability Zones): instances whose launch template
 * or version differs from what the group launches now go first, lowest
 * version first; then the oldest launch. AZ rebalancing is not modelled.
 */
export class AutoScalingModel {
  readonly groups = new Map<string, AutoScalingGroup>();
  readonly actions = new Map<string, LifecycleAction>();
  private readonly timers = new Map<string, SimTimer>();
  private readonly rng: Rng;
  private readonly retryTimers = new Map<string, SimTimer>();

  constructor(private readonly deps: AsgDeps) {
    this.rng = deps.rng.fork('autoscaling');
    deps.ec2.onStateChange((instance, previous) => this.onEc2StateChange(instance, previous));
    deps.ec2.onSpotSignal((instance, signal) => this.onSpotSignal(instance, signal));
  }

  // ── groups ───────────────────────────────────────────────────────────────

  /** Create a group and launch (or, with bootstrapInService, adopt) its desired instances. */
  createGroup(input: CreateGroupInput): AutoScalingGroup {
    if (this.groups.has(input.name))
      throw new AwsApiError('AlreadyExists', `AutoScalingGroup by this name already exists - A group with the name ${input.name} already exists`);
    checkBounds(input.minSize, input.maxSize, input.desiredCapacity);
    if (input.availabilityZones.length === 0) throw validationError('At least one Availability Zone or VPC Subnet is required.');
    const template = this.deps.ec2.findTemplate({ id: input.launchTemplate.id, name: input.launchTemplate.name });
    const group: AutoScalingGroup = {
      name: input.name,
      arn: `arn:aws:autoscaling:${SIM_REGION}:${SIM_ACCOUNT}:autoScalingGroup:${this.rng.uuid()}:autoScalingGroupName/${input.name}`,
      minSize: input.minSize,
      maxSize: input.maxSize,
      desiredCapacity: input.desiredCapacity,
      launchTemplate: { id: template.id, name: template.name, version: input.launchTemplate.version ?? '$Default' },
      availabilityZones: [...input.availabilityZones],
      tags: (input.tags ?? []).map((t) => ({ key: t.key, value: t.value, propagateAtLaunch: t.propagateAtLaunch ?? true })),
      hooks: [],
      members: [],
      createdTime: this.deps.clock.now(),
      nextAz: 0,
      refreshes: [],
      activities: [],
      capacityRebalance: input.capacityRebalance ?? false,
      spot: input.spot ?? false,
    };
    if (input.warmPool) group.warmPool = warmPoolOf(input.warmPool);
    for (const h of input.lifecycleHooks ?? []) group.hooks.push(makeHook(h));
    this.groups.set(group.name, group);
    this.deps.recorder.event('asg', `group ${group.name} created (min ${group.minSize}, max ${group.maxSize}, desired ${group.desiredCapacity})`);
    if (input.bootstrapInService) {
      for (let i = 0; i < group.desiredCapacity; i++) this.adoptInService(group);
    }
    this.reconcile(group);
    return group;
  }

  /** A group by name, or Auto Scaling's ValidationError. */
  group(name: string): AutoScalingGroup {
    const g = this.groups.get(name);
    if (!g) throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
    return g;
  }

  /** SetDesiredCapacity: AWS refuses a value outside [MinSize, MaxSize]. */
  setDesiredCapacity(name: string, desired: number): void {
    const group = this.group(name);
    if (desired > group.maxSize) throw validationError(`New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`);
    if (desired < group.minSize) throw validationError(`New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`);
    this.deps.recorder.event('asg', `${name}: desired capacity ${group.desiredCapacity} → ${desired}`);
    group.desiredCapacity = desired;
    this.reconcile(group);
  }

  /**
   * UpdateAutoScalingGroup. As AWS does, a new MinSize above the desired
   * capacity raises it and a new MaxSize below it lowers it, unless a desired
   * capacity is given, which must then lie within the bounds.
   */
  updateGroup(
    name: string,
    update: {
      minSize?: number | undefined;
      maxSize?: number | undefined;
      desiredCapacity?: number | undefined;
      launchTemplate?: { id?: string | undefined; name?: string | undefined; version?: string | undefined } | undefined;
      capacityRebalance?: boolean | undefined;
    },
  ): void {
    const group = this.group(name);
    if (update.capacityRebalance !== undefined) group.capacityRebalance = update.capacityRebalance;
    const minSize = update.minSize ?? group.minSize;
    const maxSize = update.maxSize ?? group.maxSize;
    let desired = update.desiredCapacity ?? group.desiredCapacity;
    if (update.desiredCapacity === undefined) desired = Math.min(Math.max(desired, minSize), maxSize);
    checkBounds(minSize, maxSize, desired);
    if (update.launchTemplate) {
      const template = this.deps.ec2.findTemplate({ id: update.launchTemplate.id, name: update.launchTemplate.name });
      const version = update.launchTemplate.version ?? '$Default';
      this.deps.ec2.resolveVersion(template, version);
      group.launchTemplate = { id: template.id, name: template.name, version };
    }
    group.minSize = minSize;
    group.maxSize = maxSize;
    group.desiredCapacity = desired;
    this.deps.recorder.event(
      'asg',
      `${name} updated (min ${minSize}, max ${maxSize}, desired ${desired}, template ${group.launchTemplate.name}@${group.launchTemplate.version})`,
    );
    this.reconcile(group);
  }

  /** CreateOrUpdateTags on a group (ResourceType auto-scaling-group). */
  putTag(groupName: string, key: string, value: string, propagateAtLaunch: boolean): void {
    for (const [field, v] of [
      ['key', key],
      ['value', value],
    ] as const) {
      if (!isXmlString(v))
        throw new AwsApiError(
          'ValidationError',
          `1 validation error detected: Value '${printable(v)}' at 'tags.1.member.${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_VALUE_PATTERN}`,
        );
    }
    const group = this.group(groupName);
    const existing = group.tags.find((t) => t.key === key);
    if (existing) {
      existing.value = value;
      existing.propagateAtLaunch = propagateAtLaunch;
    } else {
      group.tags.push({ key, value, propagateAtLaunch });
    }
    this.deps.recorder.event('asg', `${groupName}: tag ${key} = ${value}`);
  }

  /** DeleteTags on a group; an absent tag is no error. */
  deleteTag(groupName: string, key: string): void {
    const group = this.group(groupName);
    const before = group.tags.length;
    group.tags = group.tags.filter((t) => t.key !== key);
    if (group.tags.length !== before) this.deps.recorder.event('asg', `${groupName}: tag ${key} deleted`);
  }

  /**
   * TerminateInstanceInAutoScalingGroup. With decrement, AWS refuses to go
   * below MinSize; without it, the group launches a replacement.
   */
  terminateInstance(instanceId: string, decrement: boolean): ScalingActivity {
    const found = this.memberOf(instanceId);
    if (!found) throw validationError(`Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    const { group, member } = found;
    const before = group.desiredCapacity;
    if (decrement) {
      if (group.desiredCapacity <= group.minSize) {
        throw validationError(
          `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      }
      group.desiredCapacity--;
    }
    const at = new Date(this.deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cause = decrement
      ? `At ${at} instance ${instanceId} was taken out of service in response to a user request, shrinking the capacity from ${before} to ${group.desiredCapacity}.`
      : `At ${at} instance ${instanceId} was taken out of service in response to a user request.`;
    const activity = this.startTermination(group, member, cause);
    this.reconcile(group);
    return activity;
  }

  // ── lifecycle hooks ──────────────────────────────────────────────────────

  /** PutLifecycleHook: create or replace a hook. */
  putHook(
    groupName: string,
    input: {
      name: string;
      transition: LifecycleTransition;
      heartbeatTimeout?: number | undefined;
      defaultResult?: LifecycleResultName | undefined;
      notificationMetadata?: string | undefined;
    },
  ): void {
    const group = this.group(groupName);
    const existing = group.hooks.find((h) => h.name === input.name);
    const hook = makeHook({ ...input, transition: input.transition ?? existing?.transition });
    group.hooks = group.hooks.filter((h) => h.name !== input.name).concat(hook);
    this.deps.recorder.event('asg', `${groupName}: lifecycle hook ${hook.name} (${hook.transition}, ${hook.heartbeatTimeout}s, ${hook.defaultResult}) put`);
  }

  /**
   * DeleteLifecycleHook. AWS completes outstanding actions first: ABANDON
   * for launching instances, CONTINUE for terminating ones.
   */
  deleteHook(groupName: string, hookName: string): void {
    const group = this.group(groupName);
    if (!group.hooks.some((h) => h.name === hookName)) {
      throw validationError(`No Lifecycle Hook found with name ${hookName} for AutoScalingGroup ${groupName}`);
    }
    group.hooks = group.hooks.filter((h) => h.name !== hookName);
    for (const action of this.activeActions()) {
      if (action.groupName !== groupName || action.hookName !== hookName) continue;
      const result = action.transition === LAUNCHING ? 'ABANDON' : 'CONTINUE';
      this.deps.recorder.lifecycleStep(action.token, `hook deleted: completed with ${result}`);
      this.deps.recorder.lifecycleEnded(action.token, result);
      this.finishAction(action, result);
    }
    this.deps.recorder.event('asg', `${groupName}: lifecycle hook ${hookName} deleted`);
  }

  /**
   * CompleteLifecycleAction by token or instance id. An action that is not
   * active (completed, expired, unknown) gets AWS's ValidationError, and the
   * recorder counts the rejected call against the action it meant.
   */
  completeAction(ref: ActionRef, result: string): void {
    const action = this.findActive(ref);
    if (!action) {
      const meant = this.findAny(ref);
      if (meant) this.deps.recorder.lifecycleCompleteCall(meant.token, false);
      throw validationError(noActiveActionMessage(ref));
    }
    if (result !== 'CONTINUE' && result !== 'ABANDON') {
      this.deps.recorder.lifecycleCompleteCall(action.token, false);
      throw validationError(`Valid values for LifecycleActionResult are CONTINUE or ABANDON`);
    }
    this.deps.recorder.lifecycleCompleteCall(action.token, true);
    this.deps.recorder.lifecycleEnded(action.token, result);
    this.deps.recorder.event('asg', `${action.instanceId}: ${action.hookName} completed with ${result}`);
    this.finishAction(action, result);
  }

  /** RecordLifecycleActionHeartbeat: restart the heartbeat timeout, never past the global timeout. */
  heartbeat(ref: ActionRef): void {
    const action = this.findActive(ref);
    if (!action) throw validationError(noActiveActionMessage(ref));
    const hookTimeoutMs = this.heartbeatMs(action);
    action.expiresAt = Math.min(this.deps.clock.now() + hookTimeoutMs, action.globalDeadline);
    this.deps.recorder.lifecycleHeartbeat(action.token);
    this.armTimer(action);
  }

  // ── instance refreshes ───────────────────────────────────────────────────

  /**
   * StartInstanceRefresh. The simulation records the refresh and leaves it
   * InProgress (it replaces nothing) until it is cancelled: enough for a
   * control plane that must not upgrade while a refresh runs.
   */
  startInstanceRefresh(groupName: string): InstanceRefresh {
    const group = this.group(groupName);
    if (group.refreshes.some((r) => r.status === 'Pending' || r.status === 'InProgress' || r.status === 'Cancelling')) {
      throw new AwsApiError('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.');
    }
    const refresh: InstanceRefresh = { id: this.rng.uuid(), status: 'InProgress', startTime: this.deps.clock.now() };
    group.refreshes.unshift(refresh);
    this.deps.recorder.event('asg', `${groupName}: instance refresh ${refresh.id} started`);
    return refresh;
  }

  /** CancelInstanceRefresh: Cancelling now, Cancelled a few sim seconds later. */
  cancelInstanceRefresh(groupName: string): InstanceRefresh {
    const group = this.group(groupName);
    const refresh = group.refreshes.find((r) => r.status === 'Pending' || r.status === 'InProgress');
    if (!refresh)
      throw new AwsApiError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${groupName}`);
    refresh.status = 'Cancelling';
    this.deps.clock.schedule(
      5_000,
      () => {
        refresh.status = 'Cancelled';
        refresh.endTime = this.deps.clock.now();
        this.deps.recorder.event('asg', `${groupName}: instance refresh ${refresh.id} cancelled`);
      },
      'asg:refresh-cancel',
    );
    return refresh;
  }

  // ── warm pools ───────────────────────────────────────────────────────────

  /**
   * PutWarmPool: create or update the group's warm pool. Its size is
   * MaxGroupPreparedCapacity (default: the group's MaxSize) less the desired
   * capacity, never below MinSize ("Warm pools", core concepts).
   */
  putWarmPool(groupName: string, pool: Partial<WarmPool>): void {
    const group = this.group(groupName);
    group.warmPool = warmPoolOf(pool);
    this.deps.recorder.event(
      'asg',
      `${groupName}: warm pool put (min ${group.warmPool.minSize}, state ${group.warmPool.poolState}, size ${this.warmTarget(group)})`,
    );
    this.reconcile(group);
  }

  /** The number of instances the warm pool keeps. */
  warmTarget(group: AutoScalingGroup): number {
    if (!group.warmPool) return 0;
    const prepared = group.warmPool.maxGroupPreparedCapacity ?? group.maxSize;
    return Math.max(group.warmPool.minSize, prepared - group.desiredCapacity);
  }

  // ── queries ──────────────────────────────────────────────────────────────

  /** The group and member an instance belongs to (until it is Terminated). */
  memberOf(instanceId: string): { group: AutoScalingGroup; member: GroupMember } | undefined {
    for (const group of this.groups.values()) {
      const member = group.members.find((m) => m.instanceId === instanceId);
      if (member) return { group, member };
    }
    return undefined;
  }

  /** Lifecycle actions still waiting for a result. */
  activeActions(): LifecycleAction[] {
    return [...this.actions.values()].filter((a) => a.result === null);
  }

  // ── internals ────────────────────────────────────────────────────────────

  /**
   * Launch or terminate until the group's active members match its desired
   * capacity (an instance Capacity Rebalancing is replacing no longer
   * counts), launching from the warm pool first; then refill or shrink the
   * warm pool.
   */
  private reconcile(group: AutoScalingGroup): void {
    const active = group.members.filter((m) => ACTIVE_STATES.has(m.lifecycleState) && m.replacedBy === undefined);
    if (active.length < group.desiredCapacity) {
      for (let i = active.length; i < group.desiredCapacity; i++) if (!this.takeFromWarmPool(group) && !this.launchMember(group)) break;
    } else if (active.length > group.desiredCapacity) {
      const victims = this.chooseVictims(group, active, active.length - group.desiredCapacity);
      for (const m of victims) {
        this.startTermination(
          group,
          m,
          `an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${active.length} to ${group.desiredCapacity}.`,
        );
      }
    }
    this.reconcileWarmPool(group);
  }

  /** Launch into the warm pool, or terminate from it, until it holds its size. */
  private reconcileWarmPool(group: AutoScalingGroup): void {
    const warm = group.members.filter((m) => WARM_STATES.has(m.lifecycleState));
    const target = this.warmTarget(group);
    for (let i = warm.length; i < target; i++) if (!this.launchMember(group, true)) break;
    if (warm.length > target) {
      const extra = [...warm].sort((a, b) => a.launchTime - b.launchTime).slice(0, warm.length - target);
      for (const m of extra) this.startWarmTermination(group, m, 'the warm pool is larger than its size');
    }
  }

  /**
   * Move the oldest ready warm pool instance into the group: it starts (a
   * stopped or hibernated one) and passes the launch hooks again, in
   * Pending:Wait, with Origin WarmPool.
   * @returns false when no warm instance is ready.
   */
  private takeFromWarmPool(group: AutoScalingGroup): boolean {
    const member = group.members.filter((m) => WARM_READY.has(m.lifecycleState)).sort((a, b) => a.launchTime - b.launchTime)[0];
    if (!member) return false;
    const instance = this.deps.ec2.instance(member.instanceId);
    const from = member.lifecycleState;
    member.fromWarmPool = true;
    instance.targetLifecycleState = 'InService';
    this.setState(group, member, 'Pending');
    this.activity(
      group,
      `Launching a new EC2 instance from warm pool: ${member.instanceId}`,
      'an instance was moved from the warm pool in response to a difference between desired and actual capacity',
      'InProgress',
    );
    this.deps.recorder.event('asg', `${group.name}: ${member.instanceId} leaves the warm pool (${from})`);
    if (instance.state === 'running') {
      this.deps.bus.emit('instance.target-lifecycle-state', instance);
      this.enterService(group, member);
    } else this.deps.ec2.start(member.instanceId);
    return true;
  }

  /** A launched warm pool instance whose launch actions all continued: stopped, hibernated, or kept running. */
  private warmProceed(group: AutoScalingGroup, member: GroupMember): void {
    this.setState(group, member, 'Warmed:Pending:Proceed');
    if (group.warmPool?.poolState === 'Running') this.setState(group, member, 'Warmed:Running');
    else this.deps.ec2.stop(member.instanceId);
  }

  /** Terminate a warm pool instance: Warmed:Terminating, its terminate hooks (Origin WarmPool, Destination EC2), then EC2. */
  private startWarmTermination(group: AutoScalingGroup, member: GroupMember, cause: string): void {
    for (const action of this.activeActions()) {
      if (action.instanceId !== member.instanceId) continue;
      this.deps.recorder.lifecycleStep(action.token, 'instance taken out of the warm pool while waiting');
      this.deps.recorder.lifecycleEnded(action.token, 'ABANDON');
      this.settle(action, 'ABANDON');
    }
    this.activity(group, `Terminating EC2 instance from warm pool: ${member.instanceId}`, cause, 'InProgress');
    this.setState(group, member, 'Warmed:Terminating');
    const hooks = group.hooks.filter((h) => h.transition === TERMINATING);
    if (hooks.length > 0) {
      this.setState(group, member, 'Warmed:Terminating:Wait');
      for (const hook of hooks) this.startAction(group, member, hook, 'WarmPool', 'EC2');
    } else {
      this.setState(group, member, 'Warmed:Terminating:Proceed');
      this.deps.ec2.terminate(member.instanceId);
    }
  }

  /** A running instance entering the group: Pending:Wait for the launch hooks, else InService. */
  private enterService(group: AutoScalingGroup, member: GroupMember): void {
    const hooks = group.hooks.filter((h) => h.transition === LAUNCHING);
    if (hooks.length === 0) {
      this.setState(group, member, 'InService');
      return;
    }
    this.setState(group, member, 'Pending:Wait');
    for (const hook of hooks) this.startAction(group, member, hook, member.fromWarmPool ? 'WarmPool' : 'EC2', 'AutoScalingGroup');
  }

  // ── Capacity Rebalancing ─────────────────────────────────────────────────

  /**
   * Capacity Rebalancing ("Use Capacity Rebalancing to handle Amazon EC2 Spot
   * Interruptions"): on a rebalance recommendation the group launches a
   * replacement and terminates the at-risk instance (through its terminate
   * hooks) once the replacement is InService; an instance that gets the
   * interruption warning is terminated at once (a replacement launches
   * alongside). Without it, Auto Scaling replaces a Spot Instance only after
   * EC2 interrupted it. Auto Scaling acts a few seconds after the signal.
   */
  private onSpotSignal(instance: Ec2Instance, signal: 'interruption' | 'rebalance'): void {
    const found = this.memberOf(instance.instanceId);
    if (!found?.group.capacityRebalance) return;
    this.deps.clock.schedule(
      this.rng.int(SIGNAL_REACTION_MS.min, SIGNAL_REACTION_MS.max),
      () => {
        const now = this.memberOf(instance.instanceId);
        if (!now) return;
        const { group, member } = now;
        if (signal === 'interruption') {
          if (!ACTIVE_STATES.has(member.lifecycleState)) return;
          member.replacedBy = undefined;
          this.startTermination(group, member, `an instance was taken out of service in response to an EC2 Spot Instance interruption notice.`);
          this.reconcile(group);
          return;
        }
        if (member.lifecycleState !== 'InService' || member.replacedBy !== undefined) return;
        const replacement = this.launchMember(group, false, 'an instance was started in response to an EC2 instance rebalance recommendation');
        if (replacement) {
          member.replacedBy = replacement.instanceId;
          this.deps.recorder.event('asg', `${group.name}: Capacity Rebalancing launches ${replacement.instanceId} to replace ${member.instanceId}`);
        }
      },
      `asg:spot-signal:${instance.instanceId}`,
    );
  }

  /** A replacement went InService: terminate the instance it replaces. A replacement that failed frees its instance again. */
  private onReplacementSettled(group: AutoScalingGroup, replacement: GroupMember, inService: boolean): void {
    const old = group.members.find((m) => m.replacedBy === replacement.instanceId);
    if (!old) return;
    if (!inService) {
      old.replacedBy = undefined;
      return;
    }
    if (!ACTIVE_STATES.has(old.lifecycleState)) return;
    this.startTermination(
      group,
      old,
      `an instance was taken out of service in response to an EC2 instance rebalance recommendation; its replacement ${replacement.instanceId} is InService.`,
    );
  }

  private launchMember(group: AutoScalingGroup, intoWarmPool = false, cause?: string): GroupMember | undefined {
    const az = group.availabilityZones[group.nextAz % group.availabilityZones.length] as string;
    try {
      const { template, version } = this.currentVersion(group);
      const warmState = `Warmed:${group.warmPool?.poolState ?? 'Stopped'}`;
      const instance = this.deps.ec2.launch({
        template,
        version,
        availabilityZone: az,
        tags: this.launchTags(group),
        asgName: group.name,
        spot: group.spot,
        targetLifecycleState: intoWarmPool ? warmState : 'InService',
      });
      group.nextAz++;
      const member: GroupMember = {
        instanceId: instance.instanceId,
        lifecycleState: intoWarmPool ? 'Warmed:Pending' : 'Pending',
        availabilityZone: az,
        instanceType: instance.instanceType,
        launchTemplate: { id: template.id, name: template.name, version: version.versionNumber },
        launchTime: instance.launchTime,
      };
      group.members.push(member);
      this.activity(
        group,
        intoWarmPool ? `Launching a new EC2 instance into warm pool: ${instance.instanceId}` : `Launching a new EC2 instance: ${instance.instanceId}`,
        cause ??
          (intoWarmPool
            ? 'an instance was launched into the warm pool'
            : 'an instance was started in response to a difference between desired and actual capacity'),
        'InProgress',
      );
      this.deps.recorder.event(
        'asg',
        `${group.name}: launching ${instance.instanceId} in ${az}${intoWarmPool ? ' into the warm pool' : ''} (template ${template.name} v${version.versionNumber})`,
      );
      return member;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.activity(group, 'Launching a new EC2 instance.  Status Reason: ' + message, 'launch failed', 'Failed');
      this.deps.recorder.event('asg', `${group.name}: launch failed: ${message}; retrying in ${LAUNCH_RETRY_MS / 1000}s`);
      if (!this.retryTimers.has(group.name)) {
        this.retryTimers.set(
          group.name,
          this.deps.clock.schedule(
            LAUNCH_RETRY_MS,
            () => {
              this.retryTimers.delete(group.name);
              this.reconcile(group);
            },
            `asg:retry:${group.name}`,
          ),
        );
      }
      return undefined;
    }
  }

  private adoptInService(group: AutoScalingGroup): void {
    const az = group.availabilityZones[group.nextAz++ % group.availabilityZones.length] as string;
    const { template, version } = this.currentVersion(group);
    const instance = this.deps.ec2.adoptRunning({
      template,
      version,
      availabilityZone: az,
      tags: this.launchTags(group),
      asgName: group.name,
      spot: group.spot,
      targetLifecycleState: 'InService',
    });
    group.members.push({
      instanceId: instance.instanceId,
      lifecycleState: 'InService',
      availabilityZone: az,
      instanceType: instance.instanceType,
      launchTemplate: { id: template.id, name: template.name, version: version.versionNumber },
      launchTime: instance.launchTime,
    });
    this.deps.recorder.event('asg', `${group.name}: ${instance.instanceId} InService at start (${instance.privateDnsName})`);
  }

  private currentVersion(group: AutoScalingGroup): { template: ReturnType<Ec2Model['findTemplate']>; version: ReturnType<Ec2Model['resolveVersion']> } {
    const template = this.deps.ec2.findTemplate({ id: group.launchTemplate.id });
    return { template, version: this.deps.ec2.resolveVersion(template, group.launchTemplate.version) };
  }

  private launchTags(group: AutoScalingGroup): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const t of group.tags) if (t.propagateAtLaunch) tags[t.key] = t.value;
    tags['aws:autoscaling:groupName'] = group.name;
    return tags;
  }

  private chooseVictims(group: AutoScalingGroup, active: GroupMember[], count: number): GroupMember[] {
    let current: { id: string; version: number } | undefined;
    try {
      const { template, version } = this.currentVersion(group);
      current = { id: template.id, version: version.versionNumber };
    } catch {
      current = undefined;
    }
    const outdated = (m: GroupMember): number => (current && (m.launchTemplate.id !== current.id || m.launchTemplate.version !== current.version) ? 0 : 1);
    return [...active]
      .sort(
        (a, b) =>
          outdated(a) - outdated(b) ||
          a.launchTemplate.version - b.launchTemplate.version ||
          a.launchTime - b.launchTime ||
          a.instanceId.localeCompare(b.instanceId),
      )
      .slice(0, count);
  }

  private startTermination(group: AutoScalingGroup, member: GroupMember, cause: string): ScalingActivity {
    const description = `Terminating EC2 instance: ${member.instanceId}`;
    if (!ACTIVE_STATES.has(member.lifecycleState)) return this.activity(group, description, cause, 'InProgress');
    for (const action of this.activeActions()) {
      if (action.instanceId !== member.instanceId) continue;
      this.deps.recorder.lifecycleStep(action.token, 'instance taken out of service while waiting');
      this.deps.recorder.lifecycleEnded(action.token, 'ABANDON');
      this.settle(action, 'ABANDON');
    }
    const activity = this.activity(group, description, cause, 'InProgress');
    this.setState(group, member, 'Terminating');
    const hooks = group.hooks.filter((h) => h.transition === TERMINATING);
    if (hooks.length > 0) {
      this.setState(group, member, 'Terminating:Wait');
      for (const hook of hooks) this.startAction(group, member, hook, 'AutoScalingGroup', 'EC2');
    } else {
      this.proceedToTerminate(group, member);
    }
    return activity;
  }

  private proceedToTerminate(group: AutoScalingGroup, member: GroupMember): void {
    this.setState(group, member, 'Terminating:Proceed');
    this.deps.ec2.terminate(member.instanceId);
  }

  private startAction(group: AutoScalingGroup, member: GroupMember, hook: LifecycleHook, origin: LifecycleEndpoint, destination: LifecycleEndpoint): void {
    const now = this.deps.clock.now();
    const action: LifecycleAction = {
      token: this.rng.uuid(),
      instanceId: member.instanceId,
      groupName: group.name,
      hookName: hook.name,
      transition: hook.transition,
      startedAt: now,
      expiresAt: now + hook.heartbeatTimeout * 1000,
      globalDeadline: now + Math.min(100 * hook.heartbeatTimeout, MAX_GLOBAL_TIMEOUT_S) * 1000,
      result: null,
      expired: false,
      origin,
      destination,
    };
    this.actions.set(action.token, action);
    this.deps.recorder.lifecycleStarted({
      instanceId: action.instanceId,
      asgName: group.name,
      hookName: hook.name,
      transition: hook.transition,
      token: action.token,
    });
    this.deps.recorder.event('asg', `${member.instanceId}: ${member.lifecycleState} for hook ${hook.name} (token ${action.token})`);
    this.armTimer(action);
    this.deps.bus.emit('aws.event', lifecycleActionEvent(group, hook, action));
  }

  private armTimer(action: LifecycleAction): void {
    this.timers.get(action.token)?.cancel();
    this.timers.set(
      action.token,
      this.deps.clock.scheduleAt(Math.min(action.expiresAt, action.globalDeadline), () => this.expire(action), `asg:hook:${action.token}`),
    );
  }

  private expire(action: LifecycleAction): void {
    if (action.result !== null) return;
    const hook = this.groups.get(action.groupName)?.hooks.find((h) => h.name === action.hookName);
    const result: LifecycleResultName = hook?.defaultResult ?? 'ABANDON';
    action.expired = true;
    this.deps.recorder.lifecycleStep(action.token, `timed out: default result ${result}`);
    this.deps.recorder.lifecycleEnded(action.token, 'EXPIRED');
    this.deps.recorder.event('asg', `${action.instanceId}: ${action.hookName} timed out; default result ${result} applies`);
    this.finishAction(action, result);
  }

  /** Record a result without moving the instance on. */
  private settle(action: LifecycleAction, result: LifecycleResultName): void {
    action.result = result;
    this.timers.get(action.token)?.cancel();
    this.timers.delete(action.token);
  }

  /**
   * Apply a result. ABANDON stops the instance's other actions for the same
   * transition; the instance moves on once none is left waiting. An
   * abandoned launch terminates the instance through the normal termination
   * path (termination hooks included) and the group launches a replacement.
   */
  private finishAction(action: LifecycleAction, result: LifecycleResultName): void {
    this.settle(action, result);
    const found = this.memberOf(action.instanceId);
    if (!found) return;
    const { group, member } = found;
    const siblings = this.activeActions().filter((a) => a.instanceId === action.instanceId && a.transition === action.transition);
    if (result === 'ABANDON') {
      for (const s of siblings) {
        this.deps.recorder.lifecycleStep(s.token, `stopped: ${action.hookName} was abandoned`);
        this.deps.recorder.lifecycleEnded(s.token, 'ABANDON');
        this.settle(s, 'ABANDON');
      }
    } else if (siblings.length > 0) {
      return;
    }
    const abandoned =
      result === 'ABANDON' ||
      [...this.actions.values()].some((a) => a.instanceId === action.instanceId && a.transition === action.transition && a.result === 'ABANDON');
    if (action.transition === LAUNCHING && member.lifecycleState === 'Pending:Wait') {
      if (abandoned) {
        this.startTermination(group, member, `instance ${member.instanceId} failed to launch: lifecycle action ${action.hookName} was abandoned`);
        this.onReplacementSettled(group, member, false);
        this.reconcile(group);
      } else {
        this.setState(group, member, 'Pending:Proceed');
        this.setState(group, member, 'InService');
        member.fromWarmPool = undefined;
        this.onReplacementSettled(group, member, true);
      }
    } else if (action.transition === LAUNCHING && member.lifecycleState === 'Warmed:Pending:Wait') {
      if (abandoned) {
        this.startWarmTermination(
          group,
          member,
          `instance ${member.instanceId} failed to launch into the warm pool: lifecycle action ${action.hookName} was abandoned`,
        );
        this.reconcile(group);
      } else {
        this.warmProceed(group, member);
      }
    } else if (action.transition === TERMINATING && member.lifecycleState === 'Terminating:Wait') {
      this.proceedToTerminate(group, member);
    } else if (action.transition === TERMINATING && member.lifecycleState === 'Warmed:Terminating:Wait') {
      this.setState(group, member, 'Warmed:Terminating:Proceed');
      this.deps.ec2.terminate(member.instanceId);
    }
  }

  private onEc2StateChange(instance: Ec2Instance, _previous: Ec2StateName | null): void {
    const found = this.memberOf(instance.instanceId);
    if (!found) return;
    const { group, member } = found;
    if (instance.state === 'running' && member.lifecycleState === 'Pending') {
      this.enterService(group, member);
      if ((member.lifecycleState as AsgLifecycleState) === 'InService') this.onReplacementSettled(group, member, true);
    } else if (instance.state === 'running' && member.lifecycleState === 'Warmed:Pending') {
      const hooks = group.hooks.filter((h) => h.transition === LAUNCHING);
      if (hooks.length === 0) {
        this.warmProceed(group, member);
        return;
      }
      this.setState(group, member, 'Warmed:Pending:Wait');
      for (const hook of hooks) this.startAction(group, member, hook, 'EC2', 'WarmPool');
    } else if (instance.state === 'stopped' && member.lifecycleState === 'Warmed:Pending:Proceed') {
      this.setState(group, member, group.warmPool?.poolState === 'Hibernated' ? 'Warmed:Hibernated' : 'Warmed:Stopped');
    } else if (instance.state === 'stopping' && ACTIVE_STATES.has(member.lifecycleState)) {
      // Stopped under the group (a retirement of an EBS-backed instance): the EC2 health check fails; the group replaces it.
      this.startTermination(
        group,
        member,
        'an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.',
      );
      this.reconcile(group);
    } else if (instance.state === 'shutting-down' && isWarmState(member.lifecycleState) && member.lifecycleState !== 'Warmed:Terminating:Proceed') {
      for (const action of this.activeActions()) {
        if (action.instanceId !== member.instanceId) continue;
        this.deps.recorder.lifecycleStep(action.token, 'instance terminated by EC2 while waiting');
        this.deps.recorder.lifecycleEnded(action.token, 'ABANDON');
        this.settle(action, 'ABANDON');
      }
      this.setState(group, member, 'Warmed:Terminating:Proceed');
    } else if (instance.state === 'shutting-down' && !isWarmState(member.lifecycleState) && member.lifecycleState !== 'Terminating:Proceed') {
      // Terminated from outside Auto Scaling (a Spot interruption): the group replaces it.
      for (const action of this.activeActions()) {
        if (action.instanceId !== member.instanceId) continue;
        this.deps.recorder.lifecycleStep(action.token, 'instance terminated by EC2 while waiting');
        this.deps.recorder.lifecycleEnded(action.token, 'ABANDON');
        this.settle(action, 'ABANDON');
      }
      this.activity(
        group,
        `Terminating EC2 instance: ${member.instanceId}`,
        `an instance was taken out of service in response to an EC2 instance status check failure`,
        'InProgress',
      );
      this.setState(group, member, 'Terminating:Proceed');
      this.reconcile(group);
    } else if (instance.state === 'terminated') {
      this.setState(group, member, isWarmState(member.lifecycleState) ? 'Warmed:Terminated' : 'Terminated');
      group.members = group.members.filter((m) => m !== member);
      this.onReplacementSettled(group, member, false);
      for (const a of group.activities) {
        if (
          a.statusCode === 'InProgress' &&
          (a.description === `Terminating EC2 instance: ${member.instanceId}` ||
            a.description === `Terminating EC2 instance from warm pool: ${member.instanceId}`)
        ) {
          a.statusCode = 'Successful';
          a.endTime = this.deps.clock.now();
        }
      }
      this.reconcile(group);
    }
  }

  private setState(group: AutoScalingGroup, member: GroupMember, state: AsgLifecycleState): void {
    if (member.lifecycleState === state) return;
    this.deps.recorder.event('asg', `${group.name}: ${member.instanceId} ${member.lifecycleState} → ${state}`);
    member.lifecycleState = state;
    if (state === 'InService') {
      for (const a of group.activities) {
        if (
          a.statusCode === 'InProgress' &&
          (a.description === `Launching a new EC2 instance: ${member.instanceId}` ||
            a.description === `Launching a new EC2 instance from warm pool: ${member.instanceId}`)
        ) {
          a.statusCode = 'Successful';
          a.endTime = this.deps.clock.now();
        }
      }
    }
  }

  private activity(group: AutoScalingGroup, description: string, cause: string, statusCode: ScalingActivity['statusCode']): ScalingActivity {
    const activity: ScalingActivity = { id: this.rng.uuid(), description, cause, startTime: this.deps.clock.now(), statusCode };
    if (statusCode !== 'InProgress') activity.endTime = activity.startTime;
    group.activities.unshift(activity);
    if (group.activities.length > 200) group.activities.length = 200;
    return activity;
  }

  private heartbeatMs(action: LifecycleAction): number {
    const hook = this.groups.get(action.groupName)?.hooks.find((h) => h.name === action.hookName);
    return (hook?.heartbeatTimeout ?? DEFAULT_HEARTBEAT_S) * 1000;
  }

  private findActive(ref: ActionRef): LifecycleAction | undefined {
    return this.matching(ref).find((a) => a.result === null);
  }

  private findAny(ref: ActionRef): LifecycleAction | undefined {
    return this.matching(ref).at(-1);
  }

  private matching(ref: ActionRef): LifecycleAction[] {
    return [...this.actions.values()].filter(
      (a) =>
        a.groupName === ref.groupName && a.hookName === ref.hookName && (ref.token !== undefined ? a.token === ref.token : a.instanceId === ref.instanceId),
    );
  }
}

function noActiveActionMessage(ref: ActionRef): string {
  return ref.token !== undefined
    ? `No active Lifecycle Action found with token ${ref.token}`
    : `No active Lifecycle Action found with instance ID ${ref.instanceId ?? ''}`;
}

function checkBounds(min: number, max: number, desired: number): void {
  if (min > max) throw validationError(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
  if (desired < min || desired > max) throw validationError(`Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
}

function makeHook(input: {
  name: string;
  transition: LifecycleTransition | undefined;
  heartbeatTimeout?: number | undefined;
  defaultResult?: LifecycleResultName | undefined;
  notificationMetadata?: string | undefined;
}): LifecycleHook {
  if (input.transition !== LAUNCHING && input.transition !== TERMINATING) {
    throw validationError(`Lifecycle Transition must be one of autoscaling:EC2_INSTANCE_LAUNCHING or autoscaling:EC2_INSTANCE_TERMINATING`);
  }
  const heartbeatTimeout = input.heartbeatTimeout ?? DEFAULT_HEARTBEAT_S;
  if (heartbeatTimeout < 30 || heartbeatTimeout > 7200) {
    throw validationError(`Heartbeat timeout must be between 30 and 7200 seconds`);
  }
  const hook: LifecycleHook = { name: input.name, transition: input.transition, heartbeatTimeout, defaultResult: input.defaultResult ?? 'ABANDON' };
  if (input.notificationMetadata !== undefined) hook.notificationMetadata = input.notificationMetadata;
  return hook;
}

function warmPoolOf(pool: Partial<WarmPool>): WarmPool {
  const minSize = pool.minSize ?? 0;
  if (minSize < 0) throw validationError('MinSize must be greater than or equal to 0');
  const poolState = pool.poolState ?? 'Stopped';
  const out: WarmPool = { minSize, poolState };
  if (pool.maxGroupPreparedCapacity !== undefined && pool.maxGroupPreparedCapacity >= 0) out.maxGroupPreparedCapacity = pool.maxGroupPreparedCapacity;
  return out;
}
