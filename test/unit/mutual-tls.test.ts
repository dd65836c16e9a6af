import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ClusterUnreachable, MutualTlsFailed, NotFound } from '../../src/errors/index.js';
import { apiTransport, parseClientCertificate } from '../../src/hashicorp/tls.js';
import { HttpClient } from '../../src/http/client.js';
import { clientCertificateAlert } from '../../src/http/tls.js';
import { simPki } from '../../sim/core/tls.js';
import { baseEnv } from './helpers.js';

const CERT_PARAMETER = '/hashistack/control-plane/nomad-client-cert';

/** An https API with client certificates required, as Nomad with `verify_https_client`; records each handshake. */
async function mtlsApi(options: { maxVersion?: 'TLSv1.2' } = {}) {
  const pki = await simPki();
  const handshakes: { authorized: boolean; peer?: string }[] = [];
  const server: Server = createServer(
    { ca: pki.caPem, ...pki.server, requestCert: true, rejectUnauthorized: true, ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}) },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ peer: String(socket.getPeerCertificate().subject?.CN) }));
    },
  );
  server.on('secureConnection', (s: TLSSocket) => handshakes.push({ authorized: s.authorized, peer: String(s.getPeerCertificate().subject?.CN) }));
  server.on('tlsClientError', () => handshakes.push({ authorized: false }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    pki,
    url,
    handshakes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

type Read = (name: string, o?: { fresh?: boolean }) => Promise<string>;

/** The Nomad HTTP client of a configuration pointing at `url`, trusting `caFile`, with `NOMAD_CLIENT_CERT_PARAMETER` when given (as clients.ts builds it). */
function nomadAt(url: string, caFile: string, read: Read, parameter?: string) {
  return nomadOf(loadConfig({ ...baseEnv, NOMAD_ADDR: url, CLUSTER_CA_FILE: caFile, ...(parameter ? { NOMAD_CLIENT_CERT_PARAMETER: parameter } : {}) }), read);
}

function nomadOf(config: ReturnType<typeof loadConfig>, read: Read) {
  const http = new HttpClient({
    service: 'nomad',
    baseUrl: config.nomadAddr,
    authHeader: 'X-Nomad-Token',
    token: (o) => read(config.tokenParameters.nomad, o),
    transport: apiTransport('nomad', { ...config, address: config.nomadAddr }, read),
    backoffBaseMs: 1,
    backoffMaxMs: 2,
  });
  return { http };
}

/** A token/certificate reader over a map of parameters, recording the reads. */
function parameters(values: Record<string, string | (() => string)>) {
  const reads: { name: string; fresh: boolean }[] = [];
  const read = async (name: string, o?: { fresh?: boolean }) => {
    reads.push({ name, fresh: o?.fresh === true });
    const v = values[name];
    if (v === undefined) throw new NotFound('ssm', `parameter ${name}`);
    return typeof v === 'function' ? v() : v;
  };
  return { read, reads };
}

const tokens = { '/hashistack/control-plane/nomad-token': 'nomad-token' };

describe('mutual TLS with a cluster API (loopback https, client certificates required)', () => {
  it('presents the client certificate from its parameter and verifies the server against CLUSTER_CA_FILE', async () => {
    const api = await mtlsApi();
    close = api.close;
    const { read } = parameters({ ...tokens, [CERT_PARAMETER]: api.pki.clientPem.nomad });
    const nomad = nomadAt(api.url, api.pki.caFile, read, CERT_PARAMETER);
    const res = await nomad.http.request({ path: '/v1/agent/self' });
    expect(res.json()).toEqual({ peer: 'control-plane.global.nomad' });
    expect(api.handshakes).toEqual([{ authorized: true, peer: 'control-plane.global.nomad' }]);
  });

  it('keeps a connection alive between requests, and opens a new one after 4 s idle (as a thawed Lambda must)', async () => {
    const api = await mtlsApi();
    close = api.close;
    const { read } = parameters({ ...tokens, [CERT_PARAMETER]: api.pki.clientPem.nomad });
    const nomad = nomadAt(api.url, api.pki.caFile, read, CERT_PARAMETER);
    await nomad.http.request({ path: '/v1/agent/self' });
    await nomad.http.request({ path: '/v1/agent/self' });
    expect(api.handshakes).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    await nomad.http.request({ path: '/v1/agent/self' });
    expect(api.handshakes).toHaveLength(2);
  });

  it('without a configured certificate: MutualTlsFailed naming the API and the config key, never retried', async () => {
    const api = await mtlsApi();
    close = api.close;
    const { read } = parameters(tokens);
    const error = await nomadAt(api.url, api.pki.caFile, read)
      .http.request({ path: '/v1/agent/self' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MutualTlsFailed);
    expect((error as MutualTlsFailed).retryable).toBe(true);
    expect((error as Error).message).toMatch(/^nomad: the API refused the connection with TLS alert "certificate required"/);
    expect((error as Error).message).toContain('nomadClientCertParameter (NOMAD_CLIENT_CERT_PARAMETER)');
    // The request's handshake, and the probe's when the reset of the refused connection swallowed the alert: no retries (4 attempts).
    expect(api.handshakes.length).toBeGreaterThanOrEqual(1);
    expect(api.handshakes.length).toBeLessThanOrEqual(2);
  });

  it('a TLS 1.2 server refusing a missing certificate (alert handshake failure) is told apart from a dropped connection too', async () => {
    const api = await mtlsApi({ maxVersion: 'TLSv1.2' });
    close = api.close;
    const error = await nomadAt(api.url, api.pki.caFile, parameters(tokens).read)
      .http.request({ path: '/v1/agent/self' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MutualTlsFailed);
    expect((error as Error).message).toContain('TLS alert "handshake failure"');
  });

  it('an unusable certificate is read again from SSM (bypassing the cache) and a rotated one is used at once', async () => {
    const api = await mtlsApi();
    close = api.close;
    let stored = api.pki.foreignClientPem.split('-----BEGIN PRIVATE KEY-----')[0] as string; // the key left out
    const { read, reads } = parameters({ ...tokens, [CERT_PARAMETER]: () => stored });
    const nomad = nomadAt(api.url, api.pki.caFile, read, CERT_PARAMETER);
    const error = await nomad.http.request({ path: '/v1/agent/self' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MutualTlsFailed);
    expect(reads.filter((r) => r.name === CERT_PARAMETER).map((r) => r.fresh)).toEqual([false, true]);

    reads.length = 0;
    const cached = api.pki.clientPem.nomad;
    stored = cached; // the operator puts the right one; the cache still holds the old value for a first read
    let first = true;
    const stale = async (name: string, o?: { fresh?: boolean }) => {
      if (name === CERT_PARAMETER && !o?.fresh && first) {
        first = false;
        return api.pki.foreignClientPem.split('-----BEGIN PRIVATE KEY-----')[0] as string;
      }
      return read(name, o);
    };
    const rotated = nomadAt(api.url, api.pki.caFile, stale, CERT_PARAMETER);
    expect((await rotated.http.request({ path: '/v1/agent/self' })).json()).toEqual({ peer: 'control-plane.global.nomad' });
  });

  it('a certificate of another CA is never accepted (the server closes the handshake)', async () => {
    const api = await mtlsApi();
    close = api.close;
    const { read } = parameters({ ...tokens, [CERT_PARAMETER]: api.pki.foreignClientPem });
    const error = await nomadAt(api.url, api.pki.caFile, read, CERT_PARAMETER)
      .http.request({ path: '/v1/agent/self' })
      .catch((e: unknown) => e);
    // Node's server closes without an alert for an untrusted certificate (Go's servers send "bad certificate"): no refusal to name, an unreachable API.
    expect(error).toBeInstanceOf(ClusterUnreachable);
    expect(api.handshakes.every((h) => !h.authorized)).toBe(true);
  });

  it('a missing or unusable certificate parameter fails before any connection, naming the parameter and key', async () => {
    const api = await mtlsApi();
    close = api.close;
    const missing = await nomadAt(api.url, api.pki.caFile, parameters(tokens).read, CERT_PARAMETER)
      .http.request({ path: '/v1/agent/self' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MutualTlsFailed);
    expect((missing as Error).message).toBe(
      'nomad: the client certificate parameter /hashistack/control-plane/nomad-client-cert (nomadClientCertParameter, NOMAD_CLIENT_CERT_PARAMETER) does not exist: put the certificate and key (PEM) there as a SecureString',
    );
    const certOnly = api.pki.clientPem.nomad.split('-----BEGIN PRIVATE KEY-----')[0] as string;
    const unusable = await nomadAt(api.url, api.pki.caFile, parameters({ ...tokens, [CERT_PARAMETER]: certOnly }).read, CERT_PARAMETER)
      .http.request({ path: '/v1/agent/self' })
      .catch((e: unknown) => e);
    expect(unusable).toBeInstanceOf(MutualTlsFailed);
    expect((unusable as Error).message).toContain('holds 1 certificate(s) and 0 private key(s)');
    expect(api.handshakes).toEqual([]);
  });

  it('never trusts a server the CA bundle does not vouch for, client certificate or not', async () => {
    const api = await mtlsApi();
    close = api.close;
    const other = await simPki();
    // A CA file holding only the foreign CA's certificate: the simulated server's certificate does not chain to it.
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const foreignCa = join(mkdtempSync(join(tmpdir(), 'mtls-test-')), 'ca.pem');
    const foreignCert = other.foreignClientPem.split('-----BEGIN PRIVATE KEY-----')[0] as string;
    writeFileSync(foreignCa, foreignCert);
    const config = loadConfig({ ...baseEnv, NOMAD_ADDR: api.url, CLUSTER_CA_FILE: foreignCa, NOMAD_CLIENT_CERT_PARAMETER: CERT_PARAMETER });
    const { read } = parameters({ ...tokens, [CERT_PARAMETER]: api.pki.clientPem.nomad });
    const nomad = nomadOf(config, read);
    const error = await nomad.http.request({ path: '/v1/agent/self', retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterUnreachable);
    expect((error as Error).message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed/i);
  });
});

describe('clientCertificateAlert', () => {
  // The errors as Node 20 (OpenSSL 3.0) and Node 22 (OpenSSL 3.5) raise them for the same refusals.
  const error = (code: string, message: string) => Object.assign(new Error(message), { code });
  it.each([
    [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40',
      'handshake failure',
    ],
    [
      'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE',
      'ssl3_read_bytes:ssl/tls alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 40',
      'handshake failure',
    ],
    [
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 116',
      'certificate required',
    ],
    ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'ssl3_read_bytes:ssl/tls alert bad certificate:rec_layer_s3.c:918:SSL alert number 42', 'bad certificate'],
    // A TLS 1.2 refusal arriving while the request is written: https.request's error.
    [
      'EPROTO',
      'write EPROTO 801C421A8E7F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40',
      'handshake failure',
    ],
  ])('%s names the alert', (code, message, alert) => {
    expect(clientCertificateAlert(error(code, message))).toBe(alert);
  });
  it('is not a client-certificate alert: another alert, a reset, no error', () => {
    expect(clientCertificateAlert(error('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'tlsv1 alert protocol version:SSL alert number 70'))).toBeUndefined();
    expect(clientCertificateAlert(error('ECONNRESET', 'read ECONNRESET'))).toBeUndefined();
    expect(clientCertificateAlert(error('EPROTO', 'write EPROTO ssl/tls alert protocol version:SSL alert number 70'))).toBeUndefined();
    expect(clientCertificateAlert(undefined)).toBeUndefined();
  });
});

describe('parseClientCertificate', () => {
  it('splits certificate and key, and refuses a key of another certificate or an expired certificate', async () => {
    const pki = await simPki();
    const ok = parseClientCertificate(pki.clientPem.consul, Date.now());
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(new X509Certificate(ok.cert).subject).toBe('CN=control-plane.dc1.consul');
    expect(ok.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const [cert] = pki.clientPem.consul.split('-----BEGIN PRIVATE KEY-----');
    const otherKey = pki.clientPem.vault.slice(pki.clientPem.vault.indexOf('-----BEGIN PRIVATE KEY-----'));
    expect(parseClientCertificate(`${cert}${otherKey}`, Date.now())).toEqual({
      ok: false,
      problem: 'its private key does not belong to its first certificate',
    });

    const expired = parseClientCertificate(pki.clientPem.consul, ok.notAfter + 1);
    expect(expired.ok).toBe(false);
    expect(!expired.ok && expired.problem).toMatch(/^its certificate \(CN=control-plane\.dc1\.consul\) expired at /);
  });
});
