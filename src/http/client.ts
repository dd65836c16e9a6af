/**
 * One HTTP client for the cluster APIs, over global `fetch`: base URL,
 * per-request timeout, bounded retries with exponential back-off and jitter on
 * network errors, 429 and 5xx (never on other 4xx), an auth header from a
 * lazily read token, and failures mapped to the typed errors.
 *
 * Tokens never appear in errors or logs, and never follow a redirect: a 3xx
 * answer fails with RedirectRefused (the token would go wherever it points,
 * plain http included).
 *
 * An https API may have a TLS transport (tls.ts: the cluster CA, a client
 * certificate for mutual TLS). A handshake the server refuses for the client
 * certificate is never repeated: it fails at once with the transport's error;
 * as for a refused token, the certificate is read again once (a rotated one
 * is used at once).
 */
import { ClusterUnreachable, MutualTlsFailed, NotFound, PermissionDenied, RedirectRefused, UpstreamError } from '../errors/index.js';
import { getLogger } from '../observability/logger.js';
import { deadline, sleep } from '../time/clock.js';
import { backoffDelay } from './backoff.js';
import type { TlsTransport } from './tls.js';

/** Supplies the ACL token; called lazily before each request (the provider caches it; `fresh` bypasses the cache). */
export type TokenProvider = (options?: { fresh?: boolean }) => Promise<string>;

/** Supplies the API's TLS transport; called before each request (the provider caches it; `fresh` re-reads the certificate). */
export type TransportProvider = (options?: { fresh?: boolean }) => Promise<TlsTransport>;

export interface HttpClientOptions {
  /** Service name used in errors and logs: nomad, consul, vault. */
  service: string;
  /** Base URL, e.g. https://nomad.service.consul:4646 */
  baseUrl: string;
  /** Header carrying the token, e.g. X-Nomad-Token. */
  authHeader?: string;
  token?: TokenProvider;
  /** Per-request timeout, ms (default 10 s). */
  timeoutMs?: number;
  /** Attempts in total, including the first (default 4). */
  maxAttempts?: number;
  /** Back-off base and cap, ms (default 200 / 3000). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** The TLS transport of an https API (CA bundle, client certificate); without it, global fetch. */
  transport?: TransportProvider;
}

export interface RequestOptions {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Overrides the client's timeout (blocking reads: wait + margin). */
  timeoutMs?: number;
  /** Non-2xx statuses that are answers, returned instead of thrown (e.g. 429 of autopilot health). */
  answerStatuses?: readonly number[];
  /**
   * Non-2xx answers recognised by status and body, returned instead of thrown
   * (e.g. the 500 `node not found` a purge of an already purged node gets).
   */
  answerWhen?: (status: number, body: string) => boolean;
  /** Whether the request is safe to repeat (default true). */
  retry?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body (undefined for an empty body). */
  json(): unknown;
}

/** A 2xx answer whose body is read as it arrives (a raft snapshot of several GB). */
export interface StreamResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array>;
}

/** Statuses of a cluster without a usable leader, reported as unreachable once retries are spent. */
const UNAVAILABLE = new Set([429, 502, 503, 504]);
const NO_LEADER = /no (cluster )?leader|no path to region|rpc error|active cluster node not found/i;
const MAX_DETAIL = 300;

class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`status ${status}`);
  }
}

