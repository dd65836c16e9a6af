/**
 * What the reconciliation sweep talks to, as interfaces: production wires the
 * real wrappers ({@link defaultReconcileDeps}); tests pass fakes.
 */
import type { AutoScalingGroup, AutoScalingInstanceDetails } from '@aws-sdk/client-auto-scaling';
import { describeAutoScalingInstance, describeGroup, describeGroupsByClusterTag, terminateInstance } from '../../aws/autoscaling.js';
import { putEvent } from '../../aws/events.js';
import { describeInstance } from '../../aws/ec2.js';
import type * as ec2 from '../../aws/ec2.js';
import { describeExecution, listExecutions, startExecution, stopExecution } from '../../aws/sfn.js';
import type * as sfn from '../../aws/sfn.js';
import { deleteMessage, receiveMessages } from '../../aws/sqs.js';
import type * as sqs from '../../aws/sqs.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients, type EndpointsOf } from '../../hashicorp/clients.js';
import * as consul from '../../hashicorp/consul/client.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import * as vault from '../../hashicorp/vault/client.js';
import type { ConsulClient } from '../../hashicorp/consul/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import type { VaultClient } from '../../hashicorp/vault/client.js';
import { now } from '../../time/clock.js';
import { NOTICE_ENDPOINTS, type NoticeDeps } from '../notices/handle.js';
import { RAFT_READ_ENDPOINTS } from '../servers/raft-view.js';
import type { RouterDeps } from '../router/route.js';

export interface ReconcileDeps {
  config: Pick<
    Config,
    | 'clusterName'
    | 'launchHookName'
    | 'terminateHookName'
    | 'drainStateMachineArn'
    | 'joinStateMachineArn'
    | 'routerDeadLetterQueueUrl'
    | 'noticeDeadLetterQueueUrl'
    | 'executionOverdueAfterMs'
    | 'purgeNomadNode'
    | 'vaultEnabled'
    | 'vaultNodeId'
  >;
  /** The lifecycle router's logic, which the sweep reuses to start workflows. */
  router: RouterDeps;
  autoscaling: {
    describeGroupsByClusterTag: (
      cluster: string,
    ) => Promise<Array<Pick<AutoScalingGroup, 'AutoScalingGroupName'> & { Instances?: { InstanceId?: string; LifecycleState?: string }[] }>>;
    describeAutoScalingInstance: (instanceId: string) => Promise<Pick<AutoScalingInstanceDetails, 'LifecycleState'> | undefined>;
  };
  ec2: Pick<typeof ec2, 'describeInstance'>;
  sfn: Pick<typeof sfn, 'listExecutions'>;
  sqs: Pick<typeof sqs, 'receiveMessages' | 'deleteMessage'>;
  /** instanceNotice's logic, which the sweep reuses to replay dead-lettered notices. */
  notices: NoticeDeps;
  /** Alerts (a notice that came too late) go on the default bus. */
  putEvent: typeof putEvent;
  nomad: Pick<NomadClient, 'purgeNode' | 'raftConfiguration' | 'autopilotHealth' | 'removeRaftPeer' | 'agentMembers' | 'forceLeave'> & {
    downNodes: () => Promise<{ ID: string }[]>;
    getNode: (id: string) => Promise<{ node: { Attributes: Record<string, string> | null } }>;
  };
  consul: Pick<ConsulClient, 'findNodeByInstanceId' | 'members' | 'forceLeave' | 'raftConfiguration' | 'autopilotHealth' | 'removeRaftPeer'>;
  vault: Pick<VaultClient, 'raftConfiguration' | 'autopilotState' | 'removeRaftPeer'>;
  now: () => number;
}

/** The cluster endpoints of {@link ReconcileDeps} (the notices' included). */
const RECONCILE_ENDPOINTS = {
  nomad: {
    ...NOTICE_ENDPOINTS.nomad,
    ...RAFT_READ_ENDPOINTS.nomad,
    purgeNode: nomad.purgeNode,
    removeRaftPeer: nomad.removeRaftPeer,
    agentMembers: nomad.agentMembers,
    forceLeave: nomad.forceLeave,
    downNodes: nomad.downNodes,
  },
  consul: {
    findNodeByInstanceId: consul.findNodeByInstanceId,
    members: consul.members,
    forceLeave: consul.forceLeave,
    ...RAFT_READ_ENDPOINTS.consul,
    removeRaftPeer: consul.removeRaftPeer,
  },
  vault: { ...RAFT_READ_ENDPOINTS.vault, removeRaftPeer: vault.removeRaftPeer },
} satisfies EndpointsOf<Pick<ReconcileDeps, 'nomad' | 'consul' | 'vault'> & { nomad: NoticeDeps['nomad'] }>;

/** The production dependencies (no I/O until used). */
export function defaultReconcileDeps(): ReconcileDeps {
  const config = getConfig();
  // The orphan sweep reads all three raft configurations: one token call.
  const clients = clusterClients(RECONCILE_ENDPOINTS, ['nomad', 'consul', 'vault']);
  const router: RouterDeps = {
    config,
    describeGroup,
    describeAutoScalingInstance,
    startExecution,
    listExecutions,
    stopExecution,
    describeExecution,
  };
  return {
    config,
    router,
    autoscaling: { describeGroupsByClusterTag, describeAutoScalingInstance },
    ec2: { describeInstance },
    sfn: { listExecutions },
    sqs: { receiveMessages, deleteMessage },
    notices: { config, describeAutoScalingInstance, describeGroup, nomad: clients.nomad, startExecution, terminateInstance, now },
    putEvent,
    nomad: clients.nomad,
    consul: clients.consul,
    vault: clients.vault,
    now,
  };
}
