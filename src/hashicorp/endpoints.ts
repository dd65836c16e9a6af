/**
 * A product's API as separate endpoints (functions of the HTTP client and
 * their arguments), so a function's bundle carries only the endpoints it
 * calls and their response schemas; a step's dependencies bind those to the
 * product's client (src/hashicorp/clients.ts).
 */
import type { HttpClient } from '../http/client.js';

/** One endpoint: a request over `http` and the parse of its answer. */
// biome-ignore lint/suspicious/noExplicitAny: the arguments of any endpoint (the bound type keeps each one's own).
export type Endpoint = (http: HttpClient, ...args: any[]) => Promise<unknown>;

/** Endpoints bound to one client: what a step calls. */
export type BoundEndpoints<E> = { [K in keyof E]: E[K] extends (http: HttpClient, ...args: infer A) => infer R ? (...args: A) => R : never };

/** Bind `endpoints` to `http`. */
export function bindEndpoints<E extends Record<string, Endpoint>>(http: HttpClient, endpoints: E): BoundEndpoints<E> {
  return Object.fromEntries(Object.entries(endpoints).map(([name, endpoint]) => [name, (...args: unknown[]) => endpoint(http, ...args)])) as BoundEndpoints<E>;
}
