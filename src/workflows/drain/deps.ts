/**
 * What the drain logic talks to, as interfaces: production wires the real
 * wrappers, per step ({@link drainDeps}); unit tests pass fakes.
 */
import type * as autoscaling from '../../aws/autoscaling.js';
import type * as ec2 from '../../aws/ec2.js';
import type * as ssm from '../../aws/ssm.js';
import { clusterSystems } from '../../cluster/systems.js';
import { getConfig, type Config } from '../../config/index.js';
import { clusterClients, type EndpointsOf, type TokenService } from '../../hashicorp/clients.js';
import * as consul from '../../hashicorp/consul/client.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import { PERMISSION_ENDPOINTS, type PermissionClients } from '../../hashicorp/permissions.js';
import type { ConsulClient } from '../../hashicorp/consul/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import { now, sleep } from '../../time/clock.js';
import { cachedPreflight, type Preflight } from '../preflight.js';
import { type StepWiring, wiredOnly } from '../unwired.js';

export interface DrainDeps {
  config: Pick<Config, 'clusterName' | 'drainDeadlineMs' | 'giveUpAfterMs' | 'purgeNomadNode'>;
  nomad: Pick<NomadClient, 'findNodeByInstanceId' | 'getNode' | 'setEligibility' | 'drainNode' | 'purgeNode' | 'nodeAllocations'>;
  /** What the ACL tokens lack for a workflow (checked at Prepare). */
  preflight: Preflight;
  consul: Pick<ConsulClient, 'findNodeByInstanceId' | 'members' | 'forceLeave'>;
  autoscaling: Pick<typeof autoscaling, 'describeLifecycleHooks' | 'recordLifecycleActionHeartbeat' | 'completeLifecycleAction'>;
  ec2: Pick<typeof ec2, 'describeInstance'>;
  ssm: Pick<typeof ssm, 'runShellScript'>;
  now: () => number;
  /** Pause between membership checks (on the clock: sim time in the simulator). */
  sleep: (ms: number) => Promise<void>;
}

// Keyed by the clients, which are made again for another configuration (clusterClients): a preflight
// answers for the tokens and cluster those clients reach, never for an earlier configuration's.
const preflights = new WeakMap<Parameters<typeof cachedPreflight>[0], Preflight>();
/** One cached preflight per container (per set of cluster clients). */
export function sharedPreflight(clients: Parameters<typeof cachedPreflight>[0]): Preflight {
  let preflight = preflights.get(clients);
  if (!preflight) {
    preflight = cachedPreflight(clients, now, clusterSystems(getConfig()));
    preflights.set(clients, preflight);
  }
  return preflight;
}

/** The cluster endpoints of {@link DrainDeps} (its preflight's included). */
const DRAIN_ENDPOINTS = {
  nomad: {
    ...PERMISSION_ENDPOINTS.nomad,
    findNodeByInstanceId: nomad.findNodeByInstanceId,
    getNode: nomad.getNode,
    setEligibility: nomad.setEligibility,
    drainNode: nomad.drainNode,
    purgeNode: nomad.purgeNode,
    nodeAllocations: nomad.nodeAllocations,
  },
  consul: { ...PERMISSION_ENDPOINTS.consul, findNodeByInstanceId: consul.findNodeByInstanceId, members: consul.members, forceLeave: consul.forceLeave },
  vault: PERMISSION_ENDPOINTS.vault,
} satisfies EndpointsOf<Pick<DrainDeps, 'nomad' | 'consul'> & PermissionClients>;

/** What a drain step's handler wires: the AWS operations its code calls (its IAM statements grant the same). */
export type DrainWiring = StepWiring<DrainDeps, 'autoscaling' | 'ec2' | 'ssm'>;

/**
 * The production dependencies of one step (no I/O until used): the AWS
 * operations it wires (only Prepare reads EC2, so the other steps' bundles
 * carry no EC2 client), anything else throws naming it. `tokensTogether`:
 * the tokens the step reads in one call (Prepare's preflight and Cleanup:
 * Nomad and Consul; the others read one).
 */
export function drainDeps(wired: DrainWiring, tokensTogether: readonly TokenService[] = []): DrainDeps {
  const clients = clusterClients(DRAIN_ENDPOINTS, tokensTogether);
  return {
    config: getConfig(),
    nomad: clients.nomad,
    consul: clients.consul,
    preflight: sharedPreflight(clients),
    autoscaling: wiredOnly('autoscaling', wired.autoscaling),
    ec2: wiredOnly('ec2', wired.ec2),
    ssm: wiredOnly('ssm', wired.ssm),
    now,
    sleep,
  };
}
