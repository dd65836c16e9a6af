export { NomadClient } from './nomad/client.js';
export { ConsulClient } from './consul/client.js';
export { VaultClient } from './vault/client.js';
export { MemberStatus } from './consul/schemas.js';
export { createClusterClients, clusterClients, type ClusterClients } from './clients.js';
export type { NomadNode, NomadNodeStub, NomadAllocation, AutopilotHealth } from './nomad/schemas.js';
export type { ConsulMember, ConsulCatalogNode } from './consul/schemas.js';
export type { VaultHealth } from './vault/schemas.js';
