import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, type ClientRequest } from 'node:http';

/**
 * Who is calling. The handlers run in-process and share SDK clients and
 * process.env, so the caller cannot come from credentials: every invocation
 * runs inside an AsyncLocalStorage store naming its principal, and every HTTP
 * request started in that context carries it in a header the simulated
 * services read. A request without it comes from the simulator or a test
 * (the account's administrator).
 */
export type Principal =
  /** A role session: a function's execution role, or a state machine's role. */
  | { kind: 'role'; roleName: string; sessionName: string; arn: string }
  /** An AWS service acting for a resource (EventBridge delivering a rule's target). */
  | { kind: 'service'; service: string; sourceArn: string };

export const PRINCIPAL_HEADER = 'x-sim-principal';

const store = new AsyncLocalStorage<Principal>();

export function roleSession(accountId: string, roleName: string, sessionName: string): Principal {
  return { kind: 'role', roleName, sessionName, arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}` };
}

/** Run `fn` (and everything it starts) as `principal`. */
export function runAs<T>(principal: Principal | undefined, fn: () => T): T {
  return principal === undefined ? store.exit(fn) : store.run(principal, fn);
}

export function currentPrincipal(): Principal | undefined {
  return store.getStore();
}

/** The principal a request names, or undefined for the administrator. */
export function principalOfRequest(headers: Record<string, string | string[] | undefined>): Principal | undefined {
  const raw = headers[PRINCIPAL_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Principal;
}

let stamping = false;

/**
 * Stamp outgoing requests with the current principal. Node 20 publishes
 * `http.client.request.start` only once the headers are written, so the hook
 * is the agent instead: `Agent#addRequest` runs synchronously in the
 * ClientRequest constructor, in the caller's async context, before the
 * headers are stored (the SDK's node-http-handler always passes an agent,
 * keep-alive or not). Only a header is added; nothing else changes.
 */
export function stampOutgoingRequests(): void {
  if (stamping) return;
  stamping = true;
  // addRequest is Node's public-in-practice but untyped Agent hook.
  const proto = Agent.prototype as unknown as { addRequest: (this: Agent, req: ClientRequest, ...rest: unknown[]) => void };
  const addRequest = proto.addRequest;
  proto.addRequest = function stampedAddRequest(this: Agent, req: ClientRequest, ...rest: unknown[]): void {
    const principal = store.getStore();
    if (principal !== undefined && !req.headersSent) req.setHeader(PRINCIPAL_HEADER, Buffer.from(JSON.stringify(principal)).toString('base64url'));
    addRequest.call(this, req, ...rest);
  };
}
