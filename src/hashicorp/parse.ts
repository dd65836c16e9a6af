/** Parse an upstream body with a zod schema; a mismatch is an UpstreamError. */
import * as z from '../validation/zod.js';
import { UpstreamError } from '../errors/index.js';

export function parseBody<S extends z.core.$ZodType>(service: string, what: string, schema: S, body: unknown, status = 200): z.infer<S> {
  const r = z.safeParse(schema, body);
  if (!r.success) throw new UpstreamError(service, status, `unexpected ${what} response: ${z.prettifyError(r.error).slice(0, 300)}`);
  return r.data;
}

/** Value of a blocking-query index header (0 when absent). */
export function indexHeader(headers: Headers, name: string): number {
  const n = Number(headers.get(name) ?? '0');
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Quote a value for a go-bexpr filter ("…" with escapes). */
export function bexprString(value: string): string {
  return JSON.stringify(value);
}
