/**
 * The rehearsal sandbox driven from outside, as an operator would: `npm run
 * sim -- serve` in its own process, then the installed `aws` CLI (one
 * endpoint for every service; its commands run in one Python, see
 * aws-cli-runner.ts) and curl through loopback: start a pool
 * upgrade with approval, find the task token in the execution history,
 * approve it, scale the group, read the Nomad nodes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../sim/conformance/aws-cli-runner.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
const envFile = join(dir, 'sandbox.env');
const reportFile = join(dir, 'serve.json');
let sandbox: ChildProcess;
let output = '';
let vars: Record<string, string> = {};

/** The exports file, parsed (`export K='v'`). */
function readExports(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const m = /^export ([A-Z_]+)='(.*)'$/.exec(line);
        if (!m) throw new Error(`not an export line: ${line}`);
        return [m[1] as string, m[2] as string];
      }),
  );
}

async function aws(...args: string[]): Promise<unknown> {
  const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...vars };
  const { stdout } = await awsCli([...args, '--output', 'json'], { env, timeout: 60_000 });
  return stdout.trim() === '' ? {} : JSON.parse(stdout);
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  sandbox = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'sim/cli.ts', 'serve', '--time-scale', '600', '--write-env', envFile, '--report', reportFile],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  sandbox.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  sandbox.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await eventually('the sandbox to print its variables', async () => (existsSync(envFile) ? true : undefined), 240_000);
  vars = readExports();
}, 300_000);

