import { json, text, type SimRequest, type SimResponse } from '../../core/http.js';
import type { ChangeIndex } from '../../core/blocking.js';
import type { ConsulTable } from '../cluster/indexing.js';
import { commit } from '../cluster/indexing.js';

interface KvEntry {
  Key: string;
  Flags: number;
  Value: Buffer;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** What a KV read needs from the service: ACL checks, blocking and headers. */
export interface KvReadContext {
  mayRead(key: string): boolean;
  block(tables: ConsulTable[]): Promise<SimResponse | undefined>;
  headers(filteredAny: boolean): Record<string, string>;
  denied(): SimResponse;
}

/**
 * Consul's KV store as `agent/kvs_endpoint.go` serves it: a single-key read
 * of a key the token may not read is 403, a missing key 404 with an empty
 * body; `?recurse` and `?keys` lists drop what the token may not read; `PUT`
 * answers `true` (or `false` when `?cas` does not match), `DELETE` `true`.
 */
export class ConsulKv {
  private readonly entries = new Map<string, KvEntry>();

  constructor(private readonly index: ChangeIndex<ConsulTable>) {}

  async get(req: SimRequest, key: string, ctx: KvReadContext): Promise<SimResponse> {
    const recurse = req.query.has('recurse');
    const keysOnly = req.query.has('keys');
    if (!recurse && !keysOnly && !ctx.mayRead(key)) return ctx.denied();
    const bad = await ctx.block(['kvs']);
    if (bad) return bad;
    if (keysOnly) {
      const separator = req.query.get('separator') ?? '';
      const all = [...this.entries.keys()].filter((k) => k.startsWith(key));
      const visible = all.filter((k) => ctx.mayRead(k));
      const keys = new Set(
        visible.map((k) => {
          if (!separator) return k;
          const i = k.indexOf(separator, key.length);
          return i < 0 ? k : k.slice(0, i + separator.length);
        }),
      );
      const headers = ctx.headers(visible.length < all.length);
      return keys.size === 0 ? text(404, '', headers) : json(200, [...keys].sort(), headers);
    }
    const all = recurse
      ? [...this.entries.values()].filter((e) => e.Key.startsWith(key))
      : [this.entries.get(key)].filter((e): e is KvEntry => e !== undefined);
    const visible = all.filter((e) => ctx.mayRead(e.Key)).sort((a, b) => a.Key.localeCompare(b.Key));
    const headers = ctx.headers(visible.length < all.length);
    if (visible.length === 0) return text(404, '', headers);
    if (req.query.has('raw') && !recurse)
      return { status: 200, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: visible[0]?.Value.toString('utf8') ?? '' };
    return json(
      200,
      visible.map((e) => ({
        LockIndex: e.LockIndex,
        Key: e.Key,
        Flags: e.Flags,
        Value: e.Value.length ? e.Value.toString('base64') : null,
        CreateIndex: e.CreateIndex,
        ModifyIndex: e.ModifyIndex,
      })),
      headers,
    );
  }

  put(req: SimRequest, key: string): SimResponse {
    if (key === '') return text(400, 'Missing key name');
    const flags = Number(req.query.get('flags') ?? '0');
    if (!Number.isInteger(flags) || flags < 0) return text(400, 'Invalid flags');
    const existing = this.entries.get(key);
    const cas = req.query.get('cas');
    if (cas !== null) {
      if (!/^\d+$/.test(cas)) return text(400, 'Invalid cas index');
      const want = Number(cas);
      if ((want === 0 && existing) || (want > 0 && existing?.ModifyIndex !== want)) return json(200, false);
    }
    commit(this.index, ['kvs'], (i) => {
      this.entries.set(key, {
        Key: key,
        Flags: flags,
        Value: Buffer.from(req.body, 'utf8'),
        LockIndex: 0,
        CreateIndex: existing?.CreateIndex ?? i,
        ModifyIndex: i,
      });
    });
    return json(200, true);
  }

  delete(req: SimRequest, key: string): SimResponse {
    const cas = req.query.get('cas');
    if (cas !== null && this.entries.get(key)?.ModifyIndex !== Number(cas)) return json(200, false);
    const doomed = req.query.has('recurse') ? [...this.entries.keys()].filter((k) => k.startsWith(key)) : [key].filter((k) => this.entries.has(k));
    if (doomed.length)
      commit(this.index, ['kvs'], () => {
        for (const k of doomed) this.entries.delete(k);
      });
    return json(200, true);
  }
}
