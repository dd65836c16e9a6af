import { afterEach, describe, expect, it } from 'vitest';
import { ClusterUnreachable, NotFound, PermissionDenied, RedirectRefused, UpstreamError } from '../../src/errors/index.js';
import { HttpClient } from '../../src/http/client.js';
import { json, startServer } from './helpers.js';

const TOKEN = 'b9f2c1de-6a41-4c53-9d27-3f8e7a1c0d11';
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function client(url: string, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient {
  return new HttpClient({
    service: 'nomad',
    baseUrl: url,
    authHeader: 'X-Nomad-Token',
    token: async () => TOKEN,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    maxAttempts: 3,
    ...extra,
  });
}

describe('HttpClient', () => {
  it('sends the token header and returns JSON', async () => {
    const s = await startServer((_r, res) => json(res, 200, { ok: true }));
    close = s.close;
    const r = await client(s.url).getJson('/v1/x', { a: 'b c' });
    expect(r.body).toEqual({ ok: true });
    expect(s.requests[0]?.headers['x-nomad-token']).toBe(TOKEN);
    expect(s.requests[0]?.url).toBe('/v1/x?a=b+c');
  });
  it('retries 5xx a bounded number of times, then reports the cluster unreachable', async () => {
    const s = await startServer((_r, res) => {
      res.writeHead(500);
      res.end('No cluster leader');
    });
    close = s.close;
    await expect(client(s.url).getJson('/v1/x')).rejects.toBeInstanceOf(ClusterUnreachable);
    expect(s.requests).toHaveLength(3);
  });
  it('retries 429 and succeeds', async () => {
    let n = 0;
    const s = await startServer((_r, res) => (++n < 3 ? json(res, 429, 'slow down') : json(res, 200, 'ok')));
    close = s.close;
    expect((await client(s.url).getJson('/v1/x')).body).toBe('ok');
    expect(n).toBe(3);
  });
  it('a 5xx that is not about the leader ends as UpstreamError', async () => {
    const s = await startServer((_r, res) => {
      res.writeHead(500);
      res.end('node not found');
    });
    close = s.close;
    await expect(client(s.url).request({ method: 'POST', path: '/v1/node/x/drain' })).rejects.toBeInstanceOf(UpstreamError);
  });
  it('does not retry 4xx; 403 is PermissionDenied with the body, 404 NotFound, token never in the message', async () => {
    const s = await startServer((r, res) => {
      res.writeHead(r.url.startsWith('/forbidden') ? 403 : r.url.startsWith('/missing') ? 404 : 400);
      res.end(r.url.startsWith('/forbidden') ? `Permission denied (token ${TOKEN})` : 'nope');
    });
    close = s.close;
    const c = client(s.url);
    const e = await c.getJson('/forbidden').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermissionDenied);
    expect((e as Error).name).toBe('PermissionDenied');
    expect((e as Error).message).toContain('Permission denied');
    expect((e as Error).message).not.toContain(TOKEN);
    await expect(c.getJson('/missing')).rejects.toBeInstanceOf(NotFound);
    await expect(c.getJson('/bad')).rejects.toBeInstanceOf(UpstreamError);
    expect(s.requests).toHaveLength(3);
  });
  it('a 403 re-reads the token once bypassing the cache: a rotated token is used at once, the same token stays PermissionDenied', async () => {
    const NEW = 'c0ffee00-6a41-4c53-9d27-3f8e7a1c0d22';
    const s = await startServer((r, res) => (r.headers['x-nomad-token'] === NEW ? json(res, 200, 'ok') : json(res, 403, 'ACL token not found')));
    close = s.close;
    const reads: boolean[] = [];
    let current = TOKEN;
    const rotating = client(s.url, {
      token: async (o) => {
        reads.push(o?.fresh ?? false);
        return o?.fresh ? current : TOKEN;
      },
    });
    await expect(rotating.getJson('/v1/x')).rejects.toBeInstanceOf(PermissionDenied);
    expect(reads).toEqual([false, true]);
    expect(s.requests).toHaveLength(1);
    current = NEW;
    expect((await rotating.getJson('/v1/x')).body).toBe('ok');
    expect(reads).toEqual([false, true, false, true]);
    expect(s.requests.map((q) => q.headers['x-nomad-token'])).toEqual([TOKEN, TOKEN, NEW]);
  });
  it('never follows a redirect with the token: a 307 elsewhere fails with RedirectRefused, the target never sees a request', async () => {
    const target = await startServer((_r, res) => json(res, 200, { stolen: true }));
    const s = await startServer((_r, res) => {
      res.writeHead(307, { Location: `${target.url}/v1/node/x?token=${TOKEN}` });
      res.end();
    });
    close = async () => {
      await s.close();
      await target.close();
    };
    for (const method of ['GET', 'PUT'] as const) {
      const e = await client(s.url)
        .request({ method, path: '/v1/node/x', body: method === 'PUT' ? { a: 1 } : undefined })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RedirectRefused);
      expect((e as RedirectRefused).name).toBe('RedirectRefused');
      expect((e as RedirectRefused).retryable).toBe(false);
      expect((e as Error).message).toContain('307');
      expect((e as Error).message).toContain(target.url);
      expect((e as Error).message).not.toContain(TOKEN);
    }
    expect(target.requests).toHaveLength(0);
    // Refused at once, not retried.
    expect(s.requests).toHaveLength(2);
  });
  it('times out a hanging request and retries it, bounded', async () => {
    const s = await startServer(() => undefined); // never answers
    close = s.close;
    const t0 = Date.now();
    const e = await client(s.url, { timeoutMs: 100, maxAttempts: 2 })
      .getJson('/v1/x')
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClusterUnreachable);
    expect((e as Error).message).toMatch(/timed out/);
    expect(s.requests).toHaveLength(2);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('reports a refused connection as ClusterUnreachable without the token', async () => {
    const e = await client('http://127.0.0.1:1')
      .getJson('/v1/x')
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClusterUnreachable);
    expect((e as Error).message).not.toContain(TOKEN);
  });
  it('answers listed non-2xx statuses instead of throwing', async () => {
    const s = await startServer((_r, res) => json(res, 429, { Healthy: false }));
    close = s.close;
    const r = await client(s.url).request({ path: '/v1/operator/autopilot/health', answerStatuses: [429] });
    expect(r.status).toBe(429);
    expect(s.requests).toHaveLength(1);
  });
});