afterAll(async () => {
  if (sandbox.exitCode === null) {
    const exited = new Promise((r) => sandbox.once('exit', r));
    sandbox.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

// One operator session against one sandbox process, step by step: each step starts from the world the steps
// before it left (the upgrade expects 4 clients before the scale-out to 5; the report on Ctrl-C holds the
// upgrade), so they keep their order under `--sequence.shuffle`.
describe('npm run sim -- serve, driven by the aws CLI and curl', { shuffle: false }, () => {
  it('prints one AWS endpoint, region, fake credentials and the cluster APIs with tokens, all on loopback', () => {
    for (const k of ['AWS_ENDPOINT_URL', 'NOMAD_ADDR', 'CONSUL_HTTP_ADDR', 'VAULT_ADDR']) expect(vars[k]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const k of ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'NOMAD_TOKEN', 'CONSUL_HTTP_TOKEN', 'VAULT_TOKEN'])
      expect(vars[k]).toBeTruthy();
    expect(output).toContain('aws stepfunctions start-execution');
  });

  it('passes `npm run doctor` through the same variables, and names an unreachable API', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...vars };
    const doctor = (extra: Record<string, string>) =>
      run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'tools/doctor/cli.ts', '--stage', 'example'], {
        cwd: ROOT,
        env: { ...env, ...extra },
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    const green = await doctor({});
    expect(green.out).toMatch(/\b\d+ passed, 0 failed, 0 warnings/);
    expect(green.code).toBe(0);
    const unreachable = await doctor({ CONSUL_HTTP_ADDR: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toMatch(/reachable\s+consul\s+FAIL/);
    // Only this machine's address was wrong: from the Lambdas' subnets (the deployed probe) Consul answers.
    expect(unreachable.out).toMatch(/reachable from Lambdas\s+consul\s+PASS/);
    // The managed nodes as the CLI lists them (the doctor's ssm agent check reads the same API).
    const info = (await aws('ssm', 'describe-instance-information')) as { InstanceInformationList: Array<{ PingStatus: string; PlatformType: string }> };
    expect(info.InstanceInformationList.map((n) => `${n.PingStatus} ${n.PlatformType}`)).toEqual(Array(7).fill('Online Linux'));
  }, 120_000);

  it('runs a pool upgrade started with start-execution and approved with send-task-success from the history', async () => {
    const groups = (await aws('autoscaling', 'describe-auto-scaling-groups')) as {
      AutoScalingGroups: Array<{ AutoScalingGroupName: string; DesiredCapacity: number }>;
    };
    expect(groups.AutoScalingGroups.find((g) => g.AutoScalingGroupName === vars.SANDBOX_CLIENT_ASG)?.DesiredCapacity).toBe(4);

    const input = JSON.stringify({ pool: 'general', imageId: vars.SANDBOX_UPGRADE_IMAGE_ID, approval: true });
    const { executionArn } = (await aws(
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      vars.SANDBOX_POOL_UPGRADE_ARN as string,
      '--input',
      input,
    )) as {
      executionArn: string;
    };
    type History = { events: Array<{ type: string; taskScheduledEventDetails?: { parameters: string } }> };
    const token = await eventually(
      'the approval task',
      async () => {
        const history = (await aws('stepfunctions', 'get-execution-history', '--execution-arn', executionArn, '--reverse-order')) as History;
        const scheduled = history.events.find((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.parameters.includes('"token"'));
        return scheduled ? (JSON.parse(scheduled.taskScheduledEventDetails?.parameters ?? '{}') as { Payload: { token: string } }).Payload.token : undefined;
      },
      180_000,
    );
    await aws('stepfunctions', 'send-task-success', '--task-token', token, '--task-output', '{}');
    const final = await eventually(
      'the upgrade to end',
      async () => {
        const d = (await aws('stepfunctions', 'describe-execution', '--execution-arn', executionArn)) as { status: string; output?: string };
        return d.status === 'RUNNING' ? undefined : d;
      },
      240_000,
    );
    expect(final.status).toBe('SUCCEEDED');
    // The history as AWS orders it, the same whether read in pages of 5 (the CLI follows nextToken) or at once.
    type Event = { id: number; previousEventId: number; type: string; stateEnteredEventDetails?: { name: string } };
    const paged = ((await aws('stepfunctions', 'get-execution-history', '--execution-arn', executionArn, '--page-size', '5')) as { events: Event[] }).events;
    const whole = (
      (await aws('stepfunctions', 'get-execution-history', '--execution-arn', executionArn, '--max-results', '1000', '--no-paginate')) as { events: Event[] }
    ).events;
    expect(paged).toEqual(whole);
    expect(whole[0]?.type).toBe('ExecutionStarted');
    expect(whole.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(whole.map((e) => e.id)).toEqual(whole.map((_, i) => i + 1));
    // Every task's events come after its state was entered and before the next state is.
    let inTask = false;
    for (const e of whole) {
      if (e.type === 'TaskStateEntered') inTask = true;
      else if (e.type.endsWith('StateEntered')) inTask = false;
      if (e.type.startsWith('Task') && !e.type.startsWith('TaskState')) expect(inTask, `${e.id} ${e.type}`).toBe(true);
      if (e.type === 'TaskStateExited') inTask = false;
    }
    expect((JSON.parse(final.output ?? '{}') as { outcome: string }).outcome).toBe('upgraded');
    // A second approval of the same task is refused as AWS refuses it.
    await expect(aws('stepfunctions', 'send-task-success', '--task-token', token, '--task-output', '{}')).rejects.toThrow(/TaskTimedOut|InvalidToken/);
  }, 600_000);

  it('scales a group with set-desired-capacity; the new node joins Nomad (curl)', async () => {
    await aws('autoscaling', 'set-desired-capacity', '--auto-scaling-group-name', vars.SANDBOX_CLIENT_ASG as string, '--desired-capacity', '5');
    await eventually(
      'five InService clients',
      async () => {
        const g = (await aws('autoscaling', 'describe-auto-scaling-groups', '--auto-scaling-group-names', vars.SANDBOX_CLIENT_ASG as string)) as {
          AutoScalingGroups: Array<{ Instances: Array<{ LifecycleState: string }> }>;
        };
        return g.AutoScalingGroups[0]?.Instances.filter((i) => i.LifecycleState === 'InService').length === 5 ? true : undefined;
      },
      180_000,
    );
    const { stdout } = await run('curl', ['-sf', '-H', `X-Nomad-Token: ${vars.NOMAD_TOKEN}`, `${vars.NOMAD_ADDR}/v1/nodes`]);
    const ready = (JSON.parse(stdout) as Array<{ Status: string; NodePool: string; SchedulingEligibility: string }>).filter(
      (n) => n.Status === 'ready' && n.NodePool === 'general' && n.SchedulingEligibility === 'eligible',
    );
    expect(ready).toHaveLength(5);
  }, 300_000);

  it('writes its report on Ctrl-C', async () => {
    const exited = new Promise<number | null>((r) => sandbox.once('exit', (code) => r(code)));
    sandbox.kill('SIGINT');
    expect(await exited).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { scenario: string; executions: Array<{ stateMachine: string; status: string }> };
    expect(report.scenario).toBe('serve');
    expect(readFileSync(reportFile.replace(/\.json$/, '-timeline.svg'), 'utf8')).toContain('eligible nodes');
    expect(report.executions.filter((e) => e.stateMachine === 'poolUpgrade').map((e) => e.status)).toEqual(['SUCCEEDED']);
  }, 60_000);
});
