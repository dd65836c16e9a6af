/**
 * What the join logic talks to, as interfaces: production wires the real
 * wrappers ({@link defaultJoinDeps}); unit tests pass fakes.
 */
import * as autoscaling from '../../aws/autoscaling.js';
import * as ec2 from '../../aws/ec2.js';
import * as ssm from '../../aws/ssm.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients, type TokenService } from '../../hashicorp/clients.js';
import type { ConsulClient } from '../../hashicorp/consul/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import type { VaultClient } from '../../hashicorp/vault/client.js';
import { now } from '../../time/clock.js';
import { joinReads, type JoinReads } from './reads.js';
import { sharedPreflight } from '../drain/deps.js';
import type { Preflight } from '../preflight.js';

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

/**
 * The production dependencies (no I/O until used). `tokensTogether`: the
 * tokens the step reads in one call (Prepare, Watch, Diagnose: Nomad and
 * Consul; RunJoin only Consul's).
 */
export function defaultJoinDeps(tokensTogether: readonly TokenService[] = []): JoinDeps {
  const clients = clusterClients(tokensTogether);
  const config = getConfig();
  return {
    config,
    nomad: clients.nomad,
    consul: clients.consul,
    vault: clients.vault,
    reads: joinReads(clients),
    preflight: sharedPreflight(clients),
    autoscaling,
    ec2,
    ssm,
    now,
  };
}
