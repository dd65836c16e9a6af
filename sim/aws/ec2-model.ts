import type { WorldBus } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import { AwsApiError } from './errors.js';
import { checkIdShape, isXmlString, TAG_VALUE_PATTERN } from './identifiers.js';
import { architectureMismatch, supportedArchitectures } from './instance-types.js';
import {
  SIM_ACCOUNT,
  SIM_REGION,
  type Ec2Image,
  type Ec2Instance,
  type Ec2StateName,
  type LaunchTemplate,
  type LaunchTemplateData,
  type LaunchTemplateVersion,
} from './state.js';

export interface Ec2Deps {
  clock: SimClock;
  rng: Rng;
  bus: WorldBus;
  recorder: Recorder;
}

/** What a launch asks EC2 for. */
export interface LaunchRequest {
  template: LaunchTemplate;
  version: LaunchTemplateVersion;
  availabilityZone: string;
  tags: Record<string, string>;
  asgName?: string;
  /** Launch as a Spot Instance. */
  spot?: boolean;
  /** The Auto Scaling lifecycle state the instance is launched towards (instance metadata). */
  targetLifecycleState?: string;
}

/** Sim seconds an instance stays `pending` before it runs (uniform, seeded). */
const BOOT_SECONDS = { min: 10, max: 20 } as const;
/** Sim seconds between `shutting-down` and `terminated`. */
const SHUTDOWN_SECONDS = { min: 3, max: 8 } as const;
/** Stopping (or hibernating) takes this long; starting a stopped instance takes BOOT_SECONDS like a launch. */
const STOP_SECONDS = { min: 5, max: 15 } as const;
/**
 * EC2 emits the Spot Instance interruption warning two minutes before it
 * interrupts the instance (EC2 User Guide, "Spot Instance interruption notices").
 */
export const SPOT_INTERRUPTION_NOTICE_MS = 120_000;

/** Why EC2 tells the instance's owner something: a Spot interruption warning or a rebalance recommendation. */
export type SpotSignal = 'interruption' | 'rebalance';

/**
 * The simulated EC2: images, launch templates and instances, with the state
 * machine pending → running → shutting-down → terminated driven by the sim
 * clock. Every state change is put on the bus as EventBridge's
 * `EC2 Instance State-change Notification`.
 */
export class Ec2Model {
  readonly images = new Map<string, Ec2Image>();
  readonly templates = new Map<string, LaunchTemplate>();
  readonly instances = new Map<string, Ec2Instance>();
  private readonly rng: Rng;
  private launches = 0;
  private readonly addressesPerAz = new Map<string, number>();
  private readonly stateListeners: Array<(instance: Ec2Instance, previous: Ec2StateName | null) => void> = [];
  private readonly bootTimers = new Map<string, { cancel(): void }>();
  private readonly spotListeners: Array<(instance: Ec2Instance, signal: SpotSignal) => void> = [];

  constructor(private readonly deps: Ec2Deps) {
    this.rng = deps.rng.fork('ec2');
  }

  /** Follow every EC2 state change (Auto Scaling reacts to them). */
  onStateChange(listener: (instance: Ec2Instance, previous: Ec2StateName | null) => void): void {
    this.stateListeners.push(listener);
  }

  /** Register an AMI (available at once). */
  registerImage(input: {
    name: string;
    ownerId?: string;
    imageId?: string;
    description?: string;
    creationDate?: number;
    tags?: Record<string, string>;
    architecture?: string;
  }): Ec2Image {
    const image: Ec2Image = {
      imageId: input.imageId ?? `ami-${this.rng.hex(17)}`,
      name: input.name,
      // 'self' is how callers (and DescribeImages Owners) name this account.
      ownerId: input.ownerId === undefined || input.ownerId === 'self' ? SIM_ACCOUNT : input.ownerId,
      architecture: input.architecture ?? 'x86_64',
      creationDate: input.creationDate ?? this.deps.clock.now(),
      state: 'available',
      tags: { ...(input.tags ?? {}) },
    };
    if (input.description !== undefined) image.description = input.description;
    this.images.set(image.imageId, image);
    this.deps.recorder.event('ec2', `image ${image.imageId} registered (${image.name})`);
    return image;
  }

