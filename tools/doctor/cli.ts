/**
 * `npm run doctor -- --stage <stage>`: the read-only preflight of an account
 * and cluster against config/<stage>.yml. AWS endpoints, region and
 * credentials come from the environment as for any SDK; NOMAD_ADDR,
 * CONSUL_HTTP_ADDR and VAULT_ADDR, when set, replace the config's addresses
 * (the sandbox prints all of them). Exit 1 when a check fails.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/index.js';
import { loadStageConfig, stageEnvironment } from '../../src/config/stage-file.js';
import { runDoctor } from './checks.js';
import { defaultProbes, probeFunctionName } from './probes.js';
import { formatTable } from './result.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OVERRIDES = ['NOMAD_ADDR', 'CONSUL_HTTP_ADDR', 'VAULT_ADDR'] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.stage) {
    process.stdout.write('Usage: npm run doctor -- --stage <stage> [--json]\n');
    return values.help ? 0 : 2;
  }
  let stageFile: Record<string, unknown>;
  try {
    stageFile = loadStageConfig(ROOT, values.stage);
  } catch (error) {
    process.stdout.write(`config  FAIL  ${(error as Error).message}\n`);
    return 1;
  }
  const serverlessYml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  const env = stageEnvironment(stageFile, serverlessYml);
  for (const k of OVERRIDES) if (process.env[k]) env[k] = process.env[k] as string;
  process.env.AWS_REGION ??= String(stageFile.region);
  const config = loadConfig(env);
  const rows = [
    { check: 'config', subject: `config/${values.stage}.yml`, status: 'pass' as const, detail: 'valid (the Lambdas’ schema)', fix: '' },
    ...(await runDoctor(config, defaultProbes(config, { probeFunction: probeFunctionName(serverlessYml, values.stage) }))),
  ];
  process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(rows)}\n`);
  return rows.some((r) => r.status === 'fail') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
