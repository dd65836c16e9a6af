/**
 * The cluster API clients of this container, built from the configuration:
 * tokens read lazily from the SSM SecureStrings named in it.
 */
import { getSecureString, getSecureStrings } from '../aws/ssm.js';
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

const vaultDisabled = (): ConfigError => new ConfigError('VAULT_ENABLED', 'is false: Vault is not managed here, so nothing may call it');

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

const cached = new Map<string, ClusterClients>();

/** Forget the clients (the simulator, when it deploys another configuration in the same process). */
export function resetClusterClients(): void {
  cached.clear();
}

/**
 * The clients of this container, created on first use; `together` names
 * the tokens the function reads in one call (each must be granted to its
 * role: `ssm:GetParameters` is refused as a whole when one name is not).
 */
export function clusterClients(together: readonly TokenService[] = []): ClusterClients {
  const key = together.join(',');
  let clients = cached.get(key);
  if (!clients) {
    const config = getConfig();
    clients = createClusterClients(config, tokensReadTogether(config, together));
    cached.set(key, clients);
  }
  return clients;
}
