/**
 * What the server workflows (quorum-safe removal in the drain workflow,
 * server pool replacement) talk to, as interfaces: production wires the real
 * wrappers, per step ({@link serverDeps}); tests pass fakes.
 */
import type * as autoscaling from '../../aws/autoscaling.js';
import type * as ec2 from '../../aws/ec2.js';
import type * as ssm from '../../aws/ssm.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients, type EndpointsOf } from '../../hashicorp/clients.js';
import * as consul from '../../hashicorp/consul/client.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import * as vault from '../../hashicorp/vault/client.js';
import { RAFT_READ_ENDPOINTS } from './raft-view.js';
import type { ConsulClient } from '../../hashicorp/consul/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import type { VaultClient } from '../../hashicorp/vault/client.js';
import { now } from '../../time/clock.js';
import { type StepWiring, wiredOnly } from '../unwired.js';

export interface ServerDeps {
  config: Pick<Config, 'clusterName' | 'serverQuorumWaitMs' | 'giveUpAfterMs' | 'vaultEnabled' | 'vaultNodeId'>;
  nomad: Pick<NomadClient, 'raftConfiguration' | 'autopilotHealth' | 'removeRaftPeer' | 'transferLeadership' | 'agentMembers' | 'forceLeave'>;
  consul: Pick<ConsulClient, 'raftConfiguration' | 'autopilotHealth' | 'removeRaftPeer' | 'forceLeave' | 'members'>;
  vault: Pick<VaultClient, 'raftConfiguration' | 'autopilotState' | 'removeRaftPeer'>;
  autoscaling: Pick<typeof autoscaling, 'describeGroup' | 'recordLifecycleActionHeartbeat' | 'setDesiredCapacity' | 'terminateInstance'>;
  ec2: Pick<typeof ec2, 'describeInstance' | 'createTags' | 'describeLaunchTemplateVersions'>;
  ssm: Pick<typeof ssm, 'runShellScript' | 'waitForCommand'>;
  now: () => number;
}

/** The cluster endpoints of {@link ServerDeps}. */
const SERVER_ENDPOINTS = {
  nomad: {
    ...RAFT_READ_ENDPOINTS.nomad,
    removeRaftPeer: nomad.removeRaftPeer,
    transferLeadership: nomad.transferLeadership,
    agentMembers: nomad.agentMembers,
    forceLeave: nomad.forceLeave,
  },
  consul: { ...RAFT_READ_ENDPOINTS.consul, removeRaftPeer: consul.removeRaftPeer, forceLeave: consul.forceLeave, members: consul.members },
  vault: { ...RAFT_READ_ENDPOINTS.vault, removeRaftPeer: vault.removeRaftPeer },
} satisfies EndpointsOf<Pick<ServerDeps, 'nomad' | 'consul' | 'vault'>>;

/** What a server step's handler wires: the AWS operations its code calls (its IAM statements grant the same). */
export type ServerWiring = StepWiring<ServerDeps, 'autoscaling' | 'ec2' | 'ssm'>;

/** The production dependencies of one step (no I/O until used): the AWS operations it wires, anything else throws naming it. */
export function serverDeps(wired: ServerWiring): ServerDeps {
  // A server step reads all three tokens (a removal's preflight checks each): one call.
  const clients = clusterClients(SERVER_ENDPOINTS, ['nomad', 'consul', 'vault']);
  return {
    config: getConfig(),
    nomad: clients.nomad,
    consul: clients.consul,
    vault: clients.vault,
    autoscaling: wiredOnly('autoscaling', wired.autoscaling),
    ec2: wiredOnly('ec2', wired.ec2),
    ssm: wiredOnly('ssm', wired.ssm),
    now,
  };
}
