/**
 * `npm run timeline -- <execution ARN> [--out FILE]`: the upgrade timeline of
 * a poolUpgrade execution, from GetExecutionHistory (endpoint, region and
 * credentials from the environment, as for any SDK), as SVG.
 * `npm run timeline -- --report reports/upgrade.json [--out FILE]`: the same
 * picture from a scenario report.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { SimReport } from '../../sim/report.js';
import { executionHistory, timelineFromHistory } from './from-history.js';
import { timelineFromReport } from './from-report.js';
import { renderTimelineSvg } from './svg.js';

const USAGE =
  'Usage: npm run timeline -- <poolUpgrade execution ARN> [--out FILE]\n       npm run timeline -- --report reports/upgrade.json [--asg NAME] [--out FILE]\n';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, report: { type: 'string' }, asg: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const arn = positionals[0];
  if (values.help || (!arn && !values.report)) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const timeline = values.report
    ? timelineFromReport(JSON.parse(readFileSync(values.report, 'utf8')) as SimReport, values.asg)
    : timelineFromHistory(arn as string, await executionHistory(arn as string));
  const out =
    values.out ?? (values.report ? `${values.report.replace(/\.json$/, '')}-timeline.svg` : `reports/timeline-${(arn as string).split(':').pop()}.svg`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderTimelineSvg(timeline));
  process.stdout.write(`${timeline.rows.length} nodes, ${Math.round((timeline.end - timeline.start) / 1000)} s: ${out}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
