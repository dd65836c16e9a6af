/**
 * `npm run state:record`'s second half: the task events the simulated
 * Lambdas were invoked with (recorded with SIM_TASK_INPUTS_DIR while the e2e
 * tests ran) become `test/fixtures/task-inputs/v<version>.json`. Per
 * function, the fewest events that together hold every key path and type
 * recorded (greedy set cover), so the fixture stays small and still names
 * every field a state of this version can carry.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TASK_INPUTS_DIR_ENV } from '../../sim/runtime/task-input-log.js';
import { shapeOf } from './shape.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = process.env[TASK_INPUTS_DIR_ENV] ?? 'reports/task-inputs';
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const byFunction = new Map<string, Map<string, unknown>>();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line) continue;
    const { fn, event } = JSON.parse(line) as { fn: string; event: unknown };
    const shapes = byFunction.get(fn) ?? new Map<string, unknown>();
    shapes.set(shapeOf(event), event);
    byFunction.set(fn, shapes);
  }
}

/** The fewest events whose shapes together cover every path of every recorded shape. */
function cover(shapes: Map<string, unknown>): unknown[] {
  const candidates = [...shapes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([shape, event]) => ({ paths: new Set(shape.split(',')), event }));
  const uncovered = new Set(candidates.flatMap((c) => [...c.paths]));
  const chosen: unknown[] = [];
  while (uncovered.size > 0) {
    let best = candidates[0];
    let gain = -1;
    for (const c of candidates) {
      const g = [...c.paths].filter((p) => uncovered.has(p)).length;
      if (g > gain) [best, gain] = [c, g];
    }
    if (!best || gain <= 0) break;
    for (const p of best.paths) uncovered.delete(p);
    chosen.push(best.event);
  }
  return chosen;
}

const functions = Object.fromEntries([...byFunction.keys()].sort().map((fn) => [fn, cover(byFunction.get(fn) ?? new Map())]));
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const out = join(ROOT, 'test/fixtures/task-inputs', `v${version}.json`);
mkdirSync(join(ROOT, 'test/fixtures/task-inputs'), { recursive: true });
writeFileSync(out, `${JSON.stringify({ version, commit, functions }, null, 1)}\n`);
const events = Object.values(functions).reduce((n, e) => n + e.length, 0);
console.log(`${out}: ${Object.keys(functions).length} functions, ${events} events`);