  /** Create a launch template with version 1 as its default. */
  createLaunchTemplate(input: { name: string; data: LaunchTemplateData; description?: string; tags?: Record<string, string> }): LaunchTemplate {
    if ([...this.templates.values()].some((t) => t.name === input.name)) {
      throw new AwsApiError('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
    }
    this.checkImage(input.data.imageId);
    const now = this.deps.clock.now();
    const version: LaunchTemplateVersion = { versionNumber: 1, createTime: now, data: { ...input.data } };
    if (input.description !== undefined) version.description = input.description;
    const template: LaunchTemplate = {
      id: `lt-${this.rng.hex(17)}`,
      name: input.name,
      createTime: now,
      defaultVersion: 1,
      latestVersion: 1,
      versions: [version],
      tags: { ...(input.tags ?? {}) },
    };
    this.templates.set(template.id, template);
    this.deps.recorder.event('ec2', `launch template ${template.name} (${template.id}) created`);
    return template;
  }

  /** Add a version: the source version's data (default: the default version) overridden by `data`. */
  createLaunchTemplateVersion(input: {
    template: LaunchTemplate;
    sourceVersion?: string;
    data: LaunchTemplateData;
    description?: string;
  }): LaunchTemplateVersion {
    const source = input.sourceVersion === undefined ? undefined : this.resolveVersion(input.template, input.sourceVersion);
    const data: LaunchTemplateData = { ...(source?.data ?? {}), ...definedOnly(input.data) };
    this.checkImage(data.imageId);
    const version: LaunchTemplateVersion = { versionNumber: input.template.latestVersion + 1, createTime: this.deps.clock.now(), data };
    if (input.description !== undefined) version.description = input.description;
    input.template.versions.push(version);
    input.template.latestVersion = version.versionNumber;
    this.deps.recorder.event('ec2', `launch template ${input.template.name} version ${version.versionNumber} created (image ${data.imageId ?? 'none'})`);
    return version;
  }

  /** Make `version` the template's default. */
  setDefaultVersion(template: LaunchTemplate, version: string): void {
    const v = this.resolveVersion(template, version);
    template.defaultVersion = v.versionNumber;
    this.deps.recorder.event('ec2', `launch template ${template.name} default version is now ${v.versionNumber}`);
  }

  /** A template by id or name; EC2's NotFound errors otherwise. */
  findTemplate(ref: { id?: string | undefined; name?: string | undefined }): LaunchTemplate {
    if (ref.id !== undefined) {
      checkIdShape('launch-template', ref.id);
      const t = this.templates.get(ref.id);
      if (!t) throw new AwsApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${ref.id}, does not exist.`);
      return t;
    }
    if (ref.name !== undefined) {
      const t = [...this.templates.values()].find((x) => x.name === ref.name);
      if (!t)
        throw new AwsApiError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${ref.name}, does not exist.`);
      return t;
    }
    throw new AwsApiError('MissingParameter', 'The request must contain the parameter LaunchTemplateName or LaunchTemplateId');
  }

