/** `npm run sim -- serve`: start the sandbox, print how to reach it, run until interrupted, then write its report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { timelineFromReport } from '../../tools/timeline/from-report.js';
import { renderTimelineSvg } from '../../tools/timeline/svg.js';
import { buildReport } from '../report.js';
import { exportLines, startSandbox, usage, type SandboxOptions } from './serve.js';

export interface ServeCommandOptions extends SandboxOptions {
  /** Also write the `export` lines there (for scripts and tests). */
  envFile?: string;
  /** The report written on exit (the sandbox's lifecycle actions, executions and timeline). */
  report: string;
  quiet: boolean;
}

export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const box = await startSandbox(options);
  const { sim } = box;
  const simStartedAt = sim.clock.now();
  const wallStartedAt = performance.now();
  const exports = exportLines(box.variables);
  process.stdout.write(
    `sandbox of stage "${options.stage}": ${options.servers} servers, ${options.nodes} clients in pool general, ` +
      `time x${options.timeScale}; Ctrl-C stops it and writes ${options.report}\n\n${exports}\n\n${usage(box)}\n\n`,
  );
  if (options.envFile) {
    mkdirSync(dirname(options.envFile), { recursive: true });
    writeFileSync(options.envFile, `${exports}\n`);
  }
  if (!options.quiet) {
    sim.recorder.onEvent((e) => {
      const s = Math.max(0, Math.floor((Date.parse(e.at) - simStartedAt) / 1000));
      const t = `+${[Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':')}`;
      process.stdout.write(`${t}  ${e.source.padEnd(8)} ${e.message}\n`);
    });
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const report = buildReport(sim, { scenario: 'serve', parameters: { ...options }, simStartedAt, wallStartedAt, checks: [] });
  await box.stop();
  mkdirSync(dirname(options.report), { recursive: true });
  writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
  const timelineFile = `${options.report.replace(/\.json$/, '')}-timeline.svg`;
  writeFileSync(timelineFile, renderTimelineSvg(timelineFromReport(report)));
  process.stdout.write(`\nsandbox stopped; report: ${options.report}, timeline: ${timelineFile}\n`);
  return 0;
}
