/**
 * Simulated Amazon S3 at the REST-XML wire protocol SDK v3 and the AWS CLI
 * speak (path-style addressing, as the SDK uses for an IP endpoint):
 * PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload, HeadObject, GetObject. As S3 does: parts other than
 * the last must be at least 5 MiB (EntityTooSmall at completion), parts are
 * listed in ascending order with their ETags (InvalidPartOrder, InvalidPart),
 * ETags are the MD5 of the body (multipart: MD5 of the parts' MD5s, `-N`),
 * `x-amz-checksum-crc32` is verified (BadDigest), `aws-chunked` bodies with
 * trailing checksums are decoded, and objects take the bucket's default
 * encryption unless the request names SSE-KMS (`aws:kms` + key id).
 * Object bytes are kept up to {@link KEEP_BYTES_UP_TO} (larger objects keep
 * their size and digests only: multi-GB snapshots are never held).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { SimClock } from '../core/clock.js';
import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';

const KEEP_BYTES_UP_TO = 64 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const XML = { 'content-type': 'application/xml' };
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface BucketEncryption {
  algorithm: 'AES256' | 'aws:kms';
  kmsKeyArn?: string;
}

export interface SimObject {
  key: string;
  size: number;
  etag: string;
  /** SHA-256 of the bytes, hex; empty for an object too large to keep. */
  sha256: string;
  lastModified: number;
  sse: BucketEncryption;
  metadata: Record<string, string>;
  /** The bytes, when the object is small enough to keep. */
  body: Buffer | undefined;
  parts: number;
}

interface Upload {
  id: string;
  key: string;
  sse: BucketEncryption;
  metadata: Record<string, string>;
  /** Part bodies are dropped once the upload outgrows {@link KEEP_BYTES_UP_TO} (size and ETag stay). */
  parts: Map<number, { etag: string; size: number; body: Buffer | undefined }>;
}

export interface SimBucket {
  name: string;
  encryption: BucketEncryption;
  objects: Map<string, SimObject>;
  uploads: Map<string, Upload>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The S3 operation a request stands for (the SDK's command names). */
export function s3Operation(req: Pick<SimRequest, 'method' | 'path' | 'query'>): string {
  const hasKey = req.path.split('/').filter(Boolean).length > 1;
  if (!hasKey) return req.method === 'PUT' ? 'CreateBucket' : req.method === 'HEAD' ? 'HeadBucket' : 'ListObjectsV2';
  switch (req.method) {
    case 'PUT':
      return req.query.has('uploadId') ? 'UploadPart' : 'PutObject';
    case 'POST':
      return req.query.has('uploads') ? 'CreateMultipartUpload' : req.query.has('uploadId') ? 'CompleteMultipartUpload' : 'Unknown';
    case 'DELETE':
      return req.query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'HEAD':
      return 'HeadObject';
    case 'GET':
      return 'GetObject';
    default:
      return 'Unknown';
  }
}

/** Bucket and key of a path-style request. */
export function bucketAndKey(path: string): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = path.split('/');
  return { bucket: decodeURIComponent(bucket), key: rest.map(decodeURIComponent).join('/') };
}

export class S3Service implements SimService {
  readonly name = 's3' as const;
  readonly buckets = new Map<string, SimBucket>();
  private readonly rng: Rng;

  constructor(private readonly deps: { clock: SimClock; rng: Rng; recorder: Recorder; region: string }) {
    this.rng = deps.rng.fork('s3');
  }

