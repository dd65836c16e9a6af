/**
 * What the join logic talks to, as interfaces: production wires the real
 * wrappers, per step ({@link joinDeps}); unit tests pass fakes.
 */
import type * as autoscaling from '../../aws/autoscaling.js';
import type * as ec2 from '../../aws/ec2.js';
import type * as ssm from '../../aws/ssm.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients, type EndpointsOf, type TokenService } from '../../hashicorp/clients.js';
import * as consul from '../../hashicorp/consul/client.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import * as vault from '../../hashicorp/vault/client.js';
import { PERMISSION_ENDPOINTS, type PermissionClients } from '../../hashicorp/permissions.js';
import type { ConsulClient } from '../../hashicorp/consul/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import type { VaultClient } from '../../hashicorp/vault/client.js';
import { now } from '../../time/clock.js';
import { JOIN_READ_ENDPOINTS, joinReads, type JoinReads } from './reads.js';
import { sharedPreflight } from '../drain/deps.js';
import type { Preflight } from '../preflight.js';
import { type StepWiring, wiredOnly } from '../unwired.js';

export interface JoinDeps {
  config: Pick<Config, 'clusterName' | 'joinTimeoutMs' | 'joinMode' | 'vaultEnabled' | 'vaultNodeId'>;
  nomad: Pick<NomadClient, 'raftConfiguration' | 'autopilotHealth'>;
  consul: Pick<ConsulClient, 'members' | 'raftConfiguration' | 'autopilotHealth'>;
  vault: Pick<VaultClient, 'autopilotState'>;
  reads: JoinReads;
  /** What the ACL tokens lack for a workflow (checked at Prepare). */
  preflight: Preflight;
  autoscaling: Pick<typeof autoscaling, 'describeLifecycleHooks' | 'recordLifecycleActionHeartbeat' | 'describeAutoScalingInstance'>;
  ec2: Pick<typeof ec2, 'describeInstance' | 'createTags'>;
  ssm: Pick<typeof ssm, 'runShellScript' | 'waitForCommand'>;
  now: () => number;
}

/** What a join step's handler wires: the AWS operations its code calls (its IAM statements grant the same). */
export type JoinWiring = StepWiring<JoinDeps, 'autoscaling' | 'ec2' | 'ssm'>;

/** The cluster endpoints of {@link JoinDeps} (its reads and preflight included). */
const JOIN_ENDPOINTS = {
  nomad: { ...PERMISSION_ENDPOINTS.nomad, ...JOIN_READ_ENDPOINTS.nomad, raftConfiguration: nomad.raftConfiguration, autopilotHealth: nomad.autopilotHealth },
  consul: {
    ...PERMISSION_ENDPOINTS.consul,
    ...JOIN_READ_ENDPOINTS.consul,
    members: consul.members,
    raftConfiguration: consul.raftConfiguration,
    autopilotHealth: consul.autopilotHealth,
  },
  vault: { ...PERMISSION_ENDPOINTS.vault, autopilotState: vault.autopilotState },
} satisfies EndpointsOf<Pick<JoinDeps, 'nomad' | 'consul' | 'vault'> & PermissionClients>;

/**
 * The production dependencies of one step (no I/O until used): the AWS
 * operations it wires, anything else throws naming it. `tokensTogether`: the
 * tokens the step reads in one call (Prepare, Watch, Diagnose: Nomad and
 * Consul; RunJoin only Consul's).
 */
export function joinDeps(wired: JoinWiring, tokensTogether: readonly TokenService[] = []): JoinDeps {
  const clients = clusterClients(JOIN_ENDPOINTS, tokensTogether);
  const config = getConfig();
  return {
    config,
    nomad: clients.nomad,
    consul: clients.consul,
    vault: clients.vault,
    reads: joinReads(clients),
    preflight: sharedPreflight(clients),
    autoscaling: wiredOnly('autoscaling', wired.autoscaling),
    ec2: wiredOnly('ec2', wired.ec2),
    ssm: wiredOnly('ssm', wired.ssm),
    now,
  };
}
