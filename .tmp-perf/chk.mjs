import { build } from 'esbuild';
import { createRequire } from 'node:module';
const plugins = createRequire(import.meta.url)('../plugins/esbuild-plugins.cjs');
const r = await build({ stdin: { contents: "export { describeInstance } from './src/aws/ec2.js'; export { readParameter } from './src/aws/ssm.js';", resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/perf/x.mjs', logLevel: 'error', plugins });
const t = r.outputFiles[0].text;
for (const w of ['sso-oidc','AssumeRoleWithWebIdentity','169.254.169.254']) { const i = t.indexOf(w); console.log(w, i, i>=0 ? t.slice(i-200, i+50) : ''); }
const out = Object.values(r.metafile.outputs)[0];
console.log(Object.keys(out.inputs).filter(f => /credential|nested|token-prov/.test(f)));
