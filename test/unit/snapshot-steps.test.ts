/**
 * The snapshot steps through their deps (fakes): serverReplace takes one
 * system per invocation in HashiCorp's order and stops before any change on
 * a failure; the drain's server branch reuses a recent verified snapshot,
 * records a failure and goes on, heartbeating the action while one streams.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { snapshotArchive, type SnapshotSpec } from '../../sim/hashistack/snapshot/archive.js';
import type * as s3 from '../../src/aws/s3.js';
import { ClusterUnreachable } from '../../src/errors/index.js';
import type { StreamResponse } from '../../src/http/client.js';
import { inspectArchive } from '../../src/snapshots/archive.js';
import type { SnapshotRecord, SnapshotSystem } from '../../src/snapshots/record.js';
import type { SnapshotDeps } from '../../src/snapshots/take.js';
import type { DrainState } from '../../src/workflows/drain/state.js';
import { type RemovalSnapshotDeps, snapshotBeforeRemoval } from '../../src/workflows/servers/removal-snapshot.js';
import { snapshotBeforeReplace } from '../../src/workflows/servers/replace-snapshot.js';
import { serverState } from './server-fakes.js';
import type { ReplaceState } from '../../src/workflows/servers/replace-state.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000001';

const spec = (system: SnapshotSystem, index: number): SnapshotSpec => ({
  system,
  index,
  term: 2,
  configurationIndex: 3,
  servers: [],
  stateBytes: 50_000,
  takenAt: T0,
});

/** Fake products (serving the real archive format) and a fake S3 that reads what it is given. */
function fakes(options: { failing?: SnapshotSystem; latest?: Partial<Record<SnapshotSystem, SnapshotRecord>>; now?: () => number } = {}) {
  const stored = new Map<string, { size: number }>();
  const written = new Map<string, unknown>();
  let clock = T0;
  const product = (system: SnapshotSystem, index: number) => ({
    snapshot: async (): Promise<StreamResponse> => {
      if (options.failing === system) throw new ClusterUnreachable(system, 'GET snapshot failed after 4 attempts');
      const s = spec(system, index);
      const headers: Record<string, string> = {};
      if (system === 'nomad') headers.Digest = `sha-256=${(await inspectArchive(snapshotArchive(s))).sha256Base64}`;
      if (system === 'consul') headers['X-Consul-Index'] = String(index);
      return { status: 200, headers: new Headers(headers), body: Readable.toWeb(snapshotArchive(s)) as unknown as ReadableStream<Uint8Array> };
    },
  });
  const fakeS3 = {
    uploadStream: async (input: Parameters<typeof s3.uploadStream>[0]) => {
      let size = 0;
      for await (const chunk of input.body) {
        size += (chunk as Buffer).length;
        clock += 20_000;
        input.onProgress?.(size);
      }
      stored.set(input.key, { size });
      return { etag: '"etag"' };
    },
    headObject: async (_bucket: string, key: string) => {
      const o = stored.get(key);
      return o ? { size: o.size, etag: '"etag"', sse: 'aws:kms', kmsKeyId: KEY, metadata: {} } : undefined;
    },
    putJson: async (_bucket: string, key: string, value: unknown) => {
      written.set(key, value);
    },
    getJson: async (_bucket: string, key: string) => {
      const system = /latest\/(\w+)\.json$/.exec(key)?.[1] as SnapshotSystem | undefined;
      return system ? options.latest?.[system] : undefined;
    },
  } satisfies SnapshotDeps['s3'];
  const heartbeats: number[] = [];
  const deps = {
    config: { clusterName: 'prod', vaultEnabled: true, snapshots: { bucket: 'b', kmsKeyId: KEY, prefix: 'snapshots/', maxAgeMs: 3_600_000 } },
    clients: { consul: product('consul', 11), nomad: product('nomad', 22), vault: product('vault', 33) },
    s3: fakeS3,
    now: options.now ?? (() => clock),
    autoscaling: {
      recordLifecycleActionHeartbeat: async () => {
        heartbeats.push(clock);
        return 'recorded' as const;
      },
    },
  } satisfies RemovalSnapshotDeps;
  return { deps, stored, written, heartbeats };
}

