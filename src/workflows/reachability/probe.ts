/** The `reachabilityProbe` function: the cluster APIs as the Lambdas' subnets see them (the doctor invokes it). */
import type { Config } from '../../config/index.js';
import { clusterSystems } from '../../cluster/systems.js';
import { createClusterClients } from '../../hashicorp/clients.js';
import { probeReachability, type Reachability } from '../../hashicorp/reachability.js';

export interface ReachabilityProbeOutput {
  rows: Reachability[];
}

export async function reachabilityProbe(config: Config): Promise<ReachabilityProbeOutput> {
  // No token: the probe needs no grant, and a token problem cannot hide a network one.
  const anonymous = createClusterClients(config, async () => '');
  const address = { nomad: config.nomadAddr, consul: config.consulAddr, vault: config.vaultAddr };
  return { rows: await probeReachability(anonymous, address, clusterSystems(config)) };
}
