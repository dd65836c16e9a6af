import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { shapeOf } from '../../tools/state-compat/shape.js';

/** Directory every process appends the events its functions were invoked with to (JSON lines), when set. */
export const TASK_INPUTS_DIR_ENV = 'SIM_TASK_INPUTS_DIR';

/** Shapes already written by this process (several simulations run in one vitest worker). */
const seen = new Set<string>();

/**
 * The state-compatibility fixtures' input (`npm run state:record`): each
 * function's invocation events, one per distinct shape, appended to
 * `<dir>/<pid>.jsonl`.
 */
export function recordTaskInput(fn: string, event: unknown, dir: string | undefined = process.env[TASK_INPUTS_DIR_ENV]): void {
  if (!dir) return;
  const key = `${fn}|${shapeOf(event)}`;
  if (seen.has(key)) return;
  seen.add(key);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify({ fn, event })}\n`);
}
