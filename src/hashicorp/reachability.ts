/**
 * Whether each cluster API answers from where this code runs, over verified
 * TLS, with a leader (Nomad, Consul) or unsealed (Vault). Tokenless, so it
 * tells the network and TLS apart from the token. The doctor runs it on the
 * operator's machine and asks the `reachabilityProbe` Lambda to run it from
 * the Lambdas' subnets.
 */
import * as z from '../validation/zod.js';
import type { ClusterClients, ClusterWiring } from './clients.js';
import * as consul from './consul/client.js';
import * as nomad from './nomad/client.js';
import * as vault from './vault/client.js';

/** The endpoints the probe calls: each product's leader, Vault's health. */
export const REACHABILITY_ENDPOINTS = {
  nomad: { leader: nomad.leader },
  consul: { leader: consul.leader },
  vault: { leader: vault.leader, health: vault.health },
} satisfies ClusterWiring;

export const CLUSTER_SYSTEMS = ['nomad', 'consul', 'vault'] as const;
export type ClusterSystem = (typeof CLUSTER_SYSTEMS)[number];

export const ReachabilitySchema = z.object({
  system: z.enum(CLUSTER_SYSTEMS),
  address: z.string(),
  reachable: z.boolean(),
  /** What answered (leader, seal state), or why nothing usable did. */
  detail: z.string(),
  /** The remedy's subject when not reachable: `network` (no answer, TLS) or `cluster` (no leader, sealed). */
  problem: z.nullable(z.enum(['network', 'cluster'])),
});
export type Reachability = z.infer<typeof ReachabilitySchema>;

const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Probe the cluster's systems (Vault only when managed here) at once; never throws (an error is the row's finding). */
export function probeReachability(
  anonymous: ClusterClients,
  address: Partial<Record<ClusterSystem, string>>,
  systems: readonly ClusterSystem[],
): Promise<Reachability[]> {
  return Promise.all(
    systems.map(async (system): Promise<Reachability> => {
      const row = (reachable: boolean, detail: string, problem: Reachability['problem'] = null): Reachability => ({
        system,
        address: address[system] ?? '',
        reachable,
        detail,
        problem,
      });
      try {
        if (system === 'vault') {
          const h = await anonymous.vault.health();
          return h.sealed ? row(false, 'answers, but the node is sealed', 'cluster') : row(true, `${h.standby ? 'standby' : 'active'}, unsealed`);
        }
        const leader = await anonymous[system].leader();
        return leader ? row(true, `leader ${leader}`) : row(false, 'answers, but there is no leader', 'cluster');
      } catch (error) {
        return row(false, errorText(error), 'network');
      }
    }),
  );
}
