/** Which raft systems are snapshotted, in HashiCorp's order of server changes: Consul, then Nomad, then Vault. */
import type { SnapshotRecord, SnapshotSystem } from './record.js';

export const SNAPSHOT_ORDER: readonly SnapshotSystem[] = ['consul', 'nomad', 'vault'];

/** The next system of `systems` without a record in `taken`, or undefined when every one has one. */
export function nextToSnapshot(systems: readonly SnapshotSystem[], taken: readonly Pick<SnapshotRecord, 'system'>[]): SnapshotSystem | undefined {
  return SNAPSHOT_ORDER.find((s) => systems.includes(s) && !taken.some((r) => r.system === s));
}
