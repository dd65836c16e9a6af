/**
 * The TLS transport of an https cluster API: a fetch over a `node:https`
 * Agent whose connections verify the server against a given CA bundle (or
 * Node's trust store) and present a client certificate when one is
 * configured (mutual TLS). Global fetch takes no client certificate; the
 * runtime's own https module does, and costs the bundle nothing (the undici
 * package it replaces was 520 KB of every Lambda bundle, half of it).
 *
 * A server that refuses the client's certificate (or its absence) answers
 * with a TLS alert (TLS 1.3 sends it after the handshake): the request's
 * error carries it, so a refused request can be told apart from a dropped
 * connection. The alert can also be lost: a server that closes with the
 * request unread resets the connection, and the reset discards the alert in
 * flight. So a connection dropped without an alert is probed once with a
 * bare handshake that sends nothing ({@link TlsTransport.probe}).
 */
import { Agent, request } from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** What the connection presents and trusts; server certificates are always verified. */
export interface TlsIdentity {
  /** PEM bundle the server's certificate must chain to; undefined: Node's trust store. */
  ca?: string;
  /** Client certificate chain (PEM), leaf first, and its private key (PEM). */
  cert?: string;
  key?: string;
}

/**
 * The alerts a server sends when it does not accept the client certificate
 * (RFC 8446 §6.2, RFC 5246 §7.2.2), by alert number, with the alert's
 * description. `handshake failure` is what a TLS 1.2 server sends for a
 * missing certificate. Node's error names them after OpenSSL's reason, which
 * changed between OpenSSL versions (`ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE`
 * on Node 20, `ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE` on Node 22; `EPROTO`
 * when it arrives while the request is written), while
 * its message always ends "SSL alert number N": the number decides.
 */
const CLIENT_CERTIFICATE_ALERTS: ReadonlyMap<number, string> = new Map([
  [40, 'handshake failure'],
  [42, 'bad certificate'],
  [43, 'unsupported certificate'],
  [44, 'certificate revoked'],
  [45, 'certificate expired'],
  [46, 'certificate unknown'],
  [48, 'unknown ca'],
  [49, 'access denied'],
  [116, 'certificate required'],
]);

/** The client-certificate alert an error stands for, if any. */
export function clientCertificateAlert(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // EPROTO: the alert arrived while the request was being written (libuv's write error carries OpenSSL's message).
  if (typeof code !== 'string' || !(code.startsWith('ERR_SSL_') || code === 'EPROTO') || typeof message !== 'string') return undefined;
  const alert = /SSL alert number (\d+)/.exec(message);
  return alert ? CLIENT_CERTIFICATE_ALERTS.get(Number(alert[1])) : undefined;
}

/** The transport of one API with one identity (a rotated certificate gets a new one). */
export class TlsTransport {
  private readonly agent: Agent;
  private readonly identity: TlsIdentity;
  private alerts = 0;
  private lastAlert: string | undefined;

  constructor(
    identity: TlsIdentity,
    /** What a refused handshake is reported as (an error naming the API and the config key). */
    private readonly refused: (alert: string) => Error,
  ) {
    this.identity = identity;
    // Idle connections close after 4 s, as undici's did (a Lambda frozen between invocations would otherwise
    // come back to connections the server or a load balancer dropped); a request in flight is bounded by
    // the client's own deadline, never by this idle timeout.
    this.agent = new Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS, ca: identity.ca, cert: identity.cert, key: identity.key, rejectUnauthorized: true });
  }

  /**
   * A request's fetch through this transport's connections. It fails as
   * global fetch does (a `TypeError` whose cause is the network error, the
   * signal's reason when aborted), so the HTTP client reads both alike.
   */
  readonly fetch = (url: string, init: TransportRequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: init.method, headers: init.headers, agent: this.agent, signal: init.signal });
      req.on('error', (error) => {
        this.note(error);
        reject(init.signal.aborted ? init.signal.reason : new TypeError('fetch failed', { cause: error }));
      });
      req.on('response', (res) => {
        const headers = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
        const status = res.statusCode ?? 0;
        // A Response of these statuses (or to a HEAD) has no body by definition (Fetch standard "null body status").
        const noBody = init.method === 'HEAD' || NULL_BODY_STATUSES.has(status);
        if (noBody) res.resume();
        try {
          resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers }));
        } catch (error) {
          res.destroy();
          reject(new TypeError('fetch failed', { cause: error }));
        }
      });
      req.end(init.body);
    });

  /** A mark to pass to {@link refusalSince}, taken before a request. */
  mark(): number {
    return this.alerts;
  }

  /** The refusal error when a client-certificate alert arrived since `mark`. */
  refusalSince(mark: number): Error | undefined {
    return this.alerts > mark && this.lastAlert !== undefined ? this.refused(this.lastAlert) : undefined;
  }

  /**
   * A bare handshake with `url`'s server that sends no data, so nothing is
   * left unread to turn its close into a reset: the client-certificate alert
   * it answers, or undefined when it accepts the certificate (a TLS 1.3
   * server sends its session tickets only after verifying it; a TLS 1.2 one
   * verifies it in the handshake), closes without saying why, or is silent.
   * @returns the refusal error, if the server refused the certificate.
   */
  async probe(url: string, timeoutMs = 3000): Promise<Error | undefined> {
    const { hostname, port } = new URL(url);
    const host = hostname.replace(/^\[|\]$/g, '');
    const alert = await new Promise<string | undefined>((resolve) => {
      const socket = tlsConnect({
        host,
        port: Number(port || 443),
        ...(isIP(host) === 0 ? { servername: host } : {}),
        ca: this.identity.ca,
        cert: this.identity.cert,
        key: this.identity.key,
        rejectUnauthorized: true,
      });
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (result: string | undefined) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      socket.on('secureConnect', () => {
        if (socket.getProtocol() !== 'TLSv1.3') done(undefined);
      });
      socket.on('session', () => done(undefined));
      socket.on('error', (error) => done(clientCertificateAlert(error)));
      socket.on('close', () => done(undefined));
    });
    return alert === undefined ? undefined : this.refused(alert);
  }

  /** Close the connections (a replaced identity). */
  close(): void {
    this.agent.destroy();
  }

  private note(error: unknown): void {
    const alert = clientCertificateAlert(error);
    if (alert === undefined) return;
    this.alerts++;
    this.lastAlert = alert;
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** How long a kept-alive connection may stay idle (undici's default keep-alive timeout). */
const IDLE_CONNECTION_MS = 4_000;

/** The request options the HTTP client passes (a subset of fetch's). */
export interface TransportRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  redirect: 'manual';
  signal: AbortSignal;
}
