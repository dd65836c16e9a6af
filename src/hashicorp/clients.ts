/**
 * The cluster API clients of this container, built from the configuration:
 * tokens and client certificates read lazily from the SSM SecureStrings named
 * in it, https verified against the cluster CA (tls.ts).
 */
import { getSecureString } from '../aws/ssm.js';
import { getConfig, type Config } from '../config/index.js';
import { HttpClient } from '../http/client.js';
import { ConsulClient } from './consul/client.js';
import { NomadClient } from './nomad/client.js';
import { apiTransport } from './tls.js';
import { VaultClient } from './vault/client.js';

export interface ClusterClients {
  nomad: NomadClient;
  consul: ConsulClient;
  vault: VaultClient;
}

/** Build clients for a configuration (no I/O until the first request). */
export function createClusterClients(
  config: Config,
  readToken: (parameter: string, options?: { fresh?: boolean }) => Promise<string> = getSecureString,
): ClusterClients {
  const transport = (api: 'nomad' | 'consul' | 'vault', address: string) => apiTransport(api, { ...config, address }, readToken);
  return {
    nomad: new NomadClient(
      new HttpClient({
        service: 'nomad',
        baseUrl: config.nomadAddr,
        authHeader: 'X-Nomad-Token',
        token: (o) => readToken(config.tokenParameters.nomad, o),
        transport: transport('nomad', config.nomadAddr),
      }),
    ),
    consul: new ConsulClient(
      new HttpClient({
        service: 'consul',
        baseUrl: config.consulAddr,
        authHeader: 'X-Consul-Token',
        token: (o) => readToken(config.tokenParameters.consul, o),
        transport: transport('consul', config.consulAddr),
      }),
    ),
    vault: new VaultClient(
      new HttpClient({
        service: 'vault',
        baseUrl: config.vaultAddr,
        authHeader: 'X-Vault-Token',
        token: (o) => readToken(config.tokenParameters.vault, o),
        transport: transport('vault', config.vaultAddr),
      }),
    ),
  };
}

let cached: { config: Config; clients: ClusterClients } | undefined;

/** The clients of this container, created on first use (and again for a reloaded configuration). */
export function clusterClients(): ClusterClients {
  const config = getConfig();
  if (cached?.config !== config) cached = { config, clients: createClusterClients(config) };
  return cached.clients;
}
