import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { SimClock } from './clock.js';
import type { Faults, ServiceName } from './faults.js';
import type { Recorder } from './recorder.js';

/** A request as a simulated service sees it. */
export interface SimRequest {
  method: string;
  /** Path without the query string, e.g. /v1/node/abc. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /**
   * Aborted when the client goes away before the answer (its own timeout, a
   * killed caller). A waiting handler (a blocking query) stops waiting, as the
   * products' HTTP servers cancel the request's context on a closed
   * connection; above all, it no longer counts as a parked holder of the sim
   * clock: a park left behind would offset real work and let the clock jump
   * while the control plane is busy.
   */
  signal?: AbortSignal;
  /** The body's bytes (binary uploads: S3 objects and parts). */
  rawBody: Buffer;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Text, bytes, or a stream sent as it is produced (a raft snapshot). */
  body?: string | Buffer | Readable;
}

/** One simulated service: how it names, answers and fails requests. */
export interface SimService {
  readonly name: ServiceName;
  /** The API action a request stands for, e.g. CompleteLifecycleAction or GET /v1/node/:id. */
  actionOf(req: SimRequest): string;
  handle(req: SimRequest): Promise<SimResponse> | SimResponse;
  /** The service's own throttling answer. */
  throttled(req: SimRequest): SimResponse;
  /** The service's own internal-error answer. */
  serverError(req: SimRequest): SimResponse;
}

export interface SimContext {
  clock: SimClock;
  faults: Faults;
  recorder: Recorder;
  /** IAM: the service's refusal of a request its caller may not make, undefined to serve it. */
  authorize?: (service: SimService, action: string, req: SimRequest) => Promise<SimResponse | undefined>;
}

export interface RunningService {
  name: ServiceName;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A plain-text response, as HashiCorp APIs send their errors. */
export function text(status: number, body: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

/**
 * Serve a simulated service on a loopback port (ephemeral unless `port` is
 * given; https with client certificates required when `tls` is). Every
 * request is counted by action, delayed by the injected latency (sim time)
 * and may be answered with the service's throttling or 5xx error per the
 * fault plan.
 */
export async function serve(service: SimService, ctx: SimContext, port = 0, tls?: MutualTlsServerOptions): Promise<RunningService> {
  const listener = await listen(port, tls);
  const attached = listener.attach(service, ctx);
  return { ...attached, close: () => attached.close().then(() => listener.close()) };
}

/**
 * A loopback port held for the life of a process, served by one simulation
 * at a time. A process that runs several simulations keeps its ports (the
 * control plane's clients are built once per process, like a Lambda
 * container's): released between simulations, a port could be taken by
 * another test process meanwhile.
 */
export interface Listener {
  readonly port: number;
  /** Serve `service` here until the returned service is closed. */
  attach(service: SimService, ctx: SimContext): RunningService;
  close(): Promise<void>;
}

/**
 * Serve over https with client certificates required, as an agent with
 * `verify_https_client` / `verify_incoming` (Vault: `tls_require_and_verify_client_cert`)
 * does: a client without a certificate from `ca` is refused at the handshake.
 */
export interface MutualTlsServerOptions {
  /** CA the client certificates must be issued by (PEM). */
  ca: string;
  /** The server's certificate and key (PEM). */
  cert: string;
  key: string;
}

export async function listen(port = 0, tls?: MutualTlsServerOptions): Promise<Listener> {
  let current: { service: SimService; ctx: SimContext } | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const serving = current;
    if (!serving) {
      // Nothing attached (between simulations): as if nothing listened.
      req.socket.destroy();
      return;
    }
    const { service, ctx } = serving;
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      const rawBody = Buffer.concat(chunks);
      let text: string | undefined;
      const simReq: SimRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        // Decoded when first read: an S3 part (MiBs of bytes) is only ever read as bytes.
        get body() {
          text ??= rawBody.toString('utf8');
          return text;
        },
        rawBody,
        signal: gone.signal,
      };
      answer(service, ctx, simReq)
        .catch((error: unknown) => {
          console.error(`[sim:${service.name}] handler failed`, error);
          return service.serverError(simReq);
        })
        .then((r) => {
          if (res.destroyed) {
            if (r.body instanceof Readable) r.body.destroy();
            return;
          }
          res.writeHead(r.status, r.headers ?? {});
          if (r.body instanceof Readable) {
            // A failure mid-stream cuts the connection, as a server that dies while sending does.
            r.body.on('error', () => res.destroy());
            res.on('close', () => r.body instanceof Readable && r.body.destroy());
            r.body.pipe(res);
          } else res.end(r.body ?? '');
        });
    });
  };
  const server: Server = tls
    ? createHttpsServer({ ca: tls.ca, cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: true }, onRequest)
    : createServer(onRequest);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  server.unref(); // a held port never keeps the process alive
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    attach(service, ctx) {
      const mine = { service, ctx };
      current = mine;
      return {
        name: service.name,
        url: `${tls ? 'https' : 'http'}://127.0.0.1:${bound}`,
        close: async () => {
          if (current === mine) current = undefined;
          server.closeAllConnections();
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        current = undefined;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TRACE = process.env.SIM_TRACE === '1';

async function answer(service: SimService, ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  const action = service.actionOf(req);
  if (TRACE) console.log(`[sim ${ctx.clock.iso()}] -> ${service.name} ${action} ${req.query.toString()}`);
  const faults = ctx.faults.service(service.name);
  if (faults.latencyMs > 0) await ctx.clock.sleep(faults.latencyMs, { parked: true, signal: req.signal });
  const fault = ctx.faults.drawRequestFault(service.name);
  const response =
    fault === 'throttle'
      ? service.throttled(req)
      : fault === 'error'
        ? service.serverError(req)
        : ((await ctx.authorize?.(service, action, req)) ?? (await service.handle(req)));
  ctx.recorder.apiCall(service.name, action, response.status, fault);
  if (TRACE) console.log(`[sim ${ctx.clock.iso()}] <- ${service.name} ${action} ${response.status}`);
  return response;
}