const replaceState = (): ReplaceState => ({
  asgName: 'servers',
  next: 'snapshot',
  pollAfterSeconds: 0,
  target: { launchTemplateId: 'lt-1', version: 2 },
  outdatedAtStart: ['i-1'],
  startedAt: T0,
  current: null,
  replaced: [],
  systems: ['consul', 'nomad', 'vault'],
  queue: [],
  groups: [],
  snapshots: [],
  error: null,
});

const drainState = (): DrainState => ({
  ...serverState({ id: 'i-0abc', ip: '10.0.1.10' }),
  hook: { heartbeatTimeoutSec: 30, heartbeatLimitAt: T0 + 3_000_000 },
});

describe('serverReplace Snapshot', () => {
  it('takes Consul, then Nomad, then Vault, one per invocation, and only then launches', async () => {
    const { deps, written } = fakes();
    let s = replaceState();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      s = await snapshotBeforeReplace(s, deps);
      seen.push(`${s.snapshots.at(-1)?.system}:${s.next}`);
    }
    expect(seen).toEqual(['consul:snapshot', 'nomad:snapshot', 'vault:launch']);
    expect(s.snapshots.map((r) => [r.system, r.index, r.key.startsWith(`snapshots/prod/${r.system}/`)])).toEqual([
      ['consul', 11, true],
      ['nomad', 22, true],
      ['vault', 33, true],
    ]);
    expect([...written.keys()].sort()).toEqual(['snapshots/prod/latest/consul.json', 'snapshots/prod/latest/nomad.json', 'snapshots/prod/latest/vault.json']);
  });

  it('a product that cannot be reached stops the replacement before any change, naming it', async () => {
    const { deps } = fakes({ failing: 'nomad' });
    let s = await snapshotBeforeReplace(replaceState(), deps);
    s = await snapshotBeforeReplace(s, deps);
    expect(s.next).toBe('failed');
    expect(s.error).toEqual({
      Error: 'SnapshotFailed',
      Cause: expect.stringMatching(/stopped before any server was added or removed: nomad snapshot: the product did not send one/),
    });
  });
});

describe('drain ServerSnapshot (unplanned removal)', () => {
  it('reuses a recent verified snapshot, takes the others, heartbeating the action while one streams', async () => {
    const recent: SnapshotRecord = {
      system: 'consul',
      bucket: 'b',
      key: 'snapshots/prod/consul/x.snap',
      bytes: 1,
      index: 9,
      term: 1,
      sha256: 'x',
      etag: 'e',
      takenAt: T0 - 60_000,
      seconds: 1,
      reused: false,
    };
    const { deps, heartbeats } = fakes({ latest: { consul: recent } });
    let s = drainState();
    for (let i = 0; i < 3; i++) s = await snapshotBeforeRemoval(s, deps);
    expect(s.snapshots).toMatchObject({ done: true, failed: null, failedSystems: [] });
    expect(s.snapshots?.taken.map((r) => [r.system, r.reused])).toEqual([
      ['consul', true],
      ['nomad', false],
      ['vault', false],
    ]);
    expect(heartbeats.length).toBeGreaterThan(0);
  });

  it('a failed snapshot is recorded and the removal goes on (done), the failure kept for the alert', async () => {
    const { deps } = fakes({ failing: 'consul' });
    let s = drainState();
    for (let i = 0; i < 3; i++) s = await snapshotBeforeRemoval(s, deps);
    expect(s.snapshots?.done).toBe(true);
    expect(s.snapshots?.failedSystems).toEqual(['consul']);
    expect(s.snapshots?.taken.map((r) => r.system)).toEqual(['nomad', 'vault']);
    expect(s.snapshots?.failed).toEqual({ Error: 'SnapshotFailed', Cause: expect.stringMatching(/^i-0abc: removed without a verified consul snapshot/) });
  });
});
