import type { SimInstance } from '../core/bus.js';

/** The account and region every simulated resource lives in. */
export const SIM_ACCOUNT = '000000000000';
export const SIM_REGION = 'us-east-1';

/** An AMI. */
export interface Ec2Image {
  imageId: string;
  name: string;
  ownerId: string;
  description?: string;
  architecture: string;
  creationDate: number;
  state: 'available' | 'pending' | 'deregistered';
  tags: Record<string, string>;
}

/** What a launch template version launches. */
export interface LaunchTemplateData {
  imageId?: string;
  instanceType?: string;
  /** Base64, as EC2 stores it. */
  userData?: string;
}

export interface LaunchTemplateVersion {
  versionNumber: number;
  description?: string;
  createTime: number;
  data: LaunchTemplateData;
}

export interface LaunchTemplate {
  id: string;
  name: string;
  createTime: number;
  defaultVersion: number;
  latestVersion: number;
  versions: LaunchTemplateVersion[];
  tags: Record<string, string>;
}

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's instance state codes. */
export const EC2_STATE_CODES: Record<Ec2StateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

/** An EC2 instance: what the rest of the simulation sees, plus EC2's own state. */
export interface Ec2Instance extends SimInstance {
  state: Ec2StateName;
  launchTemplate?: { id: string; name: string; version: number };
  /** `spot` for a Spot Instance (DescribeInstances InstanceLifecycle); absent for On-Demand. */
  instanceLifecycle?: 'spot';
}

export type LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';
export type LifecycleResultName = 'CONTINUE' | 'ABANDON';

export interface LifecycleHook {
  name: string;
  transition: LifecycleTransition;
  /** Seconds. */
  heartbeatTimeout: number;
  defaultResult: LifecycleResultName;
  notificationMetadata?: string;
}

/** Auto Scaling's lifecycle states of a group member. */
export type AsgLifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated'
  | 'Warmed:Pending'
  | 'Warmed:Pending:Wait'
  | 'Warmed:Pending:Proceed'
  | 'Warmed:Stopped'
  | 'Warmed:Running'
  | 'Warmed:Hibernated'
  | 'Warmed:Terminating'
  | 'Warmed:Terminating:Wait'
  | 'Warmed:Terminating:Proceed'
  | 'Warmed:Terminated';

/** Where a lifecycle action's instance comes from and goes to (the event's `Origin`/`Destination`). */
export type LifecycleEndpoint = 'EC2' | 'AutoScalingGroup' | 'WarmPool';

/** PutWarmPool's configuration. */
export interface WarmPool {
  minSize: number;
  /** Absent: the group's MaxSize is the limit. */
  maxGroupPreparedCapacity?: number;
  poolState: 'Stopped' | 'Running' | 'Hibernated';
}

export interface GroupMember {
  instanceId: string;
  lifecycleState: AsgLifecycleState;
  availabilityZone: string;
  instanceType: string;
  launchTemplate: { id: string; name: string; version: number };
  launchTime: number;
  /** Set while the instance comes out of the warm pool into the group (its launch action's Origin is WarmPool). */
  fromWarmPool?: boolean;
  /** Capacity Rebalancing: the replacement launched for this instance after its rebalance recommendation. */
  replacedBy?: string;
}

/** A group's launch template reference; version is `$Latest`, `$Default` or a number. */
export interface GroupLaunchTemplate {
  id: string;
  name: string;
  version: string;
}

export interface GroupTag {
  key: string;
  value: string;
  propagateAtLaunch: boolean;
}

export interface InstanceRefresh {
  id: string;
  status: 'Pending' | 'InProgress' | 'Cancelling' | 'Cancelled';
  startTime: number;
  endTime?: number;
}

export interface ScalingActivity {
  id: string;
  description: string;
  cause: string;
  startTime: number;
  endTime?: number;
  statusCode: 'InProgress' | 'Successful' | 'Cancelled' | 'Failed';
}

export interface AutoScalingGroup {
  name: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate: GroupLaunchTemplate;
  availabilityZones: string[];
  tags: GroupTag[];
  hooks: LifecycleHook[];
  /** Members in launch order, until they are Terminated. */
  members: GroupMember[];
  createdTime: number;
  /** Next AZ index for round-robin placement. */
  nextAz: number;
  refreshes: InstanceRefresh[];
  activities: ScalingActivity[];
  /** CapacityRebalance of the group. */
  capacityRebalance: boolean;
  /** The group launches Spot Instances (a mixed instances policy with 100 % Spot, simplified to this flag). */
  spot: boolean;
  warmPool?: WarmPool;
}

/** One lifecycle action: one hook firing for one instance. */
export interface LifecycleAction {
  token: string;
  instanceId: string;
  groupName: string;
  hookName: string;
  transition: LifecycleTransition;
  startedAt: number;
  /** Sim time at which the heartbeat timeout expires. */
  expiresAt: number;
  /** Sim time past which no heartbeat extends it (min(100 x heartbeat, 48 h)). */
  globalDeadline: number;
  result: LifecycleResultName | null;
  expired: boolean;
  origin: LifecycleEndpoint;
  destination: LifecycleEndpoint;
}

export type ParameterType = 'String' | 'StringList' | 'SecureString';

export interface SsmParameter {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  lastModified: number;
  description?: string;
}

export type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

export interface CommandInvocation {
  commandId: string;
  instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  requestedAt: number;
  /** When SSM has registered the invocation: before it, Get/ListCommandInvocations do not know it. */
  visibleAt: number;
  startedAt?: number;
  endedAt?: number;
  stdout: string;
  stderr: string;
}

export interface SsmCommand {
  commandId: string;
  documentName: string;
  comment?: string;
  instanceIds: string[];
  commands: string[];
  /** Seconds. */
  timeoutSeconds: number;
  executionTimeoutSeconds: number;
  requestedAt: number;
  invocations: Map<string, CommandInvocation>;
}
