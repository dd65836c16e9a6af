/**
 * Conformance of the simulated S3 with the AWS CLI (botocore: PutObject,
 * multipart upload of a file over the CLI's 8 MiB threshold, HeadObject,
 * GetObject, errors) and with SDK v3's lib-storage Upload as the control
 * plane streams snapshots (PutObject below a part, multipart above, abort on
 * failure); and the snapshot path end to end against the simulated products'
 * endpoints: archive checks, Nomad's Digest, Consul's index, corrupt archives.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Service } from '../../../sim/aws/s3.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import { snapshotArchive, snapshotFile, type SnapshotSpec } from '../../../sim/hashistack/snapshot/archive.js';
import { SnapshotFailed } from '../../../src/errors/index.js';
import type { StreamResponse } from '../../../src/http/client.js';
import { type SnapshotDeps, takeSnapshot } from '../../../src/snapshots/take.js';
import { AWS_CLI_ENV as ENV } from './aws-cli-env.js';
import { type AwsCliResult, awsCli, awsCliJson } from './aws-cli-runner.js';

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-0000000000aa';
const BUCKET = 'snapshots-bucket';
const MIB = 1024 * 1024;

let clock: SimClock;
let service: S3Service;
let faults: Faults;
let served: RunningService;
let s3: typeof import('../../../src/aws/s3.js');
const dir = mkdtempSync(join(tmpdir(), 's3-conformance-'));

beforeAll(async () => {
  clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(5);
  const recorder = new Recorder(clock);
  faults = new Faults(rng);
  service = new S3Service({ clock, rng, recorder, region: 'us-east-1' });
  served = await serve(service, { clock, faults, recorder });
  service.createBucket(BUCKET, { algorithm: 'aws:kms', kmsKeyArn: KEY_ARN });
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_S3: served.url });
  // Modules stay loaded between the files of a worker: the wrapper afresh, its SDK client created for this file's server.
  vi.resetModules();
  s3 = await import('../../../src/aws/s3.js');
});
afterAll(async () => {
  clock.stop();
  await served.close();
});

function cli(args: string[]): Promise<AwsCliResult> {
  return clock.holding(() => awsCliJson(served.url, args, { env: ENV, timeout: 60_000 }));
}

describe('simulated S3 (AWS CLI, REST-XML)', () => {
  it('put-object stores the bytes with SSE-KMS; head-object and get-object give them back', async () => {
    const file = join(dir, 'small.bin');
    const data = randomBytes(300_000);
    writeFileSync(file, data);
    const put = await cli([
      's3api',
      'put-object',
      '--bucket',
      BUCKET,
      '--key',
      'a/small.bin',
      '--body',
      file,
      '--server-side-encryption',
      'aws:kms',
      '--ssekms-key-id',
      KEY_ARN,
    ]);
    expect(put).toMatchObject({ ok: true, out: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN } });
    const head = await cli(['s3api', 'head-object', '--bucket', BUCKET, '--key', 'a/small.bin']);
    expect(head).toMatchObject({ ok: true, out: { ContentLength: data.length, ServerSideEncryption: 'aws:kms' } });
    const out = join(dir, 'small.out');
    await cli(['s3api', 'get-object', '--bucket', BUCKET, '--key', 'a/small.bin', out]);
    expect(readFileSync(out).equals(data)).toBe(true);
  });

  it('s3 cp of 20 MiB is a multipart upload whose object is the file, ETag "<md5 of md5s>-3"', async () => {
    const file = join(dir, 'big.bin');
    const data = randomBytes(20 * MIB);
    writeFileSync(file, data);
    const cp = await clock.holding(() => awsCli(['--endpoint-url', served.url, 's3', 'cp', file, `s3://${BUCKET}/a/big.bin`], { env: ENV, timeout: 120_000 }));
    expect(cp.stderr).toBe('');
    const object = service.buckets.get(BUCKET)?.objects.get('a/big.bin');
    expect(object?.size).toBe(data.length);
    expect(object?.parts).toBe(3);
    expect(object?.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(object?.body?.equals(data)).toBe(true);
  });

  it('answers NoSuchBucket, NoSuchKey, and 404 without a body to a HEAD', async () => {
    expect(await cli(['s3api', 'head-object', '--bucket', 'nope', '--key', 'x'])).toMatchObject({ ok: false, code: '404' });
    expect(await cli(['s3api', 'get-object', '--bucket', BUCKET, '--key', 'missing', join(dir, 'x')])).toMatchObject({ ok: false, code: 'NoSuchKey' });
    expect(await cli(['s3api', 'list-parts', '--bucket', BUCKET, '--key', 'x', '--upload-id', 'nope'])).toMatchObject({ ok: false });
  });

  it('refuses a part under 5 MiB that is not the last, and parts out of order', async () => {
    const created = await cli(['s3api', 'create-multipart-upload', '--bucket', BUCKET, '--key', 'a/parts']);
    if (!created.ok) throw new Error('create failed');
    const uploadId = String(created.out.UploadId);
    const file = join(dir, 'part.bin');
    writeFileSync(file, randomBytes(MIB));
    const etags: string[] = [];
    for (const n of [1, 2]) {
      const p = await cli([
        's3api',
        'upload-part',
        '--bucket',
        BUCKET,
        '--key',
        'a/parts',
        '--upload-id',
        uploadId,
        '--part-number',
        String(n),
        '--body',
        file,
      ]);
      if (!p.ok) throw new Error('upload-part failed');
      etags.push(String(p.out.ETag));
    }
    const complete = (parts: Array<{ n: number; etag: string }>) =>
      cli([
        's3api',
        'complete-multipart-upload',
        '--bucket',
        BUCKET,
        '--key',
        'a/parts',
        '--upload-id',
        uploadId,
        '--multipart-upload',
        JSON.stringify({ Parts: parts.map((p) => ({ PartNumber: p.n, ETag: p.etag })) }),
      ]);
    expect(
      await complete([
        { n: 2, etag: etags[1] ?? '' },
        { n: 1, etag: etags[0] ?? '' },
      ]),
    ).toMatchObject({ ok: false, code: 'InvalidPartOrder' });
    expect(
      await complete([
        { n: 1, etag: etags[0] ?? '' },
        { n: 2, etag: etags[1] ?? '' },
      ]),
    ).toMatchObject({ ok: false, code: 'EntityTooSmall' });
    expect(await cli(['s3api', 'abort-multipart-upload', '--bucket', BUCKET, '--key', 'a/parts', '--upload-id', uploadId])).toMatchObject({ ok: true });
    expect(service.buckets.get(BUCKET)?.uploads.size).toBe(0);
  });
});

describe('the control plane streams snapshots to the simulated S3 (SDK v3 lib-storage)', () => {
  const spec = (system: SnapshotSpec['system'], stateBytes: number, extra: Partial<SnapshotSpec> = {}): SnapshotSpec => ({
    system,
    index: 4242,
    term: 7,
    configurationIndex: 12,
    servers: [{ id: 'i-0aaaaaaaaaaaaaaa1', address: '10.0.1.10:8300' }],
    stateBytes,
    takenAt: Date.parse('2026-01-05T09:00:00Z'),
    ...extra,
  });
  /** A product answering with the archive of `s`, and its own headers. */
  const product = (s: SnapshotSpec, headers: Record<string, string>) => ({
    snapshot: async (): Promise<StreamResponse> => ({
      status: 200,
      headers: new Headers(headers),
      body: Readable.toWeb(snapshotArchive(s)) as unknown as ReadableStream<Uint8Array>,
    }),
  });
  /** Nomad answering as the simulated server does: the archive made once, its Digest header from the same bytes. */
  const nomad = async (s: SnapshotSpec) => {
    const { bytes, digest } = await snapshotFile(s);
    return {
      snapshot: async (): Promise<StreamResponse> => ({
        status: 200,
        headers: new Headers({ Digest: digest }),
        body: Readable.toWeb(Readable.from([bytes])) as unknown as ReadableStream<Uint8Array>,
      }),
    };
  };
  const deps = (clients: Partial<SnapshotDeps['clients']>): SnapshotDeps => ({
    config: { clusterName: 'hashistack', vaultEnabled: true, snapshots: { bucket: BUCKET, kmsKeyId: KEY_ARN, prefix: 'snapshots/', maxAgeMs: 3_600_000 } },
    clients: { nomad: refuse, consul: refuse, vault: refuse, ...clients },
    s3,
    now: () => clock.now(),
  });
  const refuse = { snapshot: async (): Promise<StreamResponse> => Promise.reject(new Error('not this one')) };

  it('a 40 MiB Nomad snapshot goes up in 16 MiB parts; size, Digest, index and SSE-KMS verified; the latest record written', async () => {
    const s = spec('nomad', 40 * MIB);
    const record = await clock.holding(async () => takeSnapshot('nomad', deps({ nomad: await nomad(s) }), { label: 'test' }));
    const object = service.buckets.get(BUCKET)?.objects.get(record.key);
    expect(record).toMatchObject({ system: 'nomad', index: 4242, term: 7, bucket: BUCKET, reused: false });
    expect(object).toMatchObject({ size: record.bytes, parts: 3, sha256: record.sha256, sse: { algorithm: 'aws:kms', kmsKeyArn: KEY_ARN } });
    const latest = service.buckets.get(BUCKET)?.objects.get('snapshots/hashistack/latest/nomad.json');
    expect(JSON.parse(latest?.body?.toString('utf8') ?? '{}')).toMatchObject({ key: record.key, index: 4242 });
  });

  it('a small Consul snapshot is one PutObject; X-Consul-Index must match the index inside', async () => {
    const s = spec('consul', 200_000);
    const ok = await clock.holding(() => takeSnapshot('consul', deps({ consul: product(s, { 'X-Consul-Index': '4242' }) }), { label: 'test' }));
    expect(service.buckets.get(BUCKET)?.objects.get(ok.key)?.parts).toBe(0);
    const wrong = clock.holding(() => takeSnapshot('consul', deps({ consul: product(s, { 'X-Consul-Index': '4100' }) }), { label: 'test' }));
    await expect(wrong).rejects.toThrow(/raft index 4242, Consul's X-Consul-Index says 4100/);
  });

  it('a corrupt archive (state.bin not matching SHA256SUMS) fails with SnapshotFailed, and a wrong Digest too', async () => {
    const bad = spec('vault', 6 * MIB, { corrupt: true });
    await expect(clock.holding(() => takeSnapshot('vault', deps({ vault: product(bad, {}) }), { label: 'test' }))).rejects.toThrow(
      /state\.bin does not match its SHA-256/,
    );
    const s = spec('nomad', 100_000);
    await expect(clock.holding(() => takeSnapshot('nomad', deps({ nomad: product(s, { Digest: 'sha-256=AAAA' }) }), { label: 'test' }))).rejects.toBeInstanceOf(
      SnapshotFailed,
    );
  });

  it('S3 failing the parts mid-upload: the multipart upload is aborted and the snapshot fails', async () => {
    // Two parts (16 MiB and the rest): the first stored, the second refused on every attempt.
    const s = spec('nomad', 20 * MIB, { index: 5000 });
    const answering = await nomad(s);
    const original = service.handle.bind(service);
    service.handle = (req) => (req.query.has('partNumber') && req.query.get('partNumber') !== '1' ? service.serverError(req) : original(req));
    try {
      await expect(clock.holding(() => takeSnapshot('nomad', deps({ nomad: answering }), { label: 'test' }))).rejects.toThrow(/upload to s3:\/\/.* failed/);
    } finally {
      service.handle = original;
    }
    expect(service.buckets.get(BUCKET)?.uploads.size).toBe(0);
  });
});
