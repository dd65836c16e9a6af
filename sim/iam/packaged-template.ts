import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';

/**
 * The CloudFormation template `serverless package` writes is the one source of
 * truth for IAM: the per-function roles, the state machines' roles, the
 * Lambda permissions and the topic policy exactly as they would deploy
 * (packaging bugs such as an ARN that YAML turned into `{}` included).
 * It is packaged template-only (plugins/template-only.cjs: no function is
 * bundled, the code is not part of IAM; about 10 s of CPU instead of minutes),
 * and cached under node_modules/.cache, keyed by a hash of everything that shapes it.
 */
export type CfnTemplate = {
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, Json>;
};
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Files and folders whose content shapes the packaged IAM (not the handlers' code). */
const TEMPLATE_INPUTS = ['serverless.yml', 'config', 'statemachines', 'plugins', 'package-lock.json'];
/** TypeScript the plugins load while packaging (plugins/stage-config.cjs checks the stage file with the Lambdas' schema). */
const PLUGIN_TS_ENTRIES = ['src/config/stage-file.ts'];
/** What packaging writes into the service directory, never linked into the copy. */
const BUILD_OUTPUTS = ['.serverless', '.esbuild'];
const LOCK_STALE_MS = 15 * 60_000;
const POLL_MS = 500;

const exec = promisify(execFile);

/** Hashed once per process: the inputs do not change while tests or a simulation run. */
const inputsHashes = new Map<string, string>();

export function templateInputsHash(root: string, stage: string): string {
  const key = `${root}\n${stage}`;
  const digest = inputsHashes.get(key) ?? hashInputs(root, stage);
  inputsHashes.set(key, digest);
  return digest;
}

function hashInputs(root: string, stage: string): string {
  const hash = createHash('sha256').update(`stage=${stage}\n`);
  const files: string[] = [];
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    else files.push(path);
  };
  for (const input of TEMPLATE_INPUTS) walk(join(root, input));
  files.push(...pluginSources(root));
  for (const file of files)
    hash
      .update(`${relative(root, file)}\n`)
      .update(readFileSync(file))
      .update('\n');
  return hash.digest('hex').slice(0, 16);
}

/** The project's own modules the plugin entries import, transitively (npm packages are pinned by the lock file). */
function pluginSources(root: string): string[] {
  const { metafile } = buildSync({
    absWorkingDir: root,
    entryPoints: PLUGIN_TS_ENTRIES,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs)
    .sort()
    .map((input) => join(root, input));
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
  const serviceDir = serviceDirCopy(root, `${target}.service`);
  process.stderr.write(
    `[sim:iam] packaging the service's template (stage ${stage}) to read its IAM as deployed; cached until serverless.yml, config/, statemachines/, plugins/ or the stage file's schema change\n`,
  );
  try {
    await exec(join(root, 'node_modules', '.bin', 'serverless'), ['package', '--stage', stage], {
      cwd: serviceDir,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', HASHISTACK_OFFLINE_PACKAGE: '1', HASHISTACK_TEMPLATE_ONLY: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const template = readFileSync(join(serviceDir, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8');
    writeFileSync(`${target}.tmp`, template);
    // rename is atomic: readers never see half a file
    renameSync(`${target}.tmp`, target);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`serverless package failed, so the simulator has no IAM to enforce:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  } finally {
    rmSync(serviceDir, { recursive: true, force: true });
  }
}

/**
 * The framework works in `<service dir>/.serverless` whatever `--package`
 * says, so two stages packaged at once in the project would delete each
 * other's files (and a developer's `npm run package` output). Each packages
 * in its own directory: the project's folders linked, its top-level files
 * copied (the framework does not take a linked serverless.yml for a service).
 */
function serviceDirCopy(root: string, dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (BUILD_OUTPUTS.includes(entry.name)) continue;
    if (entry.isDirectory()) symlinkSync(join(root, entry.name), join(dir, entry.name));
    else if (entry.isFile()) copyFileSync(join(root, entry.name), join(dir, entry.name));
  }
  return dir;
}