  /** A bucket as CloudFormation (or the operator) created it. */
  createBucket(name: string, encryption: BucketEncryption = { algorithm: 'AES256' }): SimBucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const bucket: SimBucket = { name, encryption, objects: new Map(), uploads: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  actionOf(req: SimRequest): string {
    return s3Operation(req);
  }

  throttled(req: SimRequest): SimResponse {
    return this.error(new S3Error(503, 'SlowDown', 'Please reduce your request rate.'), req);
  }

  serverError(req: SimRequest): SimResponse {
    return this.error(new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'), req);
  }

  handle(req: SimRequest): SimResponse {
    try {
      const { bucket: name, key } = bucketAndKey(req.path);
      const bucket = this.buckets.get(name);
      if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
      switch (s3Operation(req)) {
        case 'PutObject':
          return this.putObject(bucket, key, req);
        case 'CreateMultipartUpload':
          return this.createUpload(bucket, key, req);
        case 'UploadPart':
          return this.uploadPart(bucket, key, req);
        case 'CompleteMultipartUpload':
          return this.completeUpload(bucket, key, req);
        case 'AbortMultipartUpload':
          this.upload(bucket, key, req);
          bucket.uploads.delete(req.query.get('uploadId') ?? '');
          return { status: 204, headers: this.ids() };
        case 'HeadObject':
          return this.headObject(bucket, key, req, false);
        case 'GetObject':
          return this.headObject(bucket, key, req, true);
        default:
          throw new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
      }
    } catch (error) {
      if (error instanceof S3Error) return this.error(error, req);
      throw error;
    }
  }

  private putObject(bucket: SimBucket, key: string, req: SimRequest): SimResponse {
    const body = this.payload(req);
    const sse = this.encryption(bucket, req);
    const object: SimObject = {
      key,
      size: body.length,
      etag: `"${md5hex(body)}"`,
      sha256: createHash('sha256').update(body).digest('hex'),
      lastModified: this.deps.clock.now(),
      sse,
      metadata: userMetadata(req),
      body: body.length <= KEEP_BYTES_UP_TO ? body : undefined,
      parts: 0,
    };
    bucket.objects.set(key, object);
    this.deps.recorder.event('s3', `${bucket.name}/${key}: PutObject ${body.length} bytes`);
    return { status: 200, headers: { ...this.ids(), ETag: object.etag, ...sseHeaders(sse), ...checksumEcho(req) } };
  }

  private createUpload(bucket: SimBucket, key: string, req: SimRequest): SimResponse {
    const id = this.rng.uuid().replace(/-/g, '');
    const sse = this.encryption(bucket, req);
    bucket.uploads.set(id, { id, key, sse, metadata: userMetadata(req), parts: new Map() });
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult xmlns="${NS}"><Bucket>${esc(bucket.name)}</Bucket><Key>${esc(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`;
    const algorithm = header(req, 'x-amz-checksum-algorithm');
    return { status: 200, headers: { ...XML, ...this.ids(), ...sseHeaders(sse), ...(algorithm ? { 'x-amz-checksum-algorithm': algorithm } : {}) }, body };
  }

  private uploadPart(bucket: SimBucket, key: string, req: SimRequest): SimResponse {
    const upload = this.upload(bucket, key, req);
    const n = Number(req.query.get('partNumber'));
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS)
      throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
    const body = this.payload(req);
    const etag = `"${md5hex(body)}"`;
    upload.parts.set(n, { etag, size: body.length, body });
    const total = [...upload.parts.values()].reduce((sum, p) => sum + p.size, 0);
    if (total > KEEP_BYTES_UP_TO) for (const p of upload.parts.values()) p.body = undefined;
    return { status: 200, headers: { ...this.ids(), ETag: etag, ...sseHeaders(upload.sse), ...checksumEcho(req) } };
  }

  private completeUpload(bucket: SimBucket, key: string, req: SimRequest): SimResponse {
    const upload = this.upload(bucket, key, req);
    const listed = [...req.body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
      n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? '')?.[1]),
      etag: unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1] ?? '')?.[1] ?? ''),
    }));
    if (listed.length === 0)
      throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    if (listed.some((p, i) => i > 0 && p.n <= (listed[i - 1]?.n ?? 0)))
      throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    const parts = listed.map((p, i) => {
      const part = upload.parts.get(p.n);
      const quoted = p.etag.startsWith('"') ? p.etag : `"${p.etag}"`;
      if (!part || part.etag !== quoted)
        throw new S3Error(
          400,
          'InvalidPart',
          "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
        );
      if (i < listed.length - 1 && part.size < MIN_PART_BYTES)
        throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
      return part;
    });
    const sha = createHash('sha256');
    const md5s = createHash('md5');
    let size = 0;
    const kept = parts.every((p) => p.body !== undefined);
    for (const p of parts) {
      if (p.body) sha.update(p.body);
      md5s.update(Buffer.from(p.etag.slice(1, -1), 'hex'));
      size += p.size;
    }
    const etag = `"${md5s.digest('hex')}-${parts.length}"`;
    const object: SimObject = {
      key,
      size,
      etag,
      // Unknown ('') for an object too large to keep.
      sha256: kept ? sha.digest('hex') : '',
      lastModified: this.deps.clock.now(),
      sse: upload.sse,
      metadata: upload.metadata,
      body: kept && size <= KEEP_BYTES_UP_TO ? Buffer.concat(parts.map((p) => p.body as Buffer)) : undefined,
      parts: parts.length,
    };
    bucket.objects.set(key, object);
    bucket.uploads.delete(upload.id);
    this.deps.recorder.event('s3', `${bucket.name}/${key}: multipart upload of ${parts.length} parts completed (${size} bytes)`);
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult xmlns="${NS}"><Location>http://${esc(bucket.name)}.s3.${this.deps.region}.amazonaws.com/${esc(key)}</Location><Bucket>${esc(bucket.name)}</Bucket><Key>${esc(key)}</Key><ETag>${esc(etag)}</ETag></CompleteMultipartUploadResult>`;
    return { status: 200, headers: { ...XML, ...this.ids(), ...sseHeaders(upload.sse) }, body };
  }

  private headObject(bucket: SimBucket, key: string, req: SimRequest, withBody: boolean): SimResponse {
    const object = bucket.objects.get(key);
    // HEAD answers carry no body: the SDK reads the status alone (NotFound).
    if (!object) {
      if (!withBody) return { status: 404, headers: this.ids() };
      throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    const headers: Record<string, string> = {
      ...this.ids(),
      'content-type': 'application/octet-stream',
      'content-length': String(object.size),
      ETag: object.etag,
      'last-modified': new Date(object.lastModified).toUTCString(),
      ...sseHeaders(object.sse),
      ...Object.fromEntries(Object.entries(object.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
      ...(object.parts > 0 ? { 'x-amz-mp-parts-count': String(object.parts) } : {}),
    };
    if (!withBody) return { status: 200, headers };
    if (!object.body) throw new S3Error(501, 'NotImplemented', `the simulator keeps only objects up to ${KEEP_BYTES_UP_TO} bytes (${req.path})`);
    return { status: 200, headers, body: object.body };
  }

  private upload(bucket: SimBucket, key: string, req: SimRequest): Upload {
    const upload = bucket.uploads.get(req.query.get('uploadId') ?? '');
    if (!upload || upload.key !== key)
      throw new S3Error(
        404,
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      );
    return upload;
  }

  /** The request's object bytes: aws-chunked decoded, the announced CRC32 checked. */
  private payload(req: SimRequest): Buffer {
    const chunked = (header(req, 'content-encoding') ?? '').split(',').some((e) => e.trim() === 'aws-chunked');
    const { body, trailers } = chunked ? decodeAwsChunked(req.rawBody) : { body: req.rawBody, trailers: {} as Record<string, string> };
    const announced = header(req, 'x-amz-checksum-crc32') ?? trailers['x-amz-checksum-crc32'];
    if (announced !== undefined) {
      const actual = Buffer.alloc(4);
      actual.writeUInt32BE(crc32(body) >>> 0);
      if (actual.toString('base64') !== announced) throw new S3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
    }
    const decoded = header(req, 'x-amz-decoded-content-length');
    if (chunked && decoded !== undefined && Number(decoded) !== body.length)
      throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
    return body;
  }

  /** The SSE the request asks for, else the bucket's default encryption. */
  private encryption(bucket: SimBucket, req: SimRequest): BucketEncryption {
    const algorithm = header(req, 'x-amz-server-side-encryption');
    if (algorithm === undefined) return bucket.encryption;
    if (algorithm === 'AES256') return { algorithm };
    if (algorithm !== 'aws:kms') throw new S3Error(400, 'InvalidArgument', 'The encryption method specified is not supported');
    const key = header(req, 'x-amz-server-side-encryption-aws-kms-key-id') ?? bucket.encryption.kmsKeyArn;
    return { algorithm, ...(key ? { kmsKeyArn: key } : {}) };
  }

  private ids(): Record<string, string> {
    return { 'x-amz-request-id': this.rng.uuid().replace(/-/g, '').slice(0, 16).toUpperCase(), 'x-amz-id-2': this.rng.uuid() };
  }

  private error(error: S3Error, req: SimRequest): SimResponse {
    const ids = this.ids();
    if (req.method === 'HEAD') return { status: error.status, headers: ids };
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${esc(error.message)}</Message><RequestId>${ids['x-amz-request-id']}</RequestId><HostId>${ids['x-amz-id-2']}</HostId></Error>`;
    return { status: error.status, headers: { ...XML, ...ids }, body };
  }
}

/** `aws-chunked`: `<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n` then trailer lines. */
export function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'InvalidRequest', 'Invalid chunk size');
    at = eol + 2;
    if (size === 0) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of raw.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function userMetadata(req: SimRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-meta-') && typeof v === 'string') out[k.slice('x-amz-meta-'.length)] = v;
  return out;
}

function sseHeaders(sse: BucketEncryption): Record<string, string> {
  return {
    'x-amz-server-side-encryption': sse.algorithm,
    ...(sse.algorithm === 'aws:kms' && sse.kmsKeyArn ? { 'x-amz-server-side-encryption-aws-kms-key-id': sse.kmsKeyArn } : {}),
  };
}

function checksumEcho(req: SimRequest): Record<string, string> {
  const v = header(req, 'x-amz-checksum-crc32');
  return v ? { 'x-amz-checksum-crc32': v } : {};
}

function md5hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function unescapeXml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
