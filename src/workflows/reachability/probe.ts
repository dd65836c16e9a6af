/** The `reachabilityProbe` function: the cluster APIs as the Lambdas' subnets see them (the doctor invokes it). */
import type { Config } from '../../config/index.js';
import { clusterSystems } from '../../cluster/systems.js';
import { tokenlessClients } from '../../hashicorp/clients.js';
import { probeReachability, REACHABILITY_ENDPOINTS, type Reachability } from '../../hashicorp/reachability.js';

export interface ReachabilityProbeOutput {
  rows: Reachability[];
}

export async function reachabilityProbe(config: Config): Promise<ReachabilityProbeOutput> {
  // No token (a token problem cannot hide a network one): only the client certificates mutual TLS asks for.
  const anonymous = tokenlessClients(config, REACHABILITY_ENDPOINTS);
  const address = { nomad: config.nomadAddr, consul: config.consulAddr, vault: config.vaultAddr };
  return { rows: await probeReachability(anonymous, address, clusterSystems(config)) };
}
