/**
 * What the server workflows (quorum-safe removal in the drain workflow,
 * server pool replacement) talk to, as interfaces: production wires the real
 * wrappers ({@link defaultServerDeps}); tests pass fakes.
 */
import * as autoscaling from '../../aws/autoscaling.js';
import * as ec2 from '../../aws/ec2.js';
import * as ssm from '../../aws/ssm.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients } from '../../hashicorp/clients.js';
import type { ConsulClient } from '../../hashicorp/consul/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import type { VaultClient } from '../../hashicorp/vault/client.js';
import { now } from '../../time/clock.js';
import { unwired } from '../unwired.js';

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

/** The production dependencies (no I/O until used). */
export function defaultServerDeps(): ServerDeps {
  return { ...serverLeaveDeps(), ec2 };
}

/** The dependencies of ServerLeave and ServerVerify: the same less EC2, which they never call, so their bundles carry no EC2 client. */
export function serverLeaveDeps(): ServerDeps {
  // A server removal reads all three tokens (its preflight checks each): one call.
  const clients = clusterClients(['nomad', 'consul', 'vault']);
  return {
    config: getConfig(),
    nomad: clients.nomad,
    consul: clients.consul,
    vault: clients.vault,
    autoscaling,
    ec2: unwired<ServerDeps['ec2']>('ec2'),
    ssm,
    now,
  };
}
