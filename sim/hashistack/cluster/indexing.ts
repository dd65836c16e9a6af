import type { ChangeIndex } from '../../core/blocking.js';

/**
 * Stamp a change with the next index before waking blocking queries, so a
 * waiter that checks the object's own ModifyIndex sees the new value.
 */
export function commit(index: ChangeIndex, apply: (next: number) => void): number {
  const next = index.current + 1;
  apply(next);
  index.bump();
  return next;
}
