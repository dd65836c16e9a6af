/**
 * Thin wrapper over S3 for the snapshots: a streamed upload (lib-storage
 * Upload: PutObject below one part, else a multipart upload of bounded
 * parts, aborted on failure), SSE-KMS on every write, HeadObject to verify
 * what was stored, and the small JSON record of the latest snapshot.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { awsClientOptions, awsErrorName, mapAwsError } from './client-options.js';

/**
 * Part size and parts in flight: at most PART_BYTES × QUEUE_SIZE of a
 * snapshot is in memory at once, whatever its size (10 000 parts of 16 MiB
 * allow 156 GiB).
 */
const PART_BYTES = 16 * 1024 * 1024;
const QUEUE_SIZE = 2;

let client: S3Client | undefined;

/** The S3 client of this container, created on first use. */
export function s3Client(): S3Client {
  // Uploads of a part may take longer than the shared 10 s request timeout.
  client ??= new S3Client({ ...awsClientOptions(), requestHandler: { requestTimeout: 120_000, connectionTimeout: 3_000 } });
  return client;
}

export interface Encryption {
  /** The KMS key objects are encrypted with (SSE-KMS). */
  kmsKeyId: string;
}

export interface StoredObject {
  size: number;
  etag: string;
  sse: string | undefined;
  kmsKeyId: string | undefined;
  metadata: Record<string, string>;
}

/**
 * Stream `body` to `bucket/key`, SSE-KMS with `encryption.kmsKeyId`. A failed
 * upload is aborted (no parts left behind) and rethrown.
 * @throws AwsUnavailable, PermissionDenied, UpstreamError
 */
export async function uploadStream(input: {
  bucket: string;
  key: string;
  body: Readable;
  encryption: Encryption;
  metadata: Record<string, string>;
  onProgress?: (bytes: number) => void;
}): Promise<{ etag: string | undefined }> {
  const upload = new Upload({
    client: s3Client(),
    partSize: PART_BYTES,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
    params: {
      Bucket: input.bucket,
      Key: input.key,
      Body: input.body,
      ContentType: 'application/gzip',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: input.encryption.kmsKeyId,
      Metadata: input.metadata,
    },
  });
  if (input.onProgress) upload.on('httpUploadProgress', (p) => p.loaded !== undefined && input.onProgress?.(p.loaded));
  try {
    const out = await upload.done();
    return { etag: out.ETag };
  } catch (error) {
    throw mapAwsError('s3', error);
  }
}

/** What S3 stored under `key`, or undefined when there is nothing. */
export async function headObject(bucket: string, key: string): Promise<StoredObject | undefined> {
  try {
    const out = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      size: out.ContentLength ?? 0,
      etag: out.ETag ?? '',
      sse: out.ServerSideEncryption,
      kmsKeyId: out.SSEKMSKeyId,
      metadata: out.Metadata ?? {},
    };
  } catch (error) {
    if (awsErrorName(error) === 'NotFound') return undefined;
    throw mapAwsError('s3', error);
  }
}

/** Write a small JSON document (SSE-KMS). */
export async function putJson(bucket: string, key: string, value: unknown, encryption: Encryption): Promise<void> {
  try {
    await s3Client().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: encryption.kmsKeyId,
      }),
    );
  } catch (error) {
    throw mapAwsError('s3', error);
  }
}

/** Read a small JSON document; undefined when there is none. */
export async function getJson(bucket: string, key: string): Promise<unknown> {
  try {
    const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return undefined;
    if (error instanceof SyntaxError) return undefined;
    throw mapAwsError('s3', error);
  }
}
