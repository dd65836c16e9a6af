import { build } from 'esbuild';
import { createRequire } from 'node:module';
const plugins = createRequire(import.meta.url)('../plugins/esbuild-plugins.cjs');
for (const e of process.argv.slice(2)) {
const r = await build({ entryPoints: [e], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/perf/x.mjs', logLevel: 'error', plugins });
const out = Object.values(r.metafile.outputs)[0];
const by = {};
for (const [f, v] of Object.entries(out.inputs)) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/dist-es(?:\/submodules)?\/([^/]+))?/.exec(f); const k = m ? m[1] + (m[2] ? '/' + m[2] : '') : f.split('/').slice(0,2).join('/'); by[k] = (by[k] ?? 0) + v.bytesInOutput; }
console.log(e, Math.round(out.bytes/1024), Object.entries(by).sort((a,b)=>b[1]-a[1]).slice(0, 12).map(([k,v])=>`${k} ${Math.round(v/1024)}`).join(', '));
}
