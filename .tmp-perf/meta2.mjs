import { build } from 'esbuild';
import { pureSchemas } from './pure-schemas.mjs';
for (const e of process.argv.slice(2)) {
  for (const plugins of [[], [pureSchemas]]) {
    const r = await build({ entryPoints: [e], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/perf/x.mjs', logLevel: 'error', plugins });
    const out = Object.values(r.metafile.outputs)[0];
    const byPkg = {};
    for (const [f, v] of Object.entries(out.inputs)) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f); const k = m ? m[1] : f.split('/').slice(0,2).join('/'); byPkg[k] = (byPkg[k] ?? 0) + v.bytesInOutput; }
    console.log(e, plugins.length ? 'pure' : 'asis', Math.round(out.bytes/1024), 'KB', Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0, 8).map(([k,v])=>`${k} ${Math.round(v/1024)}`).join(', '));
  }
}