  /** Resolve `$Latest`, `$Default` or a version number. */
  resolveVersion(template: LaunchTemplate, spec: string): LaunchTemplateVersion {
    const number = spec === '$Latest' ? template.latestVersion : spec === '$Default' ? template.defaultVersion : Number(spec);
    const version = template.versions.find((v) => v.versionNumber === number);
    if (!version) {
      throw new AwsApiError(
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${spec} for launch template with ID ${template.id}.`,
      );
    }
    return version;
  }

  /** An instance by id, or EC2's `InvalidInstanceID.NotFound`. */
  instance(instanceId: string): Ec2Instance {
    checkIdShape('instance', instanceId);
    const i = this.instances.get(instanceId);
    if (!i) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    return i;
  }

  /** Launch one instance: `pending` now, `running` after a seeded 10–20 s. */
  launch(request: LaunchRequest): Ec2Instance {
    const instance = this.launchQuietly(request);
    this.deps.recorder.event(
      'ec2',
      `${instance.instanceId} launched (${instance.privateDnsName}, ${instance.availabilityZone}, ${instance.imageId}, #${instance.ordinal})`,
    );
    this.changeState(instance, 'pending', null);
    this.scheduleRunning(instance);
    return instance;
  }

  private scheduleRunning(instance: Ec2Instance): void {
    const bootMs = this.rng.int(BOOT_SECONDS.min * 1000, BOOT_SECONDS.max * 1000);
    this.bootTimers.set(
      instance.instanceId,
      this.deps.clock.schedule(
        bootMs,
        () => {
          this.bootTimers.delete(instance.instanceId);
          if (instance.state !== 'pending') return;
          this.changeState(instance, 'running', 'pending');
          this.deps.bus.emit('instance.running', instance);
        },
        `ec2:boot:${instance.instanceId}`,
      ),
    );
  }

  /**
   * Create an instance that is already running (the cluster that exists at
   * t0): no pending phase, no state-change event.
   */
  adoptRunning(request: LaunchRequest): Ec2Instance {
    const instance = this.launchQuietly(request);
    instance.state = 'running';
    this.deps.bus.emit('instance.running', instance);
    return instance;
  }

  /** Auto Scaling listens to the Spot signals EC2 sends it (Capacity Rebalancing). */
  onSpotSignal(listener: (instance: Ec2Instance, signal: SpotSignal) => void): void {
    this.spotListeners.push(listener);
  }

  /**
   * EC2 reclaims a Spot Instance: the `EC2 Spot Instance Interruption Warning`
   * event (detail `instance-id`, `instance-action` terminate | stop |
   * hibernate), then two minutes later the interruption itself, whatever
   * anyone did meanwhile (EC2 User Guide, "Spot Instance interruption notices").
   * Only `terminate` is modelled.
   */
  interruptSpot(instanceId: string): { reclaimAt: number } {
    const instance = this.spotInstance(instanceId);
    this.deps.recorder.event('ec2', `${instanceId}: Spot interruption warning (terminate in ${SPOT_INTERRUPTION_NOTICE_MS / 1000}s)`);
    this.deps.bus.emit('aws.event', {
      source: 'aws.ec2',
      detailType: 'EC2 Spot Instance Interruption Warning',
      detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
      resources: [this.instanceArn(instanceId)],
    });
    for (const l of this.spotListeners) l(instance, 'interruption');
    const reclaimAt = this.deps.clock.now() + SPOT_INTERRUPTION_NOTICE_MS;
    this.deps.clock.scheduleAt(
      reclaimAt,
      () => {
        if (instance.state === 'shutting-down' || instance.state === 'terminated') return;
        this.deps.recorder.event('ec2', `${instanceId}: Spot Instance interrupted (reclaimed by EC2)`);
        this.terminate(instanceId);
      },
      `ec2:spot-reclaim:${instanceId}`,
    );
    return { reclaimAt };
  }

  /**
   * `EC2 Instance Rebalance Recommendation` (detail `instance-id` only): a Spot
   * Instance is at elevated risk of interruption; nothing happens to it by
   * itself (EC2 User Guide, "EC2 instance rebalance recommendations").
   */
  recommendRebalance(instanceId: string): void {
    const instance = this.spotInstance(instanceId);
    this.deps.recorder.event('ec2', `${instanceId}: rebalance recommendation`);
    this.deps.bus.emit('aws.event', {
      source: 'aws.ec2',
      detailType: 'EC2 Instance Rebalance Recommendation',
      detail: { 'instance-id': instanceId },
      resources: [this.instanceArn(instanceId)],
    });
    for (const l of this.spotListeners) l(instance, 'rebalance');
  }

  /** StopInstances: `stopping` now, `stopped` a few sim seconds later (EBS root: the disk stays). */
  stop(instanceId: string): Ec2Instance {
    const instance = this.instance(instanceId);
    if (instance.state !== 'running')
      throw new AwsApiError('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which it can be stopped.`);
    this.changeState(instance, 'stopping', 'running');
    this.deps.bus.emit('instance.stopping', instance);
    this.deps.clock.schedule(
      this.rng.int(STOP_SECONDS.min * 1000, STOP_SECONDS.max * 1000),
      () => {
        if (instance.state === 'stopping') this.changeState(instance, 'stopped', 'stopping');
      },
      `ec2:stop:${instanceId}`,
    );
    return instance;
  }

  /** StartInstances on a stopped instance: `pending`, then `running` as after a launch. */
  start(instanceId: string): Ec2Instance {
    const instance = this.instance(instanceId);
    if (instance.state !== 'stopped')
      throw new AwsApiError('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which it can be started.`);
    this.changeState(instance, 'pending', 'stopped');
    this.scheduleRunning(instance);
    return instance;
  }

  private spotInstance(instanceId: string): Ec2Instance {
    const instance = this.instance(instanceId);
    if (instance.instanceLifecycle !== 'spot') throw new Error(`${instanceId} is not a Spot Instance: EC2 sends Spot signals to Spot Instances only`);
    if (instance.state !== 'running') throw new Error(`${instanceId} is ${instance.state}, not running`);
    return instance;
  }

  /** Begin terminating: `shutting-down` now, `terminated` a few sim seconds later. */
  terminate(instanceId: string): Ec2Instance {
    const instance = this.instance(instanceId);
    if (instance.state === 'shutting-down' || instance.state === 'terminated') return instance;
    this.bootTimers.get(instanceId)?.cancel();
    this.bootTimers.delete(instanceId);
    const previous = instance.state;
    this.changeState(instance, 'shutting-down', previous);
    this.deps.bus.emit('instance.shutting-down', instance);
    const shutdownMs = this.rng.int(SHUTDOWN_SECONDS.min * 1000, SHUTDOWN_SECONDS.max * 1000);
    this.deps.clock.schedule(
      shutdownMs,
      () => {
        this.changeState(instance, 'terminated', 'shutting-down');
        this.deps.bus.emit('instance.terminated', instance);
      },
      `ec2:terminate:${instanceId}`,
    );
    return instance;
  }

  /** Set tags on instances, images or launch templates. */
  createTags(resourceIds: string[], tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) {
      if (!isXmlString(key) || !isXmlString(value))
        throw new AwsApiError(
          'InvalidParameterValue',
          `Tag ${isXmlString(key) ? 'value' : 'key'} contains characters that are not allowed (${TAG_VALUE_PATTERN})`,
        );
    }
    for (const id of resourceIds) Object.assign(this.taggable(id), tags);
  }

  /** Remove tags; a tag given with a value is removed only when the value matches. */
  deleteTags(resourceIds: string[], tags: Array<{ key: string; value?: string | undefined }>): void {
    for (const id of resourceIds) {
      const target = this.taggable(id);
      for (const t of tags) if (t.value === undefined || target[t.key] === t.value) delete target[t.key];
    }
  }

  /** The ARN of an instance, as events carry it. */
  instanceArn(instanceId: string): string {
    return `arn:aws:ec2:${SIM_REGION}:${SIM_ACCOUNT}:instance/${instanceId}`;
  }

  private launchQuietly(request: LaunchRequest): Ec2Instance {
    const imageId = request.version.data.imageId;
    if (imageId === undefined || !this.images.has(imageId)) {
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${imageId ?? ''}]' does not exist`);
    }
    const instanceType = request.version.data.instanceType ?? 't3.micro';
    if (supportedArchitectures(instanceType) === undefined) throw new AwsApiError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
    const mismatch = architectureMismatch(instanceType, (this.images.get(imageId) as Ec2Image).architecture);
    if (mismatch !== undefined) throw new AwsApiError('InvalidParameterValue', mismatch);
    const privateIp = this.allocateAddress(request.availabilityZone);
    const instance: Ec2Instance = {
      instanceId: `i-${this.rng.hex(17)}`,
      ordinal: ++this.launches,
      imageId,
      instanceType,
      availabilityZone: request.availabilityZone,
      privateIp,
      privateDnsName: `ip-${privateIp.replaceAll('.', '-')}.ec2.internal`,
      launchTime: this.deps.clock.now(),
      tags: { ...request.tags },
      state: 'pending',
      launchTemplate: { id: request.template.id, name: request.template.name, version: request.version.versionNumber },
    };
    if (request.asgName !== undefined) instance.asgName = request.asgName;
    if (request.spot) instance.instanceLifecycle = 'spot';
    if (request.targetLifecycleState !== undefined) instance.targetLifecycleState = request.targetLifecycleState;
    this.instances.set(instance.instanceId, instance);
    return instance;
  }

  private taggable(resourceId: string): Record<string, string> {
    const target = this.instances.get(resourceId)?.tags ?? this.images.get(resourceId)?.tags ?? this.templates.get(resourceId)?.tags;
    if (target) return target;
    if (resourceId.startsWith('i-')) checkIdShape('instance', resourceId);
    if (resourceId.startsWith('ami-')) checkIdShape('image', resourceId);
    if (resourceId.startsWith('i-')) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${resourceId}' does not exist`);
    if (resourceId.startsWith('ami-')) throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${resourceId}]' does not exist`);
    throw new AwsApiError('InvalidID', `The ID '${resourceId}' is not valid`);
  }

  private checkImage(imageId: string | undefined): void {
    if (imageId !== undefined) checkIdShape('image', imageId);
    if (imageId !== undefined && !this.images.has(imageId)) {
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
    }
  }

  private changeState(instance: Ec2Instance, state: Ec2StateName, previous: Ec2StateName | null): void {
    instance.state = state;
    if (previous !== null) this.deps.recorder.event('ec2', `${instance.instanceId} ${previous} → ${state}`);
    this.deps.bus.emit('aws.event', {
      source: 'aws.ec2',
      detailType: 'EC2 Instance State-change Notification',
      detail: { 'instance-id': instance.instanceId, state },
      resources: [this.instanceArn(instance.instanceId)],
    });
    for (const l of this.stateListeners) l(instance, previous);
  }

  /** 10.0.<subnet>.<host>: one /24 per AZ (more once it fills), hosts from .10. */
  private allocateAddress(availabilityZone: string): string {
    const azIndex = Math.max(0, availabilityZone.charCodeAt(availabilityZone.length - 1) - 'a'.charCodeAt(0));
    const n = this.addressesPerAz.get(availabilityZone) ?? 0;
    this.addressesPerAz.set(availabilityZone, n + 1);
    return `10.0.${azIndex * 16 + 1 + Math.floor(n / 240)}.${10 + (n % 240)}`;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
