import type { NodeShell, WorldBus } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Faults } from '../core/faults.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import { AutoScalingModel, type ActionRef, type CreateGroupInput } from './asg-model.js';
import { AutoScalingService } from './autoscaling.js';
import { Ec2Service } from './ec2.js';
import { Ec2Model } from './ec2-model.js';
import { HealthModel, type InstanceMaintenanceEventType } from './health.js';
import { SsmService } from './ssm.js';
import { SsmModel } from './ssm-model.js';
import type {
  AutoScalingGroup,
  Ec2Image,
  Ec2Instance,
  LaunchTemplate,
  LaunchTemplateVersion,
  LifecycleAction,
  ParameterType,
  ScalingActivity,
  SsmCommand,
  SsmParameter,
  WarmPool,
} from './state.js';

export type { CreateGroupInput } from './asg-model.js';
export * from './state.js';

export interface AwsSimDeps {
  clock: SimClock;
  rng: Rng;
  faults: Faults;
  recorder: Recorder;
  bus: WorldBus;
  shell: NodeShell;
}

/** A launch template as scenarios describe it. */
export interface LaunchTemplateInput {
  name: string;
  imageId: string;
  instanceType?: string;
  /** Base64, as EC2 takes it. */
  userData?: string;
  tags?: Record<string, string>;
}

/** The direct, typed API of the simulated AWS, for scenarios and tests (no HTTP). */
export interface AwsSimApi {
  registerImage(input: {
    name: string;
    ownerId?: string;
    imageId?: string;
    description?: string;
    creationDate?: number;
    tags?: Record<string, string>;
    architecture?: string;
  }): Ec2Image;
  createLaunchTemplate(input: LaunchTemplateInput): LaunchTemplate;
  /** A new version: `sourceVersion`'s data (default `$Latest`) with the given fields overridden. */
  createLaunchTemplateVersion(input: {
    launchTemplateId?: string;
    launchTemplateName?: string;
    sourceVersion?: string;
    imageId?: string;
    instanceType?: string;
    userData?: string;
  }): LaunchTemplateVersion;
  setDefaultLaunchTemplateVersion(launchTemplateId: string, version: string): void;
  createAutoScalingGroup(input: CreateGroupInput): AutoScalingGroup;
  setDesiredCapacity(groupName: string, desired: number): void;
  updateAutoScalingGroup(groupName: string, update: Parameters<AutoScalingModel['updateGroup']>[1]): void;
  terminateInstance(instanceId: string, decrement: boolean): ScalingActivity;
  completeLifecycleAction(ref: ActionRef, result: 'CONTINUE' | 'ABANDON'): void;
  putParameter(name: string, value: string, type?: ParameterType, overwrite?: boolean): SsmParameter;
  group(name: string): AutoScalingGroup | undefined;
  groups(): AutoScalingGroup[];
  instance(instanceId: string): Ec2Instance | undefined;
  instances(): Ec2Instance[];
  /** Every lifecycle action so far; `activeOnly` for those still waiting. */
  lifecycleActions(activeOnly?: boolean): LifecycleAction[];
  commands(): SsmCommand[];
  /** Fault: stop (false) or start (true) the SSM agent of a node; a stopped one goes ConnectionLost and gets no commands. */
  setSsmAgentRunning(instanceId: string, running: boolean): void;
  parameter(name: string): SsmParameter | undefined;
  /** EC2's two-minute Spot interruption warning, then the reclaim (see Ec2Model.interruptSpot). */
  interruptSpot(instanceId: string): { reclaimAt: number };
  /** EC2's rebalance recommendation for a Spot Instance. */
  recommendRebalance(instanceId: string): void;
  /** AWS Health: instance retirement at `startTime` (epoch ms); returns the event ARN. */
  scheduleRetirement(instanceIds: string[], startTime: number, eventTypeCode?: InstanceMaintenanceEventType): string;
  /** PutWarmPool. */
  putWarmPool(groupName: string, pool: Partial<WarmPool>): void;
  /** Send the instance's current `EC2 Instance State-change Notification` again. */
  emitStateChange(instanceId: string): void;
}

export interface AwsSim {
  services: { autoscaling: AutoScalingService; ec2: Ec2Service; ssm: SsmService };
  api: AwsSimApi;
  models: { ec2: Ec2Model; autoscaling: AutoScalingModel; ssm: SsmModel };
}

