import type { SimRequest, SimResponse } from '../../core/http.js';

/** One route of a simulated API. */
export interface Route {
  method: string;
  /** Path template, e.g. /v1/node/:id/drain (`:name` one segment, `*name` the rest of the path). */
  template: string;
  handle(req: SimRequest, params: Record<string, string>): Promise<SimResponse> | SimResponse;
}

/** Matches request paths against route templates (`:name` matches one path segment, `*name` the rest). */
export class Router {
  private readonly compiled: Array<{ route: Route; pattern: RegExp; names: string[] }>;

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.template
        .split('/')
        .map((seg) => {
          if (seg.startsWith(':')) {
            names.push(seg.slice(1));
            return '([^/]+)';
          }
          if (seg.startsWith('*')) {
            names.push(seg.slice(1));
            return '(.*)';
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      return { route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  /** The route for a request and its path parameters; undefined when none matches. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { route: c.route, params };
    }
    return undefined;
  }

  /** `METHOD /template` of the matching route (the recorder's action name). */
  actionOf(req: SimRequest): string {
    const m = this.match(req.method, req.path);
    return m ? `${m.route.method} ${m.route.template}` : `${req.method} ${req.path}`;
  }
}

/** A request header's single value. */
export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The token of a request: the system's own header, or `Authorization: Bearer`. */
export function tokenOf(req: SimRequest, headerName: string): string | undefined {
  const direct = header(req, headerName);
  if (direct) return direct;
  const auth = header(req, 'authorization');
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m?.[1];
}

/** Parse a JSON request body as unknown (undefined when empty or invalid). */
export function jsonBody(req: SimRequest): unknown {
  if (req.body.trim() === '') return undefined;
  try {
    return JSON.parse(req.body) as unknown;
  } catch {
    return undefined;
  }
}
