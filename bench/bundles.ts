/**
 * Lambda bundles as `npm run package` builds them (serverless.yml
 * `custom.esbuild`): size of every function's handler.mjs, and the CPU a
 * fresh Node process spends to import it, against one that imports an empty
 * module, measured side by side (alternating, median of several runs). Also
 * the import plus a first invocation's setup (an event that fails input
 * validation, then the step's dependencies built as an invocation builds
 * them), so work moved from the import into the first invocation is not
 * counted as saved.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { parse } from 'yaml';
import { loadDeployConfig } from '../sim/runtime/deploy-config.js';

/** Median process CPU (user + system, ms) of importing the bundle / of importing an empty module, on one Node. */
export interface ImportFigure {
  cpuMs: number;
  emptyCpuMs: number;
  ratio: number;
}

interface BundleFigure extends ImportFigure {
  fn: string;
  bytes: number;
  /** Import plus the first invocation's setup, against the empty module. */
  setup: ImportFigure;
  /** The same on the Lambda runtime's Node (package.json `config.node22`), when it could be had from npm. */
  runtime?: ImportFigure & { setup: ImportFigure };
}

interface EsbuildSettings {
  minify?: boolean;
  sourcemap?: boolean;
  target?: string;
  platform?: 'node';
  format?: 'esm';
  mainFields?: string[];
  banner?: { js?: string };
  /** A file exporting the esbuild plugins, relative to the service. */
  plugins?: string;
}

const ROOT = resolve(import.meta.dirname, '..');

/** Every function's source and deployed environment (stage `example`): some read their config at import. */
function functions(): { fn: string; entry: string; env: Record<string, string> }[] {
  const deploy = loadDeployConfig(join(ROOT, 'serverless.yml'), 'example');
  return deploy.functions.map((f) => ({ fn: f.key, entry: f.sourceFile, env: { ...f.environment, AWS_REGION: deploy.region } }));
}

function esbuildSettings(): EsbuildSettings {
  const doc = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as { custom: { esbuild: EsbuildSettings } };
  return doc.custom.esbuild;
}

/** The esbuild options of the Lambda bundles, as serverless.yml `custom.esbuild` sets them (plugins included). */
export function lambdaBuildOptions(): BuildOptions {
  const s = esbuildSettings();
  return {
    bundle: true,
    minify: s.minify,
    sourcemap: s.sourcemap,
    target: s.target,
    platform: s.platform,
    format: s.format,
    mainFields: s.mainFields,
    banner: s.banner?.js ? { js: s.banner.js } : undefined,
    plugins: s.plugins ? (createRequire(import.meta.url)(join(ROOT, s.plugins)) as Plugin[]) : undefined,
    logLevel: 'error',
  };
}

/** What a fresh process spends on an import (ms of CPU): in all, start-up included, and after its start-up (`own`, which start-up's noise does not reach). */
export interface ImportCpu {
  process: number;
  own: number;
}

/**
 * The CPU `node` spends importing `file`; with `setup`, also a first
 * invocation's setup: the handler called with an event that fails its input
 * schema (the invocation frame: logger, metrics), then its dependencies
 * built (configuration, cluster clients, preflight).
 */
