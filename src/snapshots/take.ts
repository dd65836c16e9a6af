/**
 * Take one raft snapshot and keep it: stream it from the product straight to
 * S3 (SSE-KMS) while reading it on the way, then verify it (the archive's
 * internal SHA-256 sums and meta.json, Nomad's `Digest` of the whole
 * archive, Consul's `X-Consul-Index` against the raft index inside, and what
 * S3 stored: size and encryption). Only a verified snapshot is recorded as
 * the system's latest. Nothing is held in memory beyond the upload's parts.
 */
import { PassThrough, Readable } from 'node:stream';
import type * as s3 from '../aws/s3.js';
import type { Config } from '../config/index.js';
import { ConfigError, ControlPlaneError, SnapshotFailed } from '../errors/index.js';
import type { StreamResponse } from '../http/client.js';
import { getLogger } from '../observability/logger.js';
import { ArchiveInvalid, type ArchiveFacts, inspectArchive } from './archive.js';
import { type SnapshotRecord, SnapshotRecordSchema, type SnapshotSystem } from './record.js';

export interface SnapshotDeps {
  config: Pick<Config, 'clusterName' | 'snapshots' | 'vaultEnabled'>;
  clients: Record<SnapshotSystem, { snapshot(): Promise<StreamResponse> }>;
  s3: Pick<typeof s3, 'uploadStream' | 'headObject' | 'putJson' | 'getJson'>;
  now: () => number;
}

/** Where snapshots go; ConfigError when the function was deployed without a bucket. */
export function snapshotTarget(config: SnapshotDeps['config']): { bucket: string; kmsKeyId: string; prefix: string } {
  const { bucket, kmsKeyId, prefix } = config.snapshots;
  if (!bucket || !kmsKeyId)
    throw new ConfigError('SNAPSHOT_BUCKET', 'SNAPSHOT_BUCKET and SNAPSHOT_KMS_KEY must be set for a function that takes raft snapshots');
  return { bucket, kmsKeyId, prefix: `${prefix}${config.clusterName}/` };
}

/** The key of the latest verified snapshot's record of a system. */
export const latestKey = (prefix: string, system: SnapshotSystem): string => `${prefix}latest/${system}.json`;

const compactTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * Take, store and verify a snapshot of `system`.
 * @throws SnapshotFailed (the product refused or was unreachable, the archive is invalid, S3 refused or stored something else)
 */
