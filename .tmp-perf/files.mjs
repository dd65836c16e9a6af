import { build } from 'esbuild';
const [e, filter] = process.argv.slice(2);
const r = await build({ entryPoints: [e], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/perf/x.mjs', logLevel: 'error' });
const out = Object.values(r.metafile.outputs)[0];
for (const [f, v] of Object.entries(out.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput)) if (f.includes(filter) && v.bytesInOutput > 1000) console.log(Math.round(v.bytesInOutput/1024), f);
