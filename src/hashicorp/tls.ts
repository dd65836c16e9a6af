/**
 * The TLS of each https cluster API: the server verified against the cluster
 * CA bundle (CLUSTER_CA_FILE) or Node's trust store, and for clusters that
 * require mutual TLS a client certificate read lazily from its SSM
 * SecureString (never from the bundle or the environment; cached with the
 * tokens' cache, never logged).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { ConfigError, MutualTlsFailed, NotFound } from '../errors/index.js';
import type { TransportProvider } from '../http/client.js';
import { type TlsIdentity, TlsTransport } from '../http/tls.js';
import { now } from '../time/clock.js';

export type ApiName = 'nomad' | 'consul' | 'vault';

/** The config key and environment variable of each API's client certificate parameter. */
export const CLIENT_CERT_SETTING: Record<ApiName, { key: string; variable: string }> = {
  nomad: { key: 'nomadClientCertParameter', variable: 'NOMAD_CLIENT_CERT_PARAMETER' },
  consul: { key: 'consulClientCertParameter', variable: 'CONSUL_CLIENT_CERT_PARAMETER' },
  vault: { key: 'vaultClientCertParameter', variable: 'VAULT_CLIENT_CERT_PARAMETER' },
};

/** Reads a SecureString (the tokens' reader: cached, `fresh` bypasses the cache). */
export type SecretReader = (parameter: string, options?: { fresh?: boolean }) => Promise<string>;

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----\r?\n[\s\S]*?\r?\n-----END \1-----/g;

/**
 * Split a parameter's PEM text into the certificate chain and the private
 * key, and check they belong together and the certificate is current.
 * @returns the identity, or what is wrong with it (never the key's text).
 */
export function parseClientCertificate(pem: string, at: number): { ok: true; cert: string; key: string; notAfter: number } | { ok: false; problem: string } {
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] as string, text: m[0] }));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  const keys = blocks.filter((b) => /^(|RSA |EC )PRIVATE KEY$/.test(b.label));
  if (certs.length === 0 || keys.length !== 1) {
    return {
      ok: false,
      problem: `holds ${certs.length} certificate(s) and ${keys.length} private key(s); it must hold the certificate (chain, leaf first) and one unencrypted private key, in PEM`,
    };
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate((certs[0] as { text: string }).text);
  } catch {
    return { ok: false, problem: 'its first certificate is not a valid PEM certificate' };
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey((keys[0] as { text: string }).text)))
      return { ok: false, problem: 'its private key does not belong to its first certificate' };
  } catch {
    return { ok: false, problem: 'its private key is not a valid unencrypted PEM key' };
  }
  const notAfter = Date.parse(leaf.validTo);
  if (notAfter <= at) return { ok: false, problem: `its certificate (${leaf.subject.replace(/\n/g, ', ')}) expired at ${new Date(notAfter).toISOString()}` };
  return { ok: true, cert: certs.map((c) => c.text).join('\n'), key: (keys[0] as { text: string }).text, notAfter };
}

/** The refusal of a handshake, in the words an operator acts on. */
function refusal(api: ApiName, parameter: string | undefined): (alert: string) => MutualTlsFailed {
  const { key, variable } = CLIENT_CERT_SETTING[api];
  return (alert) =>
    new MutualTlsFailed(
      api,
      key,
      parameter === undefined
        ? `the API refused the connection with TLS alert "${alert}": it requires a client certificate (mutual TLS) and none is configured; put the certificate and key (PEM) in an SSM SecureString and set ${key} (${variable}) to its name`
        : `the API refused the client certificate from ${parameter} (${key}, ${variable}) with TLS alert "${alert}": it must be issued by the CA the API trusts, be current and allow client authentication`,
    );
}

/**
 * The transport provider of an https API, or undefined for plain http (loopback only).
 * The CA file is read once; the certificate parameter on every request
 * through `read`'s cache, and a new transport is made only when it changed.
 */
export function apiTransport(
  api: ApiName,
  config: Pick<Config, 'clusterCaFile' | 'clientCertParameters'> & { address: string },
  read: SecretReader,
): TransportProvider | undefined {
  if (new URL(config.address).protocol !== 'https:') return undefined;
  const parameter = config.clientCertParameters[api];
  const refused = refusal(api, parameter);
  let ca: string | undefined;
  let current: { pem: string; transport: TlsTransport } | undefined;
  return async (options) => {
    if (config.clusterCaFile !== undefined && ca === undefined) ca = readCaFile(config.clusterCaFile);
    const pem = parameter === undefined ? '' : await readCertificate(api, parameter, read, options?.fresh === true);
    if (current?.pem === pem) return current.transport;
    const identity: TlsIdentity = { ca };
    if (parameter !== undefined) {
      const parsed = parseClientCertificate(pem, now());
      if (!parsed.ok)
        throw new MutualTlsFailed(
          api,
          CLIENT_CERT_SETTING[api].key,
          `the client certificate parameter ${parameter} (${CLIENT_CERT_SETTING[api].key}) ${parsed.problem}`,
        );
      identity.cert = parsed.cert;
      identity.key = parsed.key;
    }
    current?.transport.close();
    current = { pem, transport: new TlsTransport(identity, refused) };
    return current.transport;
  };
}

async function readCertificate(api: ApiName, parameter: string, read: SecretReader, fresh: boolean): Promise<string> {
  try {
    return await read(parameter, { fresh });
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    const { key, variable } = CLIENT_CERT_SETTING[api];
    throw new MutualTlsFailed(
      api,
      key,
      `the client certificate parameter ${parameter} (${key}, ${variable}) does not exist: put the certificate and key (PEM) there as a SecureString`,
    );
  }
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('CLUSTER_CA_FILE', `cannot read the cluster CA bundle ${path}: ${(error as Error).message}`);
  }
}
