import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/**
 * The CloudFormation template `serverless package` writes is the one source of
 * truth for IAM: the per-function roles, the state machines' roles, the
 * Lambda permissions and the topic policy exactly as they would deploy
 * (packaging bugs such as an ARN that YAML turned into `{}` included).
 * Packaging takes a minute, so the template is cached under
 * node_modules/.cache, keyed by a hash of everything that shapes it.
 */
export type CfnTemplate = {
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, Json>;
};
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Files and folders whose content shapes the packaged IAM (not the handlers' code). */
const TEMPLATE_INPUTS = ['serverless.yml', 'config', 'statemachines', 'plugins', 'package-lock.json'];
const LOCK_STALE_MS = 15 * 60_000;
const POLL_MS = 500;

const exec = promisify(execFile);

export function templateInputsHash(root: string, stage: string): string {
  const hash = createHash('sha256').update(`stage=${stage}\n`);
  const files: string[] = [];
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    else files.push(path);
  };
  for (const input of TEMPLATE_INPUTS) walk(join(root, input));
  for (const file of files)
    hash
      .update(`${relative(root, file)}\n`)
      .update(readFileSync(file))
      .update('\n');
  return hash.digest('hex').slice(0, 16);
}

/** Where the template of these inputs is (or will be) cached. */
export function cachedTemplatePath(root: string, stage: string): string {
  return join(root, 'node_modules', '.cache', 'hashistack-iam', `${stage}-${templateInputsHash(root, stage)}.json`);
}

/**
 * The packaged template for `stage`, from the cache or from a fresh
 * `serverless package`. Concurrent processes (vitest workers) package once:
 * the first takes a lock directory, the others wait for its result.
 */
export async function packagedTemplate(root: string, stage: string): Promise<CfnTemplate> {
  const target = cachedTemplatePath(root, stage);
  const lock = `${target}.lock`;
  mkdirSync(join(target, '..'), { recursive: true });
  for (;;) {
    if (existsSync(target)) return JSON.parse(readFileSync(target, 'utf8')) as CfnTemplate;
    if (tryLock(lock)) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    if (!existsSync(target)) await packageInto(root, stage, target);
    return JSON.parse(readFileSync(target, 'utf8')) as CfnTemplate;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // the holder just released it
    }
    return false;
  }
}

async function packageInto(root: string, stage: string, target: string): Promise<void> {
  const out = `${target}.package`;
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(
    `[sim:iam] packaging the service (stage ${stage}) to read its IAM as deployed; cached until serverless.yml, config/, statemachines/ or plugins/ change\n`,
  );
  try {
    await exec(join(root, 'node_modules', '.bin', 'serverless'), ['package', '--stage', stage, '--package', out], {
      cwd: root,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', HASHISTACK_OFFLINE_PACKAGE: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`serverless package failed, so the simulator has no IAM to enforce:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
  const template = readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
  writeFileSync(`${target}.tmp`, template);
  rmSync(out, { recursive: true, force: true });
  // rename is atomic: readers never see half a file
  renameSync(`${target}.tmp`, target);
}
