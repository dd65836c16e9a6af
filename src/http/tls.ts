/**
 * The TLS transport of an https cluster API: undici's own fetch over an
 * undici Agent whose connections verify the server against a given CA bundle
 * (or Node's trust store) and present a client certificate when one is
 * configured (mutual TLS). Global fetch takes no client certificate, and an
 * Agent of another undici version than the runtime's may not fit its fetch,
 * so both come from the pinned `undici` package.
 *
 * A server that refuses the client's certificate (or its absence) answers
 * with a TLS alert that undici reports only as "other side closed" (TLS 1.3
 * sends it after the handshake): the connector keeps the alert it saw on the
 * socket, so a failed request can be told apart from a dropped connection.
 * The alert can also be lost: a server that closes with the request unread
 * resets the connection, and the reset discards the alert in flight. So a
 * connection dropped without an alert is probed once with a bare handshake
 * that sends nothing ({@link TlsTransport.probe}).
 */
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

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
 * on Node 20, `ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE` on Node 22), while
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
  if (typeof code !== 'string' || !code.startsWith('ERR_SSL_') || typeof message !== 'string') return undefined;
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
    const connect = buildConnector({ ca: identity.ca, cert: identity.cert, key: identity.key, rejectUnauthorized: true });
    this.agent = new Agent({
      connect: (options, callback) =>
        connect(options, (error, socket) => {
          if (error) this.note(error);
          socket?.on('error', (e) => this.note(e));
          // undici's connector callback takes (null, socket) or (error, null).
          if (error) callback(error, null);
          else callback(null, socket as NonNullable<typeof socket>);
        }),
    });
  }

  /** A request's fetch: undici's, through this transport's connections. */
  readonly fetch = async (url: string, init: TransportRequestInit): Promise<Response> => {
    const res = await undiciFetch(url, { ...init, dispatcher: this.agent });
    // undici's Response is the class global fetch returns (Node's fetch is undici); only the type declarations differ.
    return res as unknown as Response;
  };

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
    this.agent.close().catch(() => undefined);
  }

  private note(error: unknown): void {
    const alert = clientCertificateAlert(error);
    if (alert === undefined) return;
    this.alerts++;
    this.lastAlert = alert;
  }
}

/** The request options the HTTP client passes (a subset of fetch's). */
export interface TransportRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  redirect: 'manual';
  signal: AbortSignal;
}
