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
import { unwired } from '../unwired.js';

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

/** What a step's handler wires: the AWS wrappers and cluster clients its code calls. */
export type UpgradeWiring = Partial<Pick<UpgradeDeps, 'autoscaling' | 'ec2' | 'sfn' | 'ssm' | 'cloudwatch' | 'events' | 'nomad'>>;

/**
 * The production dependencies of one step: only what its handler passes is
 * wired, so the bundle of a step that never calls EC2 carries no EC2 client
 * (the step's IAM statements in serverless.yml list the same services).
 * Reaching anything else throws, naming it.
 */
export function upgradeDeps(wired: UpgradeWiring): UpgradeDeps {
  return {
    config: getConfig(),
    autoscaling: wired.autoscaling ?? unwired<UpgradeDeps['autoscaling']>('autoscaling'),
    ec2: wired.ec2 ?? unwired<UpgradeDeps['ec2']>('ec2'),
    sfn: wired.sfn ?? unwired<UpgradeDeps['sfn']>('sfn'),
    ssm: wired.ssm ?? unwired<UpgradeDeps['ssm']>('ssm'),
    cloudwatch: wired.cloudwatch ?? unwired<UpgradeDeps['cloudwatch']>('cloudwatch'),
    events: wired.events ?? unwired<UpgradeDeps['events']>('events'),
    nomad: wired.nomad ?? ((): ReturnType<UpgradeDeps['nomad']> => unwired<ReturnType<UpgradeDeps['nomad']>>('nomad')),
    now,
  };
}

/** The Nomad client of this container, for the steps that wire it. */
export const clusterNomad = (): ReturnType<UpgradeDeps['nomad']> => clusterClients().nomad;

/** Every dependency (Validate, and the cluster upgrade's dispatcher). No I/O until used. */
export function defaultUpgradeDeps(): UpgradeDeps {
  return upgradeDeps({ autoscaling, ec2, sfn, ssm, cloudwatch, events, nomad: clusterNomad });
}