export async function takeSnapshot(
  system: SnapshotSystem,
  deps: SnapshotDeps,
  options: {
    /** Who takes it (an instance id, a group), in the key: two removals in the same second never share an object. */
    label: string;
    onProgress?: (bytes: number) => void;
  },
): Promise<SnapshotRecord> {
  const target = snapshotTarget(deps.config);
  const startedAt = deps.now();
  const opened = await deps.clients[system].snapshot().catch((error: unknown) => {
    throw new SnapshotFailed(system, `the product did not send one: ${messageOf(error)}`, { cause: error });
  });
  const source = Readable.fromWeb(opened.body as import('node:stream/web').ReadableStream<Uint8Array>);
  const toS3 = new PassThrough();
  const toCheck = new PassThrough();
  const stop = (error: Error): void => {
    source.destroy();
    toS3.destroy(error);
    toCheck.destroy(error);
  };
  source.on('error', (error) => stop(error));
  source.pipe(toS3);
  source.pipe(toCheck);
  const key = `${target.prefix}${system}/${compactTime(startedAt)}-${options.label.replace(/[^A-Za-z0-9_.-]/g, '-')}.snap`;
  const [uploaded, inspected] = await Promise.allSettled([
    deps.s3
      .uploadStream({ bucket: target.bucket, key, body: toS3, encryption: { kmsKeyId: target.kmsKeyId }, metadata: { system }, onProgress: options.onProgress })
      .catch((error: unknown) => {
        stop(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }),
    inspectArchive(toCheck).catch((error: unknown) => {
      stop(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }),
  ]);
  if (inspected.status === 'rejected' && inspected.reason instanceof ArchiveInvalid)
    throw new SnapshotFailed(system, `the archive is invalid: ${inspected.reason.message}`, { cause: inspected.reason });
  if (uploaded.status === 'rejected')
    throw new SnapshotFailed(system, `upload to s3://${target.bucket}/${key} failed: ${messageOf(uploaded.reason)}`, { cause: uploaded.reason });
  if (inspected.status === 'rejected') throw new SnapshotFailed(system, `reading it failed: ${messageOf(inspected.reason)}`, { cause: inspected.reason });
  const facts = inspected.value;
  checkProductHeaders(system, opened.headers, facts);
  const stored = await deps.s3.headObject(target.bucket, key).catch((error: unknown) => {
    throw new SnapshotFailed(system, `could not read back s3://${target.bucket}/${key}: ${messageOf(error)}`, { cause: error });
  });
  if (!stored) throw new SnapshotFailed(system, `s3://${target.bucket}/${key} is not there after the upload`);
  if (stored.size !== facts.bytes) throw new SnapshotFailed(system, `s3://${target.bucket}/${key} holds ${stored.size} bytes, the product sent ${facts.bytes}`);
  if (uploaded.value.etag !== undefined && stored.etag !== uploaded.value.etag)
    throw new SnapshotFailed(system, `s3://${target.bucket}/${key} has ETag ${stored.etag}, not the upload's ${uploaded.value.etag} (written again meanwhile)`);
  if (stored.sse !== 'aws:kms' || !sameKey(stored.kmsKeyId, target.kmsKeyId))
    throw new SnapshotFailed(
      system,
      `s3://${target.bucket}/${key} is encrypted with ${stored.sse ?? 'nothing'} ${stored.kmsKeyId ?? ''}, not SSE-KMS with ${target.kmsKeyId}`,
    );
  const record: SnapshotRecord = SnapshotRecordSchema.parse({
    system,
    bucket: target.bucket,
    key,
    bytes: facts.bytes,
    index: facts.index,
    term: facts.term,
    sha256: facts.sha256Hex,
    etag: uploaded.value.etag ?? stored.etag,
    takenAt: startedAt,
    seconds: Math.round((deps.now() - startedAt) / 100) / 10,
    reused: false,
  });
  await deps.s3.putJson(target.bucket, latestKey(target.prefix, system), record, { kmsKeyId: target.kmsKeyId }).catch((error: unknown) => {
    throw new SnapshotFailed(system, `stored and verified at s3://${target.bucket}/${key}, but its record could not be written: ${messageOf(error)}`, {
      cause: error,
    });
  });
  getLogger().info('raft snapshot stored and verified', { ...record });
  return record;
}

/**
 * The latest verified snapshot of `system` when it is at most `maxAgeMs`
 * old (an unplanned removal right after a planned one reuses it), else undefined.
 */
export async function recentSnapshot(system: SnapshotSystem, deps: SnapshotDeps, maxAgeMs: number): Promise<SnapshotRecord | undefined> {
  const target = snapshotTarget(deps.config);
  const raw = await deps.s3.getJson(target.bucket, latestKey(target.prefix, system)).catch(() => undefined);
  const parsed = SnapshotRecordSchema.safeParse(raw);
  if (!parsed.success || deps.now() - parsed.data.takenAt > maxAgeMs) return undefined;
  return { ...parsed.data, reused: true };
}

/** The product's own word on the archive: Nomad's digest of the bytes, Consul's raft index. */
function checkProductHeaders(system: SnapshotSystem, headers: Headers, facts: ArchiveFacts): void {
  if (system === 'nomad') {
    const digest = headers.get('digest');
    if (!digest) throw new SnapshotFailed(system, 'Nomad sent no Digest header');
    const sha = digest
      .split(',')
      .map((d) => d.trim())
      .find((d) => d.toLowerCase().startsWith('sha-256='));
    if (sha?.slice('sha-256='.length) !== facts.sha256Base64)
      throw new SnapshotFailed(system, `the archive's SHA-256 ${facts.sha256Base64} differs from Nomad's Digest ${digest}`);
  }
  if (system === 'consul') {
    const index = Number(headers.get('x-consul-index'));
    if (index !== facts.index)
      throw new SnapshotFailed(system, `meta.json covers raft index ${facts.index}, Consul's X-Consul-Index says ${headers.get('x-consul-index')}`);
  }
}

/** S3 names the key by ARN; the config may use the ARN or the bare id. */
function sameKey(stored: string | undefined, configured: string): boolean {
  if (!stored) return false;
  return stored === configured || stored.endsWith(`/${configured}`) || configured.endsWith(`/${stored}`);
}

function messageOf(error: unknown): string {
  if (error instanceof ControlPlaneError || error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
