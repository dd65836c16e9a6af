import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { timelineFromReport } from '../tools/timeline/from-report.js';
import { renderTimelineSvg } from '../tools/timeline/svg.js';
import { buildReport } from './report.js';
import { serveCommand } from './sandbox/command.js';
import { SCENARIOS } from './scenarios/index.js';
import { iamCheck } from './scenarios/checks.js';
import type { ScenarioArgs } from './scenarios/types.js';
import { Simulation } from './simulation.js';
import './quiet-warnings.js';

const HELP = `Usage: npm run sim -- <scenario> [options]
       npm run sim -- serve [--stage STAGE] [--nodes N] [--time-scale X] [--write-env FILE]

Runs a scenario against the simulated AWS + hashistack with the control
plane's real handlers and state machines, prints a timeline (sim time) and
writes a JSON report.

Scenarios:
${Object.values(SCENARIOS)
  .map((s) => `  ${s.name.padEnd(22)} ${s.description}`)
  .join('\n')}

serve: a rehearsal sandbox that keeps running (until Ctrl-C) with the stage's
config deployed; prints the variables (one AWS endpoint, region, fake
credentials, Nomad/Consul/Vault addresses and tokens) for the aws CLI, curl or
any SDK. --stage STAGE (default example), --time-scale X (default 60),
--write-env FILE (also write the exports there), --no-schedules.

Options:
  --nodes N          client nodes (scenario default)
  --servers N        server nodes (3 or 5; scenario default)
  --seed S           random seed (default 1): same seed, same faults
  --throttle P       share of AWS API calls throttled, 0-1 (scale-in)
  --drain-minutes M  how long drained nodes' work needs (scale-in, default 2)
  --clients C        clients in the pool before the scale-in (scale-in, default 2N)
  --never-boot K     how many new nodes never boot (scale-out, default 2)
  --outage-minutes M how long the lifecycle router fails (router-outage, default 10)
  --report FILE      write the JSON report there (default reports/<scenario>.json)
  --time-scale X     idle-time speed of the sim clock (default: jump between events;
                     3600 plays an hour of cluster time per wall second)
  --mtls             the cluster requires client certificates (mutual TLS): APIs over
                     https, the control plane's certificates in SSM (stage mtls)
  --mtls-no-certs    the cluster requires them, the control plane has none (stage example)
  --quiet            print only the summary, not the timeline
  --log-level L      control plane log level: DEBUG, INFO, WARN (default), ERROR
  --list             print the scenario names, one per line (CI plays them all)
  -h, --help         this help
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      nodes: { type: 'string' },
      servers: { type: 'string' },
      seed: { type: 'string' },
      throttle: { type: 'string' },
      'drain-minutes': { type: 'string' },
      clients: { type: 'string' },
      'never-boot': { type: 'string' },
      'outage-minutes': { type: 'string' },
      report: { type: 'string' },
      'time-scale': { type: 'string' },
      quiet: { type: 'boolean' },
      mtls: { type: 'boolean' },
      'mtls-no-certs': { type: 'boolean' },
      'log-level': { type: 'string' },
      list: { type: 'boolean' },
      stage: { type: 'string' },
      'write-env': { type: 'string' },
      'no-schedules': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.list) {
    process.stdout.write(`${Object.keys(SCENARIOS).join('\n')}\n`);
    return 0;
  }
  const name = positionals[0] ?? 'default';
  if (name === 'serve') {
    const timeScale = values['time-scale'] === undefined ? 60 : Number(values['time-scale']);
    if (!(timeScale >= 1 && Number.isFinite(timeScale))) throw new UsageError('--time-scale must be a finite number >= 1 for serve');
    return serveCommand({
      stage: values.stage ?? 'example',
      seed: positiveInt('--seed', values.seed) ?? 1,
      nodes: positiveInt('--nodes', values.nodes) ?? 4,
      servers: positiveInt('--servers', values.servers) ?? 3,
      timeScale,
      schedules: values['no-schedules'] !== true,
      ...(values['write-env'] === undefined ? {} : { envFile: values['write-env'] }),
      report: values.report ?? 'reports/serve.json',
      quiet: values.quiet === true,
    });
  }
  const scenario = SCENARIOS[name];
  if (!scenario) {
    process.stderr.write(`unknown scenario "${name}"\n\n${HELP}`);
    return 2;
  }
  const args: ScenarioArgs = {
    nodes: positiveInt('--nodes', values.nodes) ?? scenario.defaults.nodes ?? 6,
    servers: positiveInt('--servers', values.servers) ?? scenario.defaults.servers ?? 3,
    seed: positiveInt('--seed', values.seed) ?? scenario.defaults.seed ?? 1,
    throttle: fraction('--throttle', values.throttle) ?? scenario.defaults.throttle ?? 0,
    drainMinutes: positiveInt('--drain-minutes', values['drain-minutes']) ?? scenario.defaults.drainMinutes ?? 2,
    neverBoot: nonNegativeInt('--never-boot', values['never-boot']) ?? scenario.defaults.neverBoot ?? 0,
    outageMinutes: positiveInt('--outage-minutes', values['outage-minutes']) ?? scenario.defaults.outageMinutes ?? 10,
    ...(values.clients === undefined ? {} : { clients: positiveInt('--clients', values.clients) }),
  };
  const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale']);
  if (timeScale !== undefined && !(timeScale >= 1)) throw new UsageError('--time-scale must be a number >= 1');
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) throw new UsageError('--log-level must be DEBUG, INFO, WARN or ERROR');

  if (values.mtls && values['mtls-no-certs']) throw new UsageError('--mtls and --mtls-no-certs exclude each other');
  const mtls = values.mtls ? 'configured' : values['mtls-no-certs'] ? 'absent' : undefined;
  const sim = await Simulation.start({
    ...scenario.options?.(args),
    ...(mtls === undefined ? {} : { mtls }),
    seed: args.seed,
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(logLevel === undefined ? {} : { logLevel: logLevel as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' }),
  });
  const simStartedAt = sim.clock.now();
  const wallStartedAt = performance.now();
  if (!values.quiet) {
    sim.recorder.onEvent((e) => {
      const t = formatOffset(Date.parse(e.at) - simStartedAt);
      process.stdout.write(`${t}  ${e.source.padEnd(8)} ${e.message}\n`);
    });
  }
  process.stdout.write(`scenario ${scenario.name} ${JSON.stringify(args)}\n`);
  let checks: Awaited<ReturnType<typeof scenario.run>>;
  try {
    checks = [...(await scenario.run(sim, args)), iamCheck(sim)];
  } finally {
    await sim.stop();
  }
  const report = buildReport(sim, {
    scenario: scenario.name,
    parameters: { ...args, ...(mtls === undefined ? {} : { mtls }) },
    simStartedAt,
    wallStartedAt,
    checks,
  });
  const file = values.report ?? `reports/${scenario.name}${mtls === undefined ? '' : `-mtls-${mtls}`}.json`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const timelineFile = `${file.replace(/\.json$/, '')}-timeline.svg`;
  writeFileSync(timelineFile, renderTimelineSvg(timelineFromReport(report)));

  const results = report.lifecycleActions.reduce<Record<string, number>>((acc, a) => {
    const k = a.result ?? 'PENDING';
    acc[k] = (acc[k] ?? 0) + 1;
    return acc;
  }, {});
  process.stdout.write(
    `\nsim time ${formatOffset(report.simDurationSeconds * 1000)} in ${(report.wallDurationMs / 1000).toFixed(1)} s wall; ` +
      `lifecycle actions ${JSON.stringify(results)}; executions ${report.executions.length}; ` +
      `allocations running ${report.allocations.running}, migrated ${report.allocations.migrated}, lost ${report.allocations.lost}${lostReasons(report.allocations.lostAllocations)}\n`,
  );
  for (const l of report.allocations.lostAllocations)
    process.stdout.write(`lost  ${l.allocId} job=${l.jobId} group=${l.taskGroup} on ${l.nodeName}: ${l.reason} at ${l.at ?? '?'}\n`);
  for (const c of checks) process.stdout.write(`${c.passed ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
  process.stdout.write(`report: ${file}, timeline: ${timelineFile}\n`);
  return checks.every((c) => c.passed) ? 0 : 1;
}

class UsageError extends Error {}

function positiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number, got "${raw}"`);
  return n;
}

function nonNegativeInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number >= 0, got "${raw}"`);
  return n;
}

function fraction(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${flag} must be a number from 0 to 1, got "${raw}"`);
  return n;
}

function formatOffset(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `+${hh}:${mm}:${ss}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${HELP}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);

/** ` (2 drain-deadline, 1 no-room)`, or nothing when none was lost. */
function lostReasons(lost: Array<{ reason: string }>): string {
  if (lost.length === 0) return '';
  const counts: Record<string, number> = {};
  for (const l of lost) counts[l.reason] = (counts[l.reason] ?? 0) + 1;
  return ` (${Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')})`;
}
