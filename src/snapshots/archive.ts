/**
 * Reads a raft snapshot archive as it streams past (never holding it): the
 * archive's size and SHA-256 (Nomad's `Digest` covers it), and inside the
 * gzip'd tar (helper/snapshot/archive.go of Consul, Nomad and Vault) the
 * SHA-256 of `meta.json` and `state.bin` checked against `SHA256SUMS`, the
 * raft index and term from meta.json, and state.bin's size against the
 * `Size` meta.json announces. The gzip trailer's CRC and length are checked
 * by the decompressor.
 */
import { createHash } from 'node:crypto';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createTarDecoder } from 'modern-tar';
import * as z from '../validation/zod.js';

const MetaSchema = z.looseObject({ Index: z.int().check(z.nonnegative()), Term: z.int().check(z.nonnegative()), Size: z.int().check(z.nonnegative()) });
/** meta.json and SHA256SUMS are small; anything larger is not a snapshot. */
const SMALL_ENTRY_MAX = 1024 * 1024;

export interface ArchiveFacts {
  /** Bytes of the archive as sent. */
  bytes: number;
  /** SHA-256 of the archive: hex, and base64 as in Nomad's `Digest: sha-256=…`. */
  sha256Hex: string;
  sha256Base64: string;
  index: number;
  term: number;
  stateBytes: number;
  /** The entries in archive order. */
  entries: string[];
}

/** The archive does not hold what the product's format promises. */
export class ArchiveInvalid extends Error {
  override name = 'ArchiveInvalid';
}

/**
 * Inspect `source` to its end; resolves with the facts once every check
 * passed, rejects with ArchiveInvalid otherwise.
 */
export async function inspectArchive(source: Readable): Promise<ArchiveFacts> {
  const whole = createHash('sha256');
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      whole.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  // Not strict: a header's checksum and magic are not checked here; the gzip CRC covers every byte of the tar.
  const decoder = createTarDecoder();
  const sums = new Map<string, string>();
  const small = new Map<string, Buffer>();
  let stateBytes = -1;
  const entries: string[] = [];
  const readEntries = async (): Promise<void> => {
    for await (const entry of decoder.readable) {
      const name = entry.header.name;
      entries.push(name);
      const hash = createHash('sha256');
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of entry.body) {
        hash.update(chunk);
        size += chunk.length;
        if (name !== 'state.bin' && size <= SMALL_ENTRY_MAX) chunks.push(chunk);
      }
      sums.set(name, hash.digest('hex'));
      if (name === 'state.bin') stateBytes = size;
      else small.set(name, Buffer.concat(chunks));
    }
  };
  // Whichever side fails first stops the other: the source is not left open behind a stalled decoder.
  const stop = new AbortController();
  const reading = readEntries().catch((error: unknown) => {
    stop.abort(error);
    throw error;
  });
  try {
    await Promise.all([pipeline(source, counted, createGunzip(), Writable.fromWeb(decoder.writable), { signal: stop.signal }), reading]);
  } catch (error) {
    const cause = stop.signal.aborted ? stop.signal.reason : error;
    throw new ArchiveInvalid(`not a readable gzip'd tar: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  return checkContents({ bytes, whole, sums, small, stateBytes, entries });
}

function checkContents(s: {
  bytes: number;
  whole: ReturnType<typeof createHash>;
  sums: Map<string, string>;
  small: Map<string, Buffer>;
  stateBytes: number;
  entries: string[];
}): ArchiveFacts {
  for (const name of ['meta.json', 'state.bin', 'SHA256SUMS'])
    if (!s.entries.includes(name)) throw new ArchiveInvalid(`${name} missing (entries: ${s.entries.join(', ') || 'none'})`);
  const listed = new Map<string, string>();
  for (const line of (s.small.get('SHA256SUMS') ?? Buffer.alloc(0)).toString('utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line.trim());
    if (m?.[1] && m[2]) listed.set(m[2], m[1]);
  }
  for (const name of ['meta.json', 'state.bin']) {
    const expected = listed.get(name);
    if (!expected) throw new ArchiveInvalid(`SHA256SUMS lists no sum for ${name}`);
    if (expected !== s.sums.get(name))
      throw new ArchiveInvalid(`${name} does not match its SHA-256 in SHA256SUMS (listed ${expected}, read ${s.sums.get(name)})`);
  }
  let meta: z.infer<typeof MetaSchema>;
  try {
    meta = MetaSchema.parse(JSON.parse((s.small.get('meta.json') ?? Buffer.alloc(0)).toString('utf8')));
  } catch (error) {
    throw new ArchiveInvalid(`meta.json is not raft snapshot metadata: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`);
  }
  if (meta.Size !== s.stateBytes) throw new ArchiveInvalid(`state.bin has ${s.stateBytes} bytes, meta.json announces ${meta.Size}`);
  const digest = s.whole.digest();
  return {
    bytes: s.bytes,
    sha256Hex: digest.toString('hex'),
    sha256Base64: digest.toString('base64'),
    index: meta.Index,
    term: meta.Term,
    stateBytes: s.stateBytes,
    entries: s.entries,
  };
}
