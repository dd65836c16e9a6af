import type { ChangeIndex } from '../../core/blocking.js';

/** Nomad state-store tables a blocking read can watch (nomad/state/schema.go). */
export type NomadTable = 'nodes' | 'allocs' | 'jobs' | 'deployment';
/** Consul state-store tables a blocking read can watch (agent/consul/state/catalog_schema.go). */
export type ConsulTable = 'nodes' | 'checks' | 'kvs';

/**
 * Stamp a change with the next index before waking blocking queries, so a
 * waiter that checks the object's own ModifyIndex sees the new value. Only
 * readers of `tables` are woken.
 */
export function commit<T extends string>(index: ChangeIndex<T>, tables: T[], apply: (next: number) => void): number {
  const next = index.current + 1;
  apply(next);
  index.bump(...tables);
  return next;
}
