/**
 * The Nomad client of this container, for the upgrade steps that wire it (in
 * its own module: the cluster clients' schemas stay out of the steps that
 * never reach a cluster, Validate among them).
 */
import { clusterClients } from '../../hashicorp/clients.js';
import type { UpgradeDeps } from './deps.js';

export const clusterNomad = (): ReturnType<UpgradeDeps['nomad']> => clusterClients().nomad;