/**
 * The simulated AWS of one simulation: EC2, Auto Scaling and Systems Manager
 * sharing one in-memory world, as HTTP services (serve them with
 * `serve()` from sim/core/http.ts) and as a direct API.
 */
export function createAwsSim(deps: AwsSimDeps): AwsSim {
  const rng = deps.rng.fork('aws');
  const ec2 = new Ec2Model({ clock: deps.clock, rng, bus: deps.bus, recorder: deps.recorder });
  const autoscaling = new AutoScalingModel({ clock: deps.clock, rng, bus: deps.bus, recorder: deps.recorder, ec2 });
  const ssm = new SsmModel({ clock: deps.clock, rng, recorder: deps.recorder, shell: deps.shell, instances: () => [...ec2.instances.values()] });
  const health = new HealthModel({ clock: deps.clock, rng, bus: deps.bus, recorder: deps.recorder, ec2 });

  const api: AwsSimApi = {
    registerImage: (input) => ec2.registerImage(input),
    createLaunchTemplate: (input) => {
      const data: { imageId: string; instanceType?: string; userData?: string } = { imageId: input.imageId };
      if (input.instanceType !== undefined) data.instanceType = input.instanceType;
      if (input.userData !== undefined) data.userData = input.userData;
      return ec2.createLaunchTemplate({ name: input.name, data, ...(input.tags ? { tags: input.tags } : {}) });
    },
    createLaunchTemplateVersion: (input) => {
      const template = ec2.findTemplate({ id: input.launchTemplateId, name: input.launchTemplateName });
      const data: { imageId?: string; instanceType?: string; userData?: string } = {};
      if (input.imageId !== undefined) data.imageId = input.imageId;
      if (input.instanceType !== undefined) data.instanceType = input.instanceType;
      if (input.userData !== undefined) data.userData = input.userData;
      return ec2.createLaunchTemplateVersion({ template, sourceVersion: input.sourceVersion ?? '$Latest', data });
    },
    setDefaultLaunchTemplateVersion: (id, version) => ec2.setDefaultVersion(ec2.findTemplate({ id }), version),
    createAutoScalingGroup: (input) => autoscaling.createGroup(input),
    setDesiredCapacity: (name, desired) => autoscaling.setDesiredCapacity(name, desired),
    updateAutoScalingGroup: (name, update) => autoscaling.updateGroup(name, update),
    terminateInstance: (id, decrement) => autoscaling.terminateInstance(id, decrement),
    completeLifecycleAction: (ref, result) => autoscaling.completeAction(ref, result),
    putParameter: (name, value, type = 'String', overwrite = true) => ssm.putParameter({ name, value, type, overwrite }),
    group: (name) => autoscaling.groups.get(name),
    groups: () => [...autoscaling.groups.values()],
    instance: (id) => ec2.instances.get(id),
    instances: () => [...ec2.instances.values()],
    setSsmAgentRunning: (instanceId, running) => ssm.setAgentRunning(instanceId, running),
    lifecycleActions: (activeOnly = false) => (activeOnly ? autoscaling.activeActions() : [...autoscaling.actions.values()]),
    commands: () => [...ssm.commands.values()],
    parameter: (name) => ssm.parameters.get(name),
    interruptSpot: (instanceId) => ec2.interruptSpot(instanceId),
    recommendRebalance: (instanceId) => ec2.recommendRebalance(instanceId),
    scheduleRetirement: (ids, startTime, code) => health.scheduleRetirement(ids, startTime, code),
    putWarmPool: (groupName, pool) => autoscaling.putWarmPool(groupName, pool),
    emitStateChange: (instanceId) => {
      const instance = ec2.instance(instanceId);
      deps.bus.emit('aws.event', {
        source: 'aws.ec2',
        detailType: 'EC2 Instance State-change Notification',
        detail: { 'instance-id': instance.instanceId, state: instance.state },
        resources: [ec2.instanceArn(instance.instanceId)],
      });
    },
  };

  return {
    services: {
      autoscaling: new AutoScalingService(autoscaling, rng),
      ec2: new Ec2Service(ec2, rng),
      ssm: new SsmService(ssm, rng),
    },
    api,
    models: { ec2, autoscaling, ssm },
  };
}
