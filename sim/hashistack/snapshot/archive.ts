/**
 * A raft snapshot archive as Consul, Nomad and Vault write it
 * (helper/snapshot/archive.go in each): a gzip'd tar of `meta.json` (the raft
 * SnapshotMeta), `state.bin` (the FSM's serialized state) and `SHA256SUMS`
 * (`<hex>  <name>` lines for the other two); Vault adds
 * `SHA256SUMS.sealed`, the sums sealed with its barrier. The state bytes are
 * deterministic for a snapshot (a keyed AES-CTR stream), so the archive can
 * be produced twice byte for byte: once to compute the digest Nomad sends in
 * its `Digest` header before the body (Nomad writes a temporary file first),
 * once to stream it. Nothing of a multi-GB archive is ever held in memory.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

export type SnapshotSystem = 'nomad' | 'consul' | 'vault';

export interface SnapshotSpec {
  system: SnapshotSystem;
  /** Raft index and term the snapshot covers. */
  index: number;
  term: number;
  configurationIndex: number;
  servers: Array<{ id: string; address: string }>;
  /** Size of state.bin in bytes. */
  stateBytes: number;
  /** When it was taken (tar header times), epoch ms. */
  takenAt: number;
  /** Fault: flip one byte of state.bin after its sum was taken (a corrupt snapshot). */
  corrupt?: boolean;
}

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/** The archive as a stream; the same spec always gives the same bytes. */
export function snapshotArchive(spec: SnapshotSpec): Readable {
  const out = new PassThrough({ highWaterMark: CHUNK });
  const tar = tarPack();
  const gzip = createGzip();
  write(tar, spec).catch((error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))));
  pipeline(tar, gzip, out).catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

/**
 * The archive as Nomad's server keeps it before it answers (helper/snapshot.New: written once to a temporary
 * file, hashed as it is written): the bytes, and the `Digest` header, `sha-256=<base64>` of the gzip'd bytes.
 */
export async function snapshotFile(spec: SnapshotSpec): Promise<{ bytes: Buffer; digest: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  for await (const chunk of snapshotArchive(spec)) {
    hash.update(chunk as Buffer);
    chunks.push(chunk as Buffer);
  }
  return { bytes: Buffer.concat(chunks), digest: `sha-256=${hash.digest('base64')}` };
}

function metaJson(spec: SnapshotSpec): Buffer {
  const meta = {
    Version: 1,
    ID: `${spec.term}-${spec.index}-${spec.takenAt}`,
    Index: spec.index,
    Term: spec.term,
    Peers: null,
    Configuration: { Servers: spec.servers.map((s) => ({ Suffrage: 0, ID: s.id, Address: s.address })) },
    ConfigurationIndex: spec.configurationIndex,
    Size: spec.stateBytes,
  };
  return Buffer.from(JSON.stringify(meta));
}

async function write(tar: ReturnType<typeof tarPack>, spec: SnapshotSpec): Promise<void> {
  const mtime = new Date(spec.takenAt);
  const meta = metaJson(spec);
  await addEntry(tar, 'meta.json', meta, mtime);
  const stateSum = await addState(tar, spec, mtime);
  const sums = Buffer.from(`${sha256hex(meta)}  meta.json\n${stateSum}  state.bin\n`);
  await addEntry(tar, 'SHA256SUMS', sums, mtime);
  if (spec.system === 'vault') await addEntry(tar, 'SHA256SUMS.sealed', sealed(sums, spec), mtime);
  tar.finalize();
}

function addEntry(tar: ReturnType<typeof tarPack>, name: string, data: Buffer, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    tar.entry({ name, size: data.length, mode: 0o600, mtime }, data, (error) => (error ? reject(error) : resolve()));
  });
}

/** state.bin: deterministic bytes, written with back-pressure; returns the sum of the bytes as produced (before a fault corrupts them). */
async function addState(tar: ReturnType<typeof tarPack>, spec: SnapshotSpec, mtime: Date): Promise<string> {
  const key = createHash('sha256').update(`${spec.system}:${spec.index}:${spec.term}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  let done!: () => void;
  let failed!: (e: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const entry = tar.entry({ name: 'state.bin', size: spec.stateBytes, mode: 0o600, mtime }, (error) => (error ? failed(error) : done()));
  let left = spec.stateBytes;
  const corruptAt = spec.corrupt ? Math.floor(spec.stateBytes / 2) : -1;
  let offset = 0;
  while (left > 0) {
    const n = Math.min(CHUNK, left);
    const chunk = cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n));
    hash.update(chunk);
    if (corruptAt >= offset && corruptAt < offset + n) chunk[corruptAt - offset] = (chunk[corruptAt - offset] ?? 0) ^ 0xff;
    offset += n;
    left -= n;
    if (!entry.write(chunk)) await new Promise<void>((resolve) => entry.once('drain', resolve));
  }
  entry.end(Buffer.alloc(0));
  await finished;
  return hash.digest('hex');
}

/** Vault seals the sums with its barrier (AES-GCM); here a keyed digest stands for the ciphertext. */
function sealed(sums: Buffer, spec: SnapshotSpec): Buffer {
  return createHash('sha512').update(`vault-barrier:${spec.index}`).update(sums).digest();
}

function sha256hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
