/**
 * The cluster API clients of this container, built from the configuration:
 * tokens read lazily from the SSM SecureStrings named in it.
 */
import { getSecureString } from '../aws/ssm.js';
import { getConfig, type Config } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { HttpClient } from '../http/client.js';
import { ConsulClient } from './consul/client.js';
import { NomadClient } from './nomad/client.js';
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
  return {
    nomad: new NomadClient(
      new HttpClient({ service: 'nomad', baseUrl: config.nomadAddr, authHeader: 'X-Nomad-Token', token: (o) => readToken(config.tokenParameters.nomad, o) }),
    ),
    consul: new ConsulClient(
      new HttpClient({
        service: 'consul',
        baseUrl: config.consulAddr,
        authHeader: 'X-Consul-Token',
        token: (o) => readToken(config.tokenParameters.consul, o),
      }),
    ),
    vault: new VaultClient(
      new HttpClient({
        service: 'vault',
        // Vault not managed here (VAULT_ENABLED=false): no address; the token read below refuses before any request.
        baseUrl: config.vaultAddr ?? 'https://vault.invalid',
        authHeader: 'X-Vault-Token',
        token: (o) => (config.tokenParameters.vault ? readToken(config.tokenParameters.vault, o) : Promise.reject(vaultDisabled())),
      }),
    ),
  };
}

const vaultDisabled = (): ConfigError => new ConfigError('VAULT_ENABLED', 'is false: Vault is not managed here, so nothing may call it');

let cached: ClusterClients | undefined;

/** Forget the clients (the simulator, when it deploys another configuration in the same process). */
export function resetClusterClients(): void {
  cached = undefined;
}

/** The clients of this container, created on first use. */
export function clusterClients(): ClusterClients {
  cached ??= createClusterClients(getConfig());
  return cached;
}