/** An HTTP client bound to one cluster API. */
export class HttpClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private knownToken: string | undefined;
  private knownTransport: TlsTransport | undefined;

  constructor(private readonly options: HttpClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  }

  /** The service this client talks to. */
  get service(): string {
    return this.options.service;
  }

  /**
   * Send a request, retrying transient failures; a 401/403 re-reads the
   * token (bypassing the cache) and, when it changed, sends once more.
   * @throws ClusterUnreachable (network/timeout/429/5xx-without-leader after retries),
   *   PermissionDenied (401/403 with the freshly read token too), NotFound (404), UpstreamError (other statuses).
   */
  async request(req: RequestOptions): Promise<HttpResponse> {
    try {
      return await this.withFreshCertificate(async () => this.send(req, await this.readToken(false), await this.readTransport(false)));
    } catch (error) {
      if (!(error instanceof PermissionDenied) || !this.options.token) throw error;
      // A token rotated in SSM (the old one revoked) answers 401/403 until the cache expires: read it again once, bypassing the cache.
      const used = this.knownToken;
      const fresh = await this.readToken(true);
      if (fresh === used) throw error;
      getLogger().warn('cluster API denied the cached token; retrying once with the token just read from SSM', {
        service: this.service,
        request: `${req.method ?? 'GET'} ${req.path}`,
      });
      return this.send(req, fresh, await this.readTransport(false));
    }
  }

  /**
   * Send a GET and hand back the body as a stream once the headers arrived:
   * retried like {@link request} until then, never after (a body half read
   * cannot be resumed). `timeoutMs` bounds the wait for the headers only;
   * the caller bounds the transfer.
   */
  async stream(req: Omit<RequestOptions, 'method' | 'body' | 'answerStatuses' | 'answerWhen'>): Promise<StreamResponse> {
    const open = async (token: string | undefined) => this.send({ ...req, method: 'GET' }, token, await this.readTransport(false), 'stream');
    try {
      return await this.withFreshCertificate(async () => open(await this.readToken(false)));
    } catch (error) {
      if (!(error instanceof PermissionDenied) || !this.options.token) throw error;
      const used = this.knownToken;
      const fresh = await this.readToken(true);
      if (fresh === used) throw error;
      return open(fresh);
    }
  }

  /**
   * Run `attempt`; when the server refused the client certificate, read the
   * certificate again (bypassing the cache) and, when it changed, run once more.
   */
  private async withFreshCertificate<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof MutualTlsFailed) || !this.options.transport) throw error;
      // The transport the attempt used (the one before it, when the certificate it read was unusable).
      const used = this.knownTransport;
      const fresh = await this.readTransport(true);
      if (fresh === used || fresh === undefined) throw error;
      getLogger().warn('cluster API refused the cached client certificate; retrying once with the certificate just read from SSM', { service: this.service });
      return attempt();
    }
  }

  private async readTransport(fresh: boolean): Promise<TlsTransport | undefined> {
    if (!this.options.transport) return undefined;
    this.knownTransport = await this.options.transport({ fresh });
    return this.knownTransport;
  }

  private async readToken(fresh: boolean): Promise<string | undefined> {
    if (!this.options.authHeader || !this.options.token) return undefined;
    // Read on every request: the provider caches (SSM, ~5 min), so a rotated token is picked up.
    this.knownToken = await this.options.token({ fresh });
    return this.knownToken;
  }

  private send(req: RequestOptions, token: string | undefined, transport: TlsTransport | undefined): Promise<HttpResponse>;
  private send(req: RequestOptions, token: string | undefined, transport: TlsTransport | undefined, mode: 'stream'): Promise<StreamResponse>;
  private async send(
    req: RequestOptions,
    token: string | undefined,
    transport: TlsTransport | undefined,
    mode: 'text' | 'stream' = 'text',
  ): Promise<HttpResponse | StreamResponse> {
    const url = this.url(req);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.options.authHeader && token !== undefined) headers[this.options.authHeader] = token;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] = 'application/json';
    }
    const method = req.method ?? 'GET';
    const attempts = req.retry === false ? 1 : this.maxAttempts;
    const label = `${method} ${req.path}`;
    let last: unknown;
    let probed = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = backoffDelay(attempt - 1, { baseMs: this.options.backoffBaseMs ?? 200, maxMs: this.options.backoffMaxMs ?? 3000 });
        getLogger().debug('retrying cluster API request', {
          service: this.service,
          request: label,
          attempt,
          delayMs: delay,
          reason: this.redact(String(last instanceof Error ? last.message : last)),
        });
        await sleep(delay);
      }
      const timeout = deadline(req.timeoutMs ?? this.timeoutMs);
      const mark = transport?.mark() ?? 0;
      try {
        const init = { method, headers, body, redirect: 'manual' as const, signal: timeout.signal };
        const res = transport ? await transport.fetch(url, init) : await this.fetchImpl(url, init);
        if (isRedirect(res)) {
          await res.body?.cancel();
          throw new RedirectRefused(
            this.service,
            res.status,
            `${label} points to ${this.redact(res.headers.get('location') ?? '(no location)').slice(0, MAX_DETAIL)}; the token is never sent after a redirect, so set the API address to where it points if that is legitimate`,
          );
        }
        if (mode === 'stream' && res.ok && res.body) return { status: res.status, headers: res.headers, body: res.body };
        const text = await res.text();
        if (res.ok || req.answerStatuses?.includes(res.status) || req.answerWhen?.(res.status, text.trim()))
          return response(res.status, res.headers, text, this.service);
        const detail = this.redact(text.trim().slice(0, MAX_DETAIL));
        if (res.status === 429 || res.status >= 500) throw new RetryableStatus(res.status, detail);
        if (res.status === 403 || res.status === 401) throw new PermissionDenied(this.service, `${label}: ${detail || res.statusText}`);
        if (res.status === 404) throw new NotFound(this.service, `${label}: ${detail || 'not found'}`);
        throw new UpstreamError(this.service, res.status, `${label}: ${detail}`);
      } catch (error) {
        if (error instanceof PermissionDenied || error instanceof NotFound || error instanceof UpstreamError || error instanceof RedirectRefused) throw error;
        // Refused for the client certificate: the same handshake would be refused again.
        let refused = transport?.refusalSince(mark);
        if (!refused && transport && !probed && isConnectionDrop(error)) {
          probed = true;
          refused = await transport.probe(url);
        }
        if (refused) throw refused;
        last = error;
      } finally {
        timeout.cancel();
      }
    }
    if (last instanceof RetryableStatus) {
      if (UNAVAILABLE.has(last.status) || NO_LEADER.test(last.detail)) {
        throw new ClusterUnreachable(this.service, `${label} answered ${last.status} after ${attempts} attempts: ${last.detail}`);
      }
      throw new UpstreamError(this.service, last.status, `${label} (after ${attempts} attempts): ${last.detail}`);
    }
    throw new ClusterUnreachable(this.service, `${label} failed after ${attempts} attempts: ${this.redact(describeNetworkError(last))}`);
  }

  /** GET and return the parsed JSON body. */
  async getJson(
    path: string,
    query?: RequestOptions['query'],
    extra: Partial<RequestOptions> = {},
  ): Promise<{ body: unknown; headers: Headers; status: number }> {
    const res = await this.request({ ...extra, method: 'GET', path, query });
    return { body: res.json(), headers: res.headers, status: res.status };
  }

  private url(req: RequestOptions): string {
    const u = new URL(`${this.options.baseUrl.replace(/\/+$/, '')}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Remove the token from any text that could reach an error or a log (an echoing proxy, a debug body). */
  private redact(text: string): string {
    const token = this.knownToken;
    return token && token.length >= 4 ? text.split(token).join('[redacted]') : text;
  }
}

/** A 3xx answer, or the opaque answer of a `redirect: 'manual'` fetch in runtimes that hide it (status 0). */
function isRedirect(res: Response): boolean {
  return (res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect';
}

function response(status: number, headers: Headers, text: string, service: string): HttpResponse {
  return {
    status,
    headers,
    text,
    json() {
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new UpstreamError(service, status, `response is not JSON: ${text.slice(0, 100)}`);
      }
    },
  };
}

/** A connection closed or reset under a request ("socket hang up", undici's "other side closed" in global fetch), as a server refusing the handshake leaves it. */
function isConnectionDrop(error: unknown): boolean {
  const code = (error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'request timed out';
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : '';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return [error.message, typeof code === 'string' ? code : cause].filter(Boolean).join(' — ');
}
