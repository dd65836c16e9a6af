import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Definitions that passed aws-local-stepfunctions' validation. asl-validator
 * compiles its JSON schemas with ajv on every call (~0.5 s of CPU), and every
 * execution of every simulation would pay it for the same few definitions, as
 * CreateStateMachine validates once per deployment. A pass is remembered in
 * this process and, keyed by the definition and package-lock.json (the
 * validator's version), under node_modules/.cache for the next processes
 * (vitest forks, scenarios). Only passes are remembered: an invalid definition
 * is refused on every execution.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'hashistack-sim', 'asl-valid');
const seen = new Set<string>();
let lockHash: string | undefined;

function keyOf(definitionJson: string): string {
  lockHash ??= createHash('sha256')
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .digest('hex');
  return createHash('sha256').update(lockHash).update('\n').update(definitionJson).digest('hex').slice(0, 32);
}

export function alreadyValidated(definitionJson: string): boolean {
  if (seen.has(definitionJson)) return true;
  if (!existsSync(join(CACHE_DIR, keyOf(definitionJson)))) return false;
  seen.add(definitionJson);
  return true;
}

export function rememberValidated(definitionJson: string): void {
  if (seen.has(definitionJson)) return;
  seen.add(definitionJson);
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(join(CACHE_DIR, keyOf(definitionJson)), '');
}
