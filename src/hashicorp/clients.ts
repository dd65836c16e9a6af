/**
 * The cluster API clients of this container, built from the configuration:
 * tokens and client certificates read lazily from the SSM SecureStrings named
 * in it, https verified against the cluster CA (tls.ts).
 */
import { getSecureString, getSecureStrings } from '../aws/ssm.js';
import { getConfig, type Config } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { HttpClient } from '../http/client.js';
import { wiredOnly } from '../workflows/unwired.js';
import { type ConsulClient, type ConsulEndpoints, consulClient } from './consul/client.js';
import { bindEndpoints, type Endpoint } from './endpoints.js';
import { type NomadClient, type NomadEndpoints, nomadClient } from './nomad/client.js';
import { apiTransport } from './tls.js';
import { type VaultClient, type VaultEndpoints, vaultClient } from './vault/client.js';

export interface ClusterClients {
  nomad: NomadClient;
  consul: ConsulClient;
  vault: VaultClient;
}

/** The endpoints of each product's API a function calls (the others are left out of its bundle). */
export interface ClusterWiring {
  nomad?: Partial<NomadEndpoints>;
  consul?: Partial<ConsulEndpoints>;
  vault?: Partial<VaultEndpoints>;
}

interface EndpointsBySystem {
  nomad: NomadEndpoints;
  consul: ConsulEndpoints;
  vault: VaultEndpoints;
}

/**
 * The endpoints that serve the clients a dependencies object picks (`D`,
 * e.g. `{ nomad: Pick<NomadClient, 'getNode'> }`): a wiring `satisfies` it,
 * so one that misses an endpoint its step may call does not compile.
 */
export type EndpointsOf<D extends Partial<Record<keyof ClusterClients, object>>> = {
  [S in keyof D & keyof ClusterClients]: Pick<EndpointsBySystem[S], keyof D[S] & keyof EndpointsBySystem[S]>;
};

const vaultDisabled = (): ConfigError => new ConfigError('VAULT_ENABLED', 'is false: Vault is not managed here, so nothing may call it');

type TokenReader = (parameter: string, options?: { fresh?: boolean }) => Promise<string>;

/** Each product's HTTP client for a configuration (no I/O until the first request). */
function clusterHttp(config: Config, readToken: TokenReader): Record<keyof ClusterClients, HttpClient> {
  const transport = (api: 'nomad' | 'consul' | 'vault', address: string) =>
    apiTransport(api, { clusterCaFile: config.clusterCaFile, clientCertParameters: config.clientCertParameters, address }, readToken);
  return {
    nomad: new HttpClient({
      service: 'nomad',
      baseUrl: config.nomadAddr,
      authHeader: 'X-Nomad-Token',
      token: (o) => readToken(config.tokenParameters.nomad, o),
      transport: transport('nomad', config.nomadAddr),
    }),
    consul: new HttpClient({
      service: 'consul',
      baseUrl: config.consulAddr,
      authHeader: 'X-Consul-Token',
      token: (o) => readToken(config.tokenParameters.consul, o),
      transport: transport('consul', config.consulAddr),
    }),
    vault: new HttpClient({
      service: 'vault',
      // Vault not managed here (VAULT_ENABLED=false): no address; the token read below refuses before any request.
      baseUrl: config.vaultAddr ?? 'https://vault.invalid',
      authHeader: 'X-Vault-Token',
      token: (o) => (config.tokenParameters.vault ? readToken(config.tokenParameters.vault, o) : Promise.reject(vaultDisabled())),
      transport: transport('vault', config.vaultAddr ?? 'https://vault.invalid'),
    }),
  };
}

/** Build clients for a configuration with every endpoint (no I/O until the first request). */
export function createClusterClients(config: Config, readToken: TokenReader = getSecureString): ClusterClients {
  const http = clusterHttp(config, readToken);
  return { nomad: nomadClient(http.nomad), consul: consulClient(http.consul), vault: vaultClient(http.vault) };
}

/**
 * Clients for a configuration with only the endpoints `wiring` names bound
 * (no I/O until the first request); any other endpoint throws when reached,
 * naming it.
 */
export function wireClusterClients(config: Config, wiring: ClusterWiring, readToken: TokenReader = getSecureString): ClusterClients {
  const http = clusterHttp(config, readToken);
  const wire = <C extends object>(system: keyof ClusterClients): C =>
    wiredOnly<C>(system, bindEndpoints(http[system], (wiring[system] ?? {}) as Record<string, Endpoint>) as Partial<C>);
  return { nomad: wire<NomadClient>('nomad'), consul: wire<ConsulClient>('consul'), vault: wire<VaultClient>('vault') };
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
export function tokenlessClients(config: Config, wiring: ClusterWiring, readSecret: (parameter: string) => Promise<string> = getSecureString): ClusterClients {
  const certificates = new Set(Object.values(config.clientCertParameters).filter((p) => p !== undefined));
  return wireClusterClients(config, wiring, (name) => (certificates.has(name) ? readSecret(name) : Promise.resolve('')));
}

let cached: { config: Config; clients: Map<string, ClusterClients> } | undefined;

/** Forget the clients (the simulator, when it deploys another configuration in the same process). */
export function resetClusterClients(): void {
  cached = undefined;
}

/**
 * The clients of this container with the endpoints `wiring` names, created
 * on first use (and again for a reloaded configuration); `together` names
 * the tokens the function reads in one call (each must be granted to its
 * role: `ssm:GetParameters` is refused as a whole when one name is not).
 */
export function clusterClients(wiring: ClusterWiring, together: readonly TokenService[] = []): ClusterClients {
  const config = getConfig();
  if (cached?.config !== config) cached = { config, clients: new Map() };
  const wired = (['nomad', 'consul', 'vault'] as const).map(
    (system) =>
      `${system}:${Object.keys(wiring[system] ?? {})
        .sort()
        .join(',')}`,
  );
  const key = `${together.join(',')}|${wired.join('|')}`;
  let clients = cached.clients.get(key);
  if (!clients) {
    clients = wireClusterClients(config, wiring, tokensReadTogether(config, together));
    cached.clients.set(key, clients);
  }
  return clients;
}
