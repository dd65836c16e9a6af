/** Which raft systems are snapshotted, in HashiCorp's order of server changes: Consul, then Nomad, then Vault. */
import { SYSTEM_ORDER } from '../cluster/systems.js';
import type { SnapshotRecord, SnapshotSystem } from './record.js';

/** The next system of `systems` (in {@link SYSTEM_ORDER}) without a record in `taken`, or undefined when every one has one. */
export function nextToSnapshot(systems: readonly SnapshotSystem[], taken: readonly Pick<SnapshotRecord, 'system'>[]): SnapshotSystem | undefined {
  return SYSTEM_ORDER.find((s) => systems.includes(s) && !taken.some((r) => r.system === s));
}
