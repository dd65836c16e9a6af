/**
 * The blocking reads the join gate needs, served by the one Nomad and one
 * Consul client of the container.
 */
import type { ConsulCatalogNode, ConsulHealthCheck } from '../../hashicorp/consul/schemas.js';
import type { NomadNodeStub } from '../../hashicorp/nomad/schemas.js';
import type { Block, Indexed } from '../../hashicorp/blocking.js';
import { clusterClients, type ClusterClients } from '../../hashicorp/clients.js';

export type { Block, Indexed } from '../../hashicorp/blocking.js';

/** The gate's reads; without `block` they answer at once. */
export interface JoinReads {
  /** Nomad nodes fingerprinted with this EC2 instance id. */
  nomadNodesByInstanceId(instanceId: string, block?: Block): Promise<Indexed<NomadNodeStub[]>>;
  /** Consul catalog nodes with node meta `instance_id` = instanceId, or the private IP as Address. */
  consulNodesByInstance(instanceId: string, privateIp: string | null, block?: Block): Promise<Indexed<ConsulCatalogNode[]>>;
  /** Health checks of a Consul node (incl. serfHealth). */
  consulNodeHealth(node: string, block?: Block): Promise<Indexed<ConsulHealthCheck[]>>;
}

/** {@link JoinReads} over the cluster clients. */
export function joinReads(clients: Pick<ClusterClients, 'nomad' | 'consul'> = clusterClients()): JoinReads {
  return {
    nomadNodesByInstanceId: (instanceId, block) => clients.nomad.nodesByInstanceId(instanceId, block),
    consulNodesByInstance: (instanceId, privateIp, block) => clients.consul.catalogNodesByInstance(instanceId, privateIp, block),
    consulNodeHealth: (node, block) => clients.consul.nodeHealthIndexed(node, block),
  };
}
