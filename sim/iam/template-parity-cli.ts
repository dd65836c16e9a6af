import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../simulation.js';
import { type CfnTemplate, packagedTemplate } from './packaged-template.js';
import { templateDifferences } from './template-parity.js';

/**
 * `npm run iam:template-parity [-- --stage example --template FILE]`, after
 * `npm run package` (CI runs it): the template the simulator enforces IAM from
 * (packaged without bundling) against the full package's. Exits 1 on any
 * difference besides the code's keys and hashes.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, template: { type: 'string' } } });
  const stage = values.stage ?? 'example';
  const fullPath = resolve(values.template ?? '.serverless/cloudformation-template-update-stack.json');
  const full = JSON.parse(readFileSync(fullPath, 'utf8')) as CfnTemplate;
  const differences = templateDifferences(full, await packagedTemplate(PROJECT_ROOT, stage));
  if (differences.length > 0) {
    process.stderr.write(`the simulator's template (stage ${stage}) differs from ${fullPath}:\n${differences.join('\n')}\n`);
    return 1;
  }
  process.stdout.write(`the simulator's template (stage ${stage}) matches ${fullPath} (code keys and hashes aside)\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
