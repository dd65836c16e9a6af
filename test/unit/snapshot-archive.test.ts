import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createTarPacker } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { snapshotArchive, type SnapshotSpec } from '../../sim/hashistack/snapshot/archive.js';
import { ArchiveInvalid, inspectArchive } from '../../src/snapshots/archive.js';

const spec = (over: Partial<SnapshotSpec> = {}): SnapshotSpec => ({
  system: 'consul',
  index: 1234,
  term: 7,
  configurationIndex: 12,
  servers: [{ id: 's1', address: '10.0.0.1:8300' }],
  stateBytes: 3 * 1024 * 1024 + 17,
  takenAt: Date.parse('2026-01-05T09:00:00Z'),
  ...over,
});

async function bytesOf(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A gzip'd tar of the given entries (another writer than the simulator's: modern-tar's packer). */
async function tarGz(entries: Record<string, string>): Promise<Buffer> {
  const { readable, controller } = createTarPacker();
  const out = bytesOf(Readable.fromWeb(readable as never));
  for (const [name, body] of Object.entries(entries)) {
    const data = Buffer.from(body);
    const stream = controller.add({ name, size: data.length, type: 'file' });
    const writer = stream.getWriter();
    await writer.write(data);
    await writer.close();
  }
  controller.finalize();
  return gzipSync(await out);
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('inspectArchive', () => {
  it("reads a raft snapshot as Consul writes it: the archive's size and SHA-256, the raft index and term, state.bin's size", async () => {
    const s = spec();
    const whole = await bytesOf(snapshotArchive(s));
    const facts = await inspectArchive(snapshotArchive(s));
    expect(facts).toMatchObject({ bytes: whole.length, index: 1234, term: 7, stateBytes: s.stateBytes, entries: ['meta.json', 'state.bin', 'SHA256SUMS'] });
    expect(facts.sha256Hex).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(facts.sha256Base64).toBe(createHash('sha256').update(whole).digest('base64'));
  });

  it('refuses a state.bin that does not match its SHA-256 in SHA256SUMS', async () => {
    await expect(inspectArchive(snapshotArchive(spec({ corrupt: true })))).rejects.toThrow(/state\.bin does not match its SHA-256/);
  });

  it('refuses an archive cut short (the gzip stream ends early)', async () => {
    const whole = await bytesOf(snapshotArchive(spec()));
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    await expect(inspectArchive(Readable.from([cut]))).rejects.toThrow(ArchiveInvalid);
  });

  it('refuses what is not gzip', async () => {
    await expect(inspectArchive(Readable.from([Buffer.from('<html>502 Bad Gateway</html>')]))).rejects.toThrow(/not a readable gzip'd tar/);
  });

  it('refuses an archive without state.bin, naming what it holds', async () => {
    const meta = JSON.stringify({ Index: 1, Term: 1, Size: 0 });
    const archive = await tarGz({ 'meta.json': meta, SHA256SUMS: `${sha(meta)}  meta.json\n` });
    await expect(inspectArchive(Readable.from([archive]))).rejects.toThrow('state.bin missing (entries: meta.json, SHA256SUMS)');
  });

  it('refuses a meta.json whose Size is not state.bin’s', async () => {
    const meta = JSON.stringify({ Index: 9, Term: 2, Size: 5 });
    const state = 'abc';
    const archive = await tarGz({ 'meta.json': meta, 'state.bin': state, SHA256SUMS: `${sha(meta)}  meta.json\n${sha(state)}  state.bin\n` });
    await expect(inspectArchive(Readable.from([archive]))).rejects.toThrow('state.bin has 3 bytes, meta.json announces 5');
  });

  it('reads a small archive of another writer', async () => {
    const meta = JSON.stringify({ Index: 9, Term: 2, Size: 3 });
    const state = 'abc';
    const archive = await tarGz({ 'meta.json': meta, 'state.bin': state, SHA256SUMS: `${sha(meta)}  meta.json\n${sha(state)}  state.bin\n` });
    await expect(inspectArchive(Readable.from([archive]))).resolves.toMatchObject({ index: 9, term: 2, stateBytes: 3, bytes: archive.length });
  });
});
