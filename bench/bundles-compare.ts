/**
 * Two checkouts' Lambda bundles side by side: `npm run bench:bundles-compare --
 * <base checkout> [runs] [function,…]`. Each checkout's bundles are built with its own
 * esbuild settings and plugins (its bench/bundles.ts), then every function's
 * import CPU (and import plus a first invocation's setup, see bundles.ts) is
 * measured interleaved with the other checkout's and an empty module's, on
 * this Node and on the Lambda runtime's: load on the machine hits both sides
 * alike. Each figure: the ratio to the empty module (median), and the CPU
 * spent after start-up (`own`, median and minimum: start-up is the noisiest
 * part and the same on both sides). A base whose handlers do not expose
 * `deps` gets the setup figure without the dependencies built.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { benchNodes, lambdaBuildOptions, measureImport, median, withScratch } from './bundles.js';
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

async function main(): Promise<void> {
  const [baseArg, runsArg, only] = process.argv.slice(2);
  if (!baseArg) throw new Error('usage: npm run bench:bundles-compare -- <base checkout> [runs] [function,…]');
  const wanted = only?.split(',');
  const runs = Number(runsArg ?? 7);
  const baseRoot = resolve(baseArg);
  const baseBench = (await import(pathToFileURL(join(baseRoot, 'bench/bundles.ts')).href)) as { lambdaBuildOptions: () => BuildOptions };
  const baseDeploy = (await import(pathToFileURL(join(baseRoot, 'sim/runtime/deploy-config.ts')).href)) as { loadDeployConfig: typeof loadDeployConfig };
  const sides = {
    base: await side(baseRoot, baseBench.lambdaBuildOptions(), baseDeploy.loadDeployConfig),
    this: await side(resolve(import.meta.dirname, '..'), lambdaBuildOptions(), loadDeployConfig),
  };
  const nodes = benchNodes().map((n) => ({ name: `Node ${n.version}`, path: n.path }));
  await withScratch('bundles-compare', async (out, empty) => {
    for (const [fn, here] of sides.this.functions) {
      if (wanted && !wanted.includes(fn)) continue;
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
          record('empty', measureImport(node.path, empty, here.env).process);
          for (const [name, file] of Object.entries(files)) {
            for (const setup of [false, true]) {
              const key = `${name} ${setup ? 'setup' : 'import'}`;
              const own = measureImport(node.path, file, here.env, setup);
              record(key, own.process);
              record(`${key} own`, own.own);
            }
          }
        }
        const e = median(cpu.get('empty') ?? []);
        const figure = (key: string): string => {
          const own = cpu.get(`${key} own`) ?? [];
          return `${key} ${(median(cpu.get(key) ?? []) / e).toFixed(2)}x (own ${median(own).toFixed(1)} ms, min ${Math.min(...own).toFixed(1)})`;
        };
        cells.push(
          `${node.name}: ${Object.keys(files)
            .flatMap((name) => [figure(`${name} import`), figure(`${name} setup`)])
            .join(', ')}; empty ${e.toFixed(0)} ms`,
        );
      }
      console.log(cells.join(' | '));
    }
  });
}

await main();
