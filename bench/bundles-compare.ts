/**
 * Two checkouts' Lambda bundles side by side: `npm run bench:bundles-compare --
 * <base checkout> [runs]`. Each checkout's bundles are built with its own
 * esbuild settings and plugins (its bench/bundles.ts), then every function's
 * import CPU (and import plus a first invocation's setup, see bundles.ts) is
 * measured interleaved with the other checkout's and an empty module's, on
 * this Node and on the Lambda runtime's: load on the machine hits both sides
 * alike. A base whose handlers do not expose `deps` gets the setup figure
 * without the dependencies built (marked `*`).
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { importCpu, lambdaBuildOptions, runtimeNode } from './bundles.js';
import { loadDeployConfig } from '../sim/runtime/deploy-config.js';

interface Side {
  root: string;
  options: BuildOptions;
  functions: Map<string, { entry: string; env: Record<string, string> }>;
}

async function side(root: string, options: BuildOptions, deploy: typeof loadDeployConfig): Promise<Side> {
  const config = deploy(join(root, 'serverless.yml'), 'example');
  const functions = new Map(
    config.functions.map((f) => [f.key, { entry: resolve(root, f.sourceFile), env: { ...f.environment, AWS_REGION: config.region } }] as const),
  );
  return { root, options, functions };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const [baseArg, runsArg] = process.argv.slice(2);
  if (!baseArg) throw new Error('usage: npm run bench:bundles-compare -- <base checkout> [runs]');
  const runs = Number(runsArg ?? 7);
  const baseRoot = resolve(baseArg);
  const baseBench = (await import(pathToFileURL(join(baseRoot, 'bench/bundles.ts')).href)) as { lambdaBuildOptions: () => BuildOptions };
  const baseDeploy = (await import(pathToFileURL(join(baseRoot, 'sim/runtime/deploy-config.ts')).href)) as { loadDeployConfig: typeof loadDeployConfig };
  const sides = {
    base: await side(baseRoot, baseBench.lambdaBuildOptions(), baseDeploy.loadDeployConfig),
    this: await side(resolve(import.meta.dirname, '..'), lambdaBuildOptions(), loadDeployConfig),
  };
  const out = join(tmpdir(), `hcp-bundles-compare-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const empty = join(out, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const runtime = runtimeNode();
  const nodes = [
    { name: `Node ${process.versions.node}`, path: process.execPath },
    ...(runtime ? [{ name: `Node ${runtime.version}`, path: runtime.path }] : []),
  ];
  try {
    for (const [fn, here] of sides.this.functions) {
      const there = sides.base.functions.get(fn);
      const files: Record<string, string> = {};
      for (const [name, s, f] of [
        ['this', sides.this, here],
        ['base', sides.base, there],
      ] as const) {
        if (!f) continue;
        files[name] = join(out, name, fn, 'handler.mjs');
        await build({ ...s.options, entryPoints: [f.entry], outfile: files[name], absWorkingDir: s.root });
      }
      const cells: string[] = [fn, ...Object.entries(files).map(([name, file]) => `${name} ${Math.round(statSync(file).size / 1024)} KB`)];
      for (const node of nodes) {
        const cpu = new Map<string, number[]>([['empty', []]]);
        const record = (key: string, ms: number): void => {
          cpu.set(key, [...(cpu.get(key) ?? []), ms]);
        };
        for (let i = 0; i < runs; i++) {
          record('empty', importCpu(node.path, empty, here.env));
          for (const [name, file] of Object.entries(files)) {
            record(`${name} import`, importCpu(node.path, file, here.env));
            record(`${name} setup`, importCpu(node.path, file, here.env, true));
          }
        }
        const e = median(cpu.get('empty') ?? []);
        cells.push(
          `${node.name}: ${[...cpu]
            .filter(([k]) => k !== 'empty')
            .map(([k, xs]) => `${k} ${(median(xs) / e).toFixed(2)}x`)
            .join(', ')} (empty ${e.toFixed(0)} ms)`,
        );
      }
      console.log(cells.join(' | '));
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
