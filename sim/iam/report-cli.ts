import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeployConfig } from '../runtime/deploy-config.js';
import { PROJECT_ROOT } from '../simulation.js';
import { deployedIam } from './deployed-iam.js';
import { packagedTemplate } from './packaged-template.js';
import { buildUsageReport, readExceptions, readUsage, renderMarkdown, renderText } from './report.js';
import { USAGE_DIR_ENV } from './usage-log.js';

/**
 * `npm run iam:report [-- --dir reports/iam-usage] [--markdown]`: per function
 * (and state machine), the actions its packaged role grants against those the
 * test suite and scenarios used (recorded with SIM_IAM_USAGE_DIR). Exits 1 on
 * a used action that is not granted or a granted action nothing used (unless
 * sim/iam/exceptions.yml gives the reason).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, stage: { type: 'string' }, markdown: { type: 'boolean' } } });
  const stage = values.stage ?? 'example';
  const dir = resolve(values.dir ?? process.env[USAGE_DIR_ENV] ?? 'reports/iam-usage');
  const deploy = loadDeployConfig(resolve(PROJECT_ROOT, 'serverless.yml'), stage);
  const iam = deployedIam(await packagedTemplate(PROJECT_ROOT, stage), { region: deploy.region, stackName: `${deploy.service}-${stage}` });
  const usage = readUsage(dir);
  const report = await buildUsageReport(iam, usage, readExceptions(resolve(PROJECT_ROOT, 'sim/iam/exceptions.yml')));
  if (values.markdown) {
    process.stdout.write(renderMarkdown(report));
    return 0;
  }
  if (usage.counts.processes === 0) {
    process.stderr.write(`no IAM usage recorded in ${dir}: run the tests with ${USAGE_DIR_ENV}=${dir} first\n`);
    return 1;
  }
  process.stdout.write(renderText(report));
  const failing = report.roles.some((r) => r.unused.length > 0 || r.denied.length > 0);
  return failing ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
