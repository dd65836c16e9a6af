import { build } from 'esbuild';
const entries = process.argv.slice(2);
for (const e of entries) {
  const r = await build({ entryPoints: [e], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/perf/x.mjs', logLevel: 'error' });
  const out = Object.values(r.metafile.outputs)[0];
  const byPkg = {};
  for (const [f, v] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    const k = m ? m[1] : f.split('/').slice(0,2).join('/');
    byPkg[k] = (byPkg[k] ?? 0) + v.bytesInOutput;
  }
  console.log(e, Math.round(out.bytes/1024), 'KB');
  for (const [k, v] of Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0, 14)) console.log('  ', k, Math.round(v/1024));
}
