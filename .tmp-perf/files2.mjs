import { build } from 'esbuild';
import { pureSchemas } from './pure-schemas.mjs';
const [e, filter, min] = process.argv.slice(2);
const r = await build({ entryPoints: [e], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/perf/x.mjs', logLevel: 'error', plugins: [pureSchemas] });
const out = Object.values(r.metafile.outputs)[0];
for (const [f, v] of Object.entries(out.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput)) if (f.includes(filter) && v.bytesInOutput > Number(min ?? 1500)) console.log(Math.round(v.bytesInOutput/1024), f.replace('node_modules/',''));
