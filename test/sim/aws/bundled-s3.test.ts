/**
 * The S3 wrappers as the snapshot functions' bundles ship them
 * (serverless.yml custom.esbuild with plugins/esbuild-plugins.cjs) against the
 * simulated S3: a multipart upload of a stream, SSE-KMS, read back, the
 * snapshot record written and read, a missing key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../../bench/bundles.js';
import { S3Service } from '../../../sim/aws/s3.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { type RunningService, serve } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import type * as s3 from '../../../src/aws/s3.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-0000000000bb';
const BUCKET = 'bundled-snapshots';
const MIB = 1024 * 1024;
const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3'];
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

let dir: string;
let clock: SimClock;
let served: RunningService;
let bundled: Pick<typeof s3, 'uploadStream' | 'headObject' | 'putJson' | 'getJson'>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcp-bundled-s3-'));
  const entry = `export { uploadStream, headObject, putJson, getJson } from './src/aws/s3.js';`;
  await build({ ...lambdaBuildOptions(), stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, outfile: join(dir, 's3.mjs') });
  clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(7);
  const recorder = new Recorder(clock);
  const service = new S3Service({ clock, rng, recorder, region: 'us-east-1' });
  served = await serve(service, { clock, faults: new Faults(rng), recorder });
  service.createBucket(BUCKET, { algorithm: 'aws:kms', kmsKeyArn: KEY_ARN });
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'ASIABUNDLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_S3: served.url });
  delete process.env.AWS_SESSION_TOKEN;
  bundled = (await import(pathToFileURL(join(dir, 's3.mjs')).href)) as typeof bundled;
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  clock.stop();
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled S3 wrappers', () => {
  it('stream a multipart upload with SSE-KMS and read it back', async () => {
    const body = Buffer.alloc(20 * MIB + 123, 7);
    const seen: number[] = [];
    const { etag } = await clock.holding(() =>
      bundled.uploadStream({
        bucket: BUCKET,
        key: 'cluster/consul/1.snap',
        body: Readable.from([body.subarray(0, 5 * MIB), body.subarray(5 * MIB)]),
        encryption: { kmsKeyId: KEY_ARN },
        metadata: { system: 'consul' },
        onProgress: (bytes) => seen.push(bytes),
      }),
    );
    expect(etag).toMatch(/-2"?$/);
    expect(seen.at(-1)).toBe(body.length);
    const stored = await clock.holding(() => bundled.headObject(BUCKET, 'cluster/consul/1.snap'));
    expect(stored).toMatchObject({ size: body.length, sse: 'aws:kms', kmsKeyId: KEY_ARN, metadata: { system: 'consul' } });
    expect(stored?.etag).toBe(etag);
  });

  it('write and read a JSON record; a missing key answers undefined', async () => {
    await clock.holding(() => bundled.putJson(BUCKET, 'cluster/consul/latest.json', { index: 42 }, { kmsKeyId: KEY_ARN }));
    await expect(clock.holding(() => bundled.getJson(BUCKET, 'cluster/consul/latest.json'))).resolves.toEqual({ index: 42 });
    await expect(clock.holding(() => bundled.headObject(BUCKET, 'cluster/nomad/none.snap'))).resolves.toBeUndefined();
  });
});
