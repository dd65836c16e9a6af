import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
const plugins = createRequire(import.meta.url)('../plugins/esbuild-plugins.cjs');
const out = [];
for (const d of readdirSync('functions')) {
  const r = await build({ entryPoints: [`functions/${d}/handler.ts`], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, outfile: '/tmp/perf/x.mjs', logLevel: 'error', plugins, metafile: true });
  const o = Object.values(r.metafile.outputs)[0];
  out.push([d, Math.round(o.bytes / 1024)]);
}
out.sort((a, b) => b[1] - a[1]);
console.log(out.map(([d, k]) => `${d} ${k}`).join(', '));
