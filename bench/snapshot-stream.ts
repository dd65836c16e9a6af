/**
 * Streams one large simulated Consul snapshot (default 1 GiB of state) through
 * the control plane's snapshot path into the simulated S3 and reports wall
 * time, throughput and the process's peak RSS: the snapshot is never held in
 * memory (parts of 16 MiB, two in flight). `npm run bench:snapshot -- [MiB]`
 */
import { Readable } from 'node:stream';
import { S3Service } from '../sim/aws/s3.js';
import { SimClock } from '../sim/core/clock.js';
import { Faults } from '../sim/core/faults.js';
import { serve } from '../sim/core/http.js';
import { Recorder } from '../sim/core/recorder.js';
import { Rng } from '../sim/core/rng.js';
import { snapshotArchive, type SnapshotSpec } from '../sim/hashistack/snapshot/archive.js';
import { getJson, headObject, putJson, uploadStream } from '../src/aws/s3.js';
import type { StreamResponse } from '../src/http/client.js';
import { takeSnapshot } from '../src/snapshots/take.js';

const MIB = 1024 * 1024;
const stateMib = Number(process.argv[2] ?? 1024);
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-0000000000aa';

const clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
const rng = new Rng(1);
const recorder = new Recorder(clock);
const service = new S3Service({ clock, rng, recorder, region: 'us-east-1' });
const served = await serve(service, { clock, faults: new Faults(rng), recorder });
service.createBucket('bench', { algorithm: 'aws:kms', kmsKeyArn: KEY });
Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_S3: served.url });

const spec: SnapshotSpec = { system: 'consul', index: 1, term: 1, configurationIndex: 1, servers: [], stateBytes: stateMib * MIB, takenAt: clock.now() };
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
const release = clock.hold();
const started = Date.now();
const record = await takeSnapshot(
  'consul',
  {
    config: { clusterName: 'bench', vaultEnabled: true, snapshots: { bucket: 'bench', kmsKeyId: KEY, prefix: 'snapshots/', maxAgeMs: 0 } },
    clients: {
      consul: {
        snapshot: async (): Promise<StreamResponse> => ({
          status: 200,
          headers: new Headers({ 'X-Consul-Index': '1' }),
          body: Readable.toWeb(snapshotArchive(spec)) as unknown as ReadableStream<Uint8Array>,
        }),
      },
      nomad: { snapshot: () => Promise.reject(new Error('unused')) },
      vault: { snapshot: () => Promise.reject(new Error('unused')) },
    },
    s3: { uploadStream, headObject, putJson, getJson },
    now: () => Date.now(),
  },
  { label: 'bench' },
);
const seconds = (Date.now() - started) / 1000;
release();
clearInterval(sampler);
const object = service.buckets.get('bench')?.objects.get(record.key);
console.log(
  JSON.stringify({
    stateMib,
    archiveBytes: record.bytes,
    parts: object?.parts,
    seconds: Math.round(seconds * 10) / 10,
    mibPerSecond: Math.round((record.bytes / MIB / seconds) * 10) / 10,
    peakRssMib: Math.round(peakRss / MIB),
  }),
);
clock.stop();
await served.close();
