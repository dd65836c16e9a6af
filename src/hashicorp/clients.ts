/**
 * The cluster API clients of this container, built from the configuration:
 * tokens and client certificates read lazily from the SSM SecureStrings named
 * in it, https verified against the cluster CA (tls.ts).
 */
import { getSecureString, getSecureStrings } from '../aws/ssm.js';
import { getConfig, type Config } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
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

const vaultDisabled = (): ConfigError => new ConfigError('VAULT_ENABLED', 'is false: Vault is not managed here, so nothing may call it');

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
        // Vault not managed here (VAULT_ENABLED=false): no address; the token read below refuses before any request.
        baseUrl: config.vaultAddr ?? 'https://vault.invalid',
        authHeader: 'X-Vault-Token',
        token: (o) => (config.tokenParameters.vault ? readToken(config.tokenParameters.vault, o) : Promise.reject(vaultDisabled())),
        transport: transport('vault', config.vaultAddr ?? 'https://vault.invalid'),
      }),
    ),
  };
}

/** The products whose ACL tokens are read from SSM. */
export type TokenService = keyof Config['tokenParameters'];

/**
 * A token reader that reads the tokens of `together` in one
 * `ssm:GetParameters` call on the first need of any of them (a function
 * that talks to several products pays one call, not one per token);
 * any other token, and a fresh re-read after a refusal, alone.
 */
export function tokensReadTogether(
  config: Pick<Config, 'tokenParameters'>,
  together: readonly TokenService[],
): (parameter: string, options?: { fresh?: boolean }) => Promise<string> {
  // A system not managed here (Vault off) has no parameter: never asked for.
  const names = together.map((service) => config.tokenParameters[service]).filter((name): name is string => name !== undefined);
  return async (parameter, options = {}) => {
    if (options.fresh || !names.includes(parameter)) return getSecureString(parameter, options);
    return (await getSecureStrings(names))[parameter] as string;
  };
}

/**
 * Clients that present no token, only the client certificates (mutual TLS)
 * the configuration names: reachability, TLS and leadership need nothing more.
 */
export function tokenlessClients(config: Config, readSecret: (parameter: string) => Promise<string> = getSecureString): ClusterClients {
  const certificates = new Set(Object.values(config.clientCertParameters).filter((p) => p !== undefined));
  return createClusterClients(config, (name) => (certificates.has(name) ? readSecret(name) : Promise.resolve('')));
}

let cached: { config: Config; clients: Map<string, ClusterClients> } | undefined;

/** Forget the clients (the simulator, when it deploys another configuration in the same process). */
export function resetClusterClients(): void {
  cached = undefined;
}

/**
 * The clients of this container, created on first use (and again for a
 * reloaded configuration); `together` names
 * the tokens the function reads in one call (each must be granted to its
 * role: `ssm:GetParameters` is refused as a whole when one name is not).
 */
export function clusterClients(together: readonly TokenService[] = []): ClusterClients {
  const config = getConfig();
  if (cached?.config !== config) cached = { config, clients: new Map() };
  const key = together.join(',');
  let clients = cached.clients.get(key);
  if (!clients) {
    clients = createClusterClients(config, tokensReadTogether(config, together));
    cached.clients.set(key, clients);
  }
  return clients;
}
