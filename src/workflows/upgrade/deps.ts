/**
 * What the upgrade logic talks to, as interfaces: production wires the real
 * wrappers, per step ({@link upgradeDeps}); tests may pass fakes.
 */
import { activeInstanceRefreshes, describeGroup, describeGroupsByClusterTag } from '../../aws/autoscaling.js';
import type * as autoscaling from '../../aws/autoscaling.js';
import { describeAlarms } from '../../aws/cloudwatch.js';
import type * as cloudwatch from '../../aws/cloudwatch.js';
import { describeImages, describeLaunchTemplateVersions, instanceTypeArchitectures } from '../../aws/ec2.js';
import type * as ec2 from '../../aws/ec2.js';
import type * as events from '../../aws/events.js';
import { describeExecution } from '../../aws/sfn.js';
import type * as sfn from '../../aws/sfn.js';
import { readParameter } from '../../aws/ssm.js';
import type * as ssm from '../../aws/ssm.js';
import { getConfig, type Config } from '../../config/index.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import { now } from '../../time/clock.js';
import { type StepWiring, unwired, wiredOnly } from '../unwired.js';

export interface UpgradeDeps {
  config: Pick<
    Config,
    | 'clusterName'
    | 'drainDeadlineMs'
    | 'joinTimeoutMs'
    | 'serverReplaceStateMachineArn'
    | 'amiFilter'
    | 'amiAllowedIds'
    | 'upgradeAlarms'
    | 'upgradeBakeTimeMs'
    | 'upgradeHealthTimeoutMs'
  >;
  autoscaling: Pick<
    typeof autoscaling,
    'describeGroup' | 'describeGroupsByClusterTag' | 'activeInstanceRefreshes' | 'setDesiredCapacity' | 'terminateInstance'
  >;
  ec2: Pick<
    typeof ec2,
    'describeImages' | 'describeLaunchTemplateVersions' | 'instanceTypeArchitectures' | 'createLaunchTemplateVersion' | 'setDefaultLaunchTemplateVersion'
  >;
  sfn: Pick<typeof sfn, 'describeExecution' | 'startExecution'>;
  /** The alarms that gate the rollout (gates.ts). */
  cloudwatch: Pick<typeof cloudwatch, 'describeAlarms'>;
  /** Milestone events (milestones.ts). */
  events: Pick<typeof events, 'putEvent'>;
  /** The upgrade lock (lock.ts). */
  ssm: Pick<typeof ssm, 'createParameterIfAbsent' | 'overwriteParameter' | 'readParameter' | 'deleteParameter'>;
  /** The Nomad client, created on first use (Validate never needs it). */
  nomad: () => Pick<NomadClient, 'findNodeByInstanceId' | 'getNode' | 'setEligibility' | 'drainNode' | 'cancelDrain' | 'nodeAllocations' | 'deployments'>;
  now: () => number;
}

/** The AWS wrappers a step wires operation by operation. */
type UpgradeClients = 'autoscaling' | 'ec2' | 'sfn' | 'ssm' | 'cloudwatch' | 'events';

/** What a step's handler wires: the AWS operations and cluster clients its code calls. */
export type UpgradeWiring = StepWiring<UpgradeDeps, UpgradeClients> & Partial<Pick<UpgradeDeps, 'nomad'>>;

/**
 * The production dependencies of one step: only the operations its handler
 * passes are wired, so the bundle of a step that never calls EC2 carries no
 * EC2 client, and one that only describes images none of the launch template
 * schemas (the step's IAM statements in serverless.yml grant the same
 * actions). Reaching anything else throws, naming it.
 */
export function upgradeDeps(wired: UpgradeWiring): UpgradeDeps {
  return {
    config: getConfig(),
    autoscaling: wiredOnly('autoscaling', wired.autoscaling),
    ec2: wiredOnly('ec2', wired.ec2),
    sfn: wiredOnly('sfn', wired.sfn),
    ssm: wiredOnly('ssm', wired.ssm),
    cloudwatch: wiredOnly('cloudwatch', wired.cloudwatch),
    events: wiredOnly('events', wired.events),
    nomad: wired.nomad ?? ((): ReturnType<UpgradeDeps['nomad']> => unwired<ReturnType<UpgradeDeps['nomad']>>('nomad')),
    now,
  };
}

/**
 * What planning an upgrade reads (Validate of a pool upgrade and of a cluster
 * upgrade): the groups and their instance refreshes, images, instance types,
 * launch template versions, the gating alarms, and the upgrade lock with its
 * holder's execution. No writes, no cluster API.
 */
export const planReads = {
  autoscaling: { describeGroup, describeGroupsByClusterTag, activeInstanceRefreshes },
  ec2: { describeImages, instanceTypeArchitectures, describeLaunchTemplateVersions },
  cloudwatch: { describeAlarms },
  ssm: { readParameter },
  sfn: { describeExecution },
} as const satisfies UpgradeWiring;
