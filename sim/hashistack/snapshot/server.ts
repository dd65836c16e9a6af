/**
 * The raft snapshot endpoints of the simulated products, answered as the
 * real handlers do:
 * - Nomad `GET /v1/operator/snapshot` (command/agent/operator_endpoint.go):
 *   management token; `Digest: sha-256=<base64>` of the archive; no index
 *   header (the index is in meta.json).
 * - Consul `GET /v1/snapshot` (agent/snapshot_endpoint.go): `X-Consul-Index`
 *   = the snapshot's raft index, plus the usual query meta headers.
 * - Vault `GET /v1/sys/storage/raft/snapshot`: the archive only (its
 *   SHA256SUMS also sealed in SHA256SUMS.sealed).
 * State sizes follow the simulated state (nodes, allocations, jobs, members)
 * unless a scenario sets one (a large production cluster); faults make one
 * product answer 500 or send a corrupt archive.
 */
import { Readable } from 'node:stream';
import type { SimResponse } from '../../core/http.js';
import type { HashistackWorld } from '../cluster/world.js';
import { snapshotArchive, snapshotFile, type SnapshotSpec, type SnapshotSystem } from './archive.js';

export type SnapshotFault = 'error' | 'corrupt';

/** One snapshot a product served. */
export interface ServedSnapshot {
  system: SnapshotSystem;
  index: number;
  stateBytes: number;
  at: number;
}

const KIB = 1024;

export class SnapshotServer {
  /** state.bin size per system, bytes; unset: from the simulated state. */
  readonly stateBytes: Partial<Record<SnapshotSystem, number>> = {};
  readonly faults: Partial<Record<SnapshotSystem, SnapshotFault>> = {};
  readonly served: ServedSnapshot[] = [];

  constructor(
    private readonly world: HashistackWorld,
    private readonly now: () => number,
  ) {}

  /** The spec of a snapshot taken now. */
  spec(system: SnapshotSystem): SnapshotSpec {
    const cluster = this.world[system];
    const index = system === 'vault' ? this.world.vault.commitIndex : this.world[system].index.current;
    return {
      system,
      index,
      term: cluster.raft.term,
      configurationIndex: cluster.raft.configIndex,
      servers: cluster.raft.list().map((p) => ({ id: p.id, address: p.address })),
      stateBytes: this.stateBytes[system] ?? this.defaultStateBytes(system),
      takenAt: this.now(),
      ...(this.faults[system] === 'corrupt' ? { corrupt: true } : {}),
    };
  }

  /** Nomad's answer (after its ACL and leader checks). */
  async nomad(): Promise<SimResponse> {
    if (this.faults.nomad === 'error')
      return { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Raft error when taking snapshot: EOF' };
    const spec = this.spec('nomad');
    const { bytes, digest } = await snapshotFile(spec);
    return this.stream(spec, { 'content-type': 'application/x-gzip', Digest: digest }, Readable.from([bytes]));
  }

  consul(): SimResponse {
    if (this.faults.consul === 'error')
      return { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Raft error when taking snapshot: EOF' };
    const spec = this.spec('consul');
    return this.stream(spec, {
      'content-type': 'application/x-gzip',
      'X-Consul-Index': String(spec.index),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
    });
  }

  vault(): SimResponse {
    if (this.faults.vault === 'error')
      return { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errors: ['raft error when taking snapshot: EOF'] }) };
    return this.stream(this.spec('vault'), { 'content-type': 'application/gzip' });
  }

  private stream(spec: SnapshotSpec, headers: Record<string, string>, body: Readable = snapshotArchive(spec)): SimResponse {
    this.served.push({ system: spec.system, index: spec.index, stateBytes: spec.stateBytes, at: spec.takenAt });
    return { status: 200, headers, body };
  }

  /** Roughly what each product's FSM serializes per object (msgpack of the structs). */
  private defaultStateBytes(system: SnapshotSystem): number {
    switch (system) {
      case 'nomad': {
        const n = this.world.nomad;
        return 96 * KIB + n.nodes.size * 6 * KIB + n.allocs.size * 9 * KIB + n.jobs.size * 12 * KIB;
      }
      case 'consul':
        return 64 * KIB + this.world.consul.members.size * 4 * KIB;
      case 'vault':
        return 256 * KIB;
    }
  }
}
