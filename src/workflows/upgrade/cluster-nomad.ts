/**
 * The Nomad client of this container, for the upgrade steps that wire it (in
 * its own module: the cluster clients' schemas stay out of the steps that
 * never reach a cluster, Validate among them).
 */
import { clusterClients, type EndpointsOf } from '../../hashicorp/clients.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import type { UpgradeDeps } from './deps.js';

/** The Nomad endpoints of {@link UpgradeDeps}. */
const UPGRADE_ENDPOINTS = {
  nomad: {
    findNodeByInstanceId: nomad.findNodeByInstanceId,
    getNode: nomad.getNode,
    setEligibility: nomad.setEligibility,
    drainNode: nomad.drainNode,
    cancelDrain: nomad.cancelDrain,
    nodeAllocations: nomad.nodeAllocations,
    deployments: nomad.deployments,
  },
} satisfies EndpointsOf<{ nomad: ReturnType<UpgradeDeps['nomad']> }>;

export const clusterNomad = (): ReturnType<UpgradeDeps['nomad']> => clusterClients(UPGRADE_ENDPOINTS).nomad;
