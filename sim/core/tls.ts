/**
 * The simulated cluster's PKI for mutual TLS: a CA, one server certificate
 * for the loopback APIs (SAN 127.0.0.1 and localhost, as `nomad tls cert
 * create -server` and `consul tls cert create -server` add), and one client
 * certificate per API for the control plane (`-cli`/`-client` style: client
 * authentication only). ECDSA P-256 keys, generated with @peculiar/x509 over
 * WebCrypto; made once per process, because the https listeners, like the
 * ports, are kept for the life of the process.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

export type ApiName = 'nomad' | 'consul' | 'vault';

export interface SimPki {
  /** The CA certificate (PEM), and a file holding it (what CLUSTER_CA_FILE names). */
  caPem: string;
  caFile: string;
  /** The APIs' server certificate and key (PEM). */
  server: { cert: string; key: string };
  /** Each API's client certificate followed by its key (PEM): what the operator puts in the SSM parameter. */
  clientPem: Record<ApiName, string>;
  /** A client certificate and key from another CA (the APIs refuse it). */
  foreignClientPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

let pki: Promise<SimPki> | undefined;

/** The process's PKI, generated on first use. */
export function simPki(): Promise<SimPki> {
  pki ??= generate();
  return pki;
}

interface Issued {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function generate(): Promise<SimPki> {
  // Handshakes verify against the wall clock, the control plane's own checks against sim time (an earlier date): cover both.
  const validity = { notBefore: new Date(Date.UTC(2025, 0, 1)), notAfter: new Date(Date.now() + 30 * DAY_MS) };
  const ca = await selfSignedCa('CN=Simulated hashistack CA', validity);
  const server = await issue(ca, 'CN=server.global.nomad', validity, 'server');
  const clients = {
    nomad: await issue(ca, 'CN=control-plane.global.nomad', validity, 'client'),
    consul: await issue(ca, 'CN=control-plane.dc1.consul', validity, 'client'),
    vault: await issue(ca, 'CN=control-plane.vault', validity, 'client'),
  };
  const foreignCa = await selfSignedCa('CN=Some other CA', validity);
  const foreign = await issue(foreignCa, 'CN=control-plane.global.nomad', validity, 'client');

  const caPem = ca.cert.toString('pem');
  const caFile = join(mkdtempSync(join(tmpdir(), 'hashistack-sim-ca-')), 'cluster-ca.pem');
  writeFileSync(caFile, `${caPem}\n`);
  return {
    caPem,
    caFile,
    server: { cert: server.cert.toString('pem'), key: await keyPem(server) },
    clientPem: { nomad: await bundle(clients.nomad), consul: await bundle(clients.consul), vault: await bundle(clients.vault) },
    foreignClientPem: await bundle(foreign),
  };
}

async function selfSignedCa(name: string, validity: { notBefore: Date; notAfter: Date }): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    ...validity,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys };
}

async function issue(ca: Issued, subject: string, validity: { notBefore: Date; notAfter: Date }, role: 'server' | 'client'): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    ...validity,
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(
        role === 'server' ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth],
      ),
      ...(role === 'server'
        ? [
            new x509.SubjectAlternativeNameExtension([
              { type: 'dns', value: subject.slice(3) },
              { type: 'dns', value: 'localhost' },
              { type: 'ip', value: '127.0.0.1' },
            ]),
          ]
        : []),
    ],
  });
  return { cert, keys };
}

async function keyPem(issued: Issued): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', issued.keys.privateKey), 'PRIVATE KEY');
}

/** Certificate then key, as `cat cli.pem cli-key.pem` gives. */
async function bundle(issued: Issued): Promise<string> {
  return `${issued.cert.toString('pem')}\n${await keyPem(issued)}\n`;
}

function serial(): string {
  // Positive (high bit clear), 16 random bytes: RFC 5280 §4.1.2.2.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
