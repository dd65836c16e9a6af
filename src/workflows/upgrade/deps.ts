/**
 * What the upgrade logic talks to, as interfaces: production wires the real
 * wrappers ({@link defaultUpgradeDeps}); tests may pass fakes.
 */
import * as autoscaling from '../../aws/autoscaling.js';
import * as cloudwatch from '../../aws/cloudwatch.js';
import * as ec2 from '../../aws/ec2.js';
import * as events from '../../aws/events.js';
import * as sfn from '../../aws/sfn.js';
import * as ssm from '../../aws/ssm.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients } from '../../hashicorp/clients.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import { now } from '../../time/clock.js';

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
  nomad: () => Pick<NomadClient, 'findNodeByInstanceId' | 'getNode' | 'setEligibility' | 'drainNode' | 'cancelDrain' | 'nodeAllocations'>;
  now: () => number;
}

/** The production dependencies (no I/O until used). */
export function defaultUpgradeDeps(): UpgradeDeps {
  return { config: getConfig(), autoscaling, ec2, sfn, ssm, cloudwatch, events, nomad: () => clusterClients().nomad, now };
}
