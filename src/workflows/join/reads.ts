/**
 * The blocking reads the join gate needs, served by the one Nomad and one
 * Consul client of the container.
 */
import type { ConsulCatalogNode, ConsulHealthCheck } from '../../hashicorp/consul/schemas.js';
import type { NomadNodeStub } from '../../hashicorp/nomad/schemas.js';
import type { Block, Indexed } from '../../hashicorp/blocking.js';
import { type ClusterClients, clusterClients, type EndpointsOf } from '../../hashicorp/clients.js';
import * as consul from '../../hashicorp/consul/client.js';
import * as nomad from '../../hashicorp/nomad/client.js';

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

/** The endpoints of {@link JoinReads}. */
export const JOIN_READ_ENDPOINTS = {
  nomad: { nodesByInstanceId: nomad.nodesByInstanceId },
  consul: { catalogNodesByInstance: consul.catalogNodesByInstance, nodeHealthIndexed: consul.nodeHealthIndexed },
} satisfies EndpointsOf<{
  nomad: Pick<ClusterClients['nomad'], 'nodesByInstanceId'>;
  consul: Pick<ClusterClients['consul'], 'catalogNodesByInstance' | 'nodeHealthIndexed'>;
}>;

/** {@link JoinReads} over the cluster clients. */
export function joinReads(clients: Pick<ClusterClients, 'nomad' | 'consul'> = clusterClients(JOIN_READ_ENDPOINTS)): JoinReads {
  return {
    nomadNodesByInstanceId: (instanceId, block) => clients.nomad.nodesByInstanceId(instanceId, block),
    consulNodesByInstance: (instanceId, privateIp, block) => clients.consul.catalogNodesByInstance(instanceId, privateIp, block),
    consulNodeHealth: (node, block) => clients.consul.nodeHealthIndexed(node, block),
  };
}
