/**
 * Lambda bundles as `npm run package` builds them (serverless.yml
 * `custom.esbuild`): size of every function's handler.mjs, and the CPU a
 * fresh Node process spends to import it, against one that imports an empty
 * module, measured side by side (alternating, median of several runs).
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

interface BundleFigure {
  fn: string;
  bytes: number;
  /** Median process CPU (user + system, ms) of importing the bundle / of importing an empty module. */
  cpuMs: number;
  emptyCpuMs: number;
  ratio: number;
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

/** Process CPU (ms) of `node` importing `file`, startup included. */
function importCpu(file: string, env: Record<string, string>): number {
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)}); const u = process.cpuUsage(); console.log((u.user + u.system) / 1000);`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } }).trim());
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export async function measureBundles(runs = 5): Promise<BundleFigure[]> {
  const out = join(tmpdir(), `hcp-bundles-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const empty = join(out, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const options = lambdaBuildOptions();
  const figures: BundleFigure[] = [];
  try {
    for (const { fn, entry, env } of functions()) {
      const file = join(out, fn, 'handler.mjs');
      await build({ ...options, entryPoints: [entry], outfile: file });
      const cpu: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < runs; i++) {
        base.push(importCpu(empty, env));
        cpu.push(importCpu(file, env));
      }
      const cpuMs = median(cpu);
      const emptyCpuMs = median(base);
      figures.push({ fn, bytes: statSync(file).size, cpuMs, emptyCpuMs, ratio: cpuMs / emptyCpuMs });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return figures;
}