export function measureImport(node: string, file: string, env: Record<string, string>, setup = false): ImportCpu {
  const url = JSON.stringify(pathToFileURL(file).href);
  const work = setup ? `const { handler } = await import(${url}); await handler({}).catch(() => undefined); handler.deps?.();` : `await import(${url});`;
  const script = `const t = process.cpuUsage(); ${work} const o = process.cpuUsage(t); const u = process.cpuUsage(); console.log(\`\${(u.user + u.system) / 1000} \${(o.user + o.system) / 1000}\`);`;
  const out = execFileSync(node, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [total, own] = (out.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { process: total ?? Number.NaN, own: own ?? Number.NaN };
}

/** Process CPU (ms) of `node` importing `file` (and with `setup` a first invocation's setup), start-up included. */
const importCpu = (node: string, file: string, env: Record<string, string>, setup = false): number => measureImport(node, file, env, setup).process;

/**
 * The Node the Lambdas run (`nodejs22.x`), at the version package.json pins
 * (`config.node22`), from the npm registry as CI gets it; undefined when npm
 * cannot provide it. Its empty-module start-up costs about a third of Node
 * 20's, so the same bundle shows a much higher ratio there.
 */
export function runtimeNode(): { version: string; path: string } | undefined {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config: { node22: string } }).config.node22;
  try {
    const path = execFileSync(
      'npm',
      ['exec', '--yes', `--package=node-${process.platform}-${process.arch}@${version}`, '--', 'node', '-p', 'process.execPath'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).trim();
    return { version, path };
  } catch {
    return undefined;
  }
}

/** Median CPU of importing `file` (and of import + setup) and an empty module, alternating, `runs` times each. */
function importFigure(node: string, file: string, empty: string, env: Record<string, string>, runs: number): ImportFigure & { setup: ImportFigure } {
  const cpu: number[] = [];
  const withSetup: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(importCpu(node, empty, env));
    cpu.push(importCpu(node, file, env));
    withSetup.push(importCpu(node, file, env, true));
  }
  const cpuMs = median(cpu);
  const setupMs = median(withSetup);
  const emptyCpuMs = median(base);
  return { cpuMs, emptyCpuMs, ratio: cpuMs / emptyCpuMs, setup: { cpuMs: setupMs, emptyCpuMs, ratio: setupMs / emptyCpuMs } };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** This Node and the Lambda runtime's when npm could provide it: the Nodes every import figure is measured on. */
export function benchNodes(runtime = runtimeNode()): { version: string; path: string }[] {
  return [{ version: process.versions.node, path: process.execPath }, ...(runtime ? [runtime] : [])];
}

/** Run `work` in a fresh scratch directory holding an empty module (the baseline of every import figure), removed afterwards. */
export async function withScratch<T>(name: string, work: (dir: string, empty: string) => Promise<T>): Promise<T> {
  const dir = join(tmpdir(), `hcp-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  try {
    return await work(dir, empty);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function measureBundles(runs = 5, runtime = runtimeNode()): Promise<BundleFigure[]> {
  return withScratch('bundles', async (out, empty) => {
    const options = lambdaBuildOptions();
    const figures: BundleFigure[] = [];
    for (const { fn, entry, env } of functions()) {
      const file = join(out, fn, 'handler.mjs');
      await build({ ...options, entryPoints: [entry], outfile: file });
      figures.push({
        fn,
        bytes: statSync(file).size,
        ...importFigure(process.execPath, file, empty, env, runs),
        runtime: runtime ? importFigure(runtime.path, file, empty, env, runs) : undefined,
      });
    }
    return figures;
  });
}

/** The largest bundle against its AWS SDK floor (bench/floor/): minimum own import CPU of each, and an empty module's process CPU. */
export interface FloorFigure {
  fn: string;
  node: string;
  fnOwnMs: number;
  floorOwnMs: number;
  /** Median process CPU of importing an empty module (Node's start-up). */
  emptyCpuMs: number;
}

const FLOOR_ENTRY = { fn: 'drainServerSnapshot', floor: join(ROOT, 'bench/floor/drain-server-snapshot-sdk.ts') };

/** `runs` interleaved imports of the largest function's bundle, its SDK floor and an empty module, on this Node and the runtime's. */
export async function measureSdkFloor(runs = 15, runtime = runtimeNode()): Promise<FloorFigure[]> {
  const fn = functions().find((f) => f.fn === FLOOR_ENTRY.fn);
  if (!fn) throw new Error(`${FLOOR_ENTRY.fn} is no longer deployed: point bench/floor at the largest function`);
  return withScratch('floor', async (out, empty) => {
    const [bundle, floor] = [join(out, 'fn.mjs'), join(out, 'floor.mjs')];
    await build({ ...lambdaBuildOptions(), entryPoints: [fn.entry], outfile: bundle });
    await build({ ...lambdaBuildOptions(), entryPoints: [FLOOR_ENTRY.floor], outfile: floor });
    return benchNodes(runtime).map((node) => {
      const [own, base, empties] = [[] as number[], [] as number[], [] as number[]];
      for (let i = 0; i < runs; i++) {
        empties.push(importCpu(node.path, empty, fn.env));
        own.push(measureImport(node.path, bundle, fn.env).own);
        base.push(measureImport(node.path, floor, fn.env).own);
      }
      return { fn: fn.fn, node: node.version, fnOwnMs: Math.min(...own), floorOwnMs: Math.min(...base), emptyCpuMs: median(empties) };
    });
  });
}
