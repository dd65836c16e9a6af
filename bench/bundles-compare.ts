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
import { execFileSync } from 'node:child_process';
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

/**
 * Process CPU (ms) of importing `file` (and with `setup` a first invocation's
 * setup, as bundles.ts measures it), and the part spent after start-up
 * (`own`: less noisy, the same start-up is left out on both sides).
 */
function ownCpu(node: string, file: string, env: Record<string, string>, setup: boolean): { process: number; own: number } {
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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

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
          record('empty', importCpu(node.path, empty, here.env));
          for (const [name, file] of Object.entries(files)) {
            for (const setup of [false, true]) {
              const key = `${name} ${setup ? 'setup' : 'import'}`;
              const own = ownCpu(node.path, file, here.env, setup);
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
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
