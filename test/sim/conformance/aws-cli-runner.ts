/**
 * The real AWS CLI (v1: botocore, another client than the control plane's SDK
 * v3) without a Python start-up per command. Each `aws` process spent about
 * a second of CPU importing the CLI before its request; here one Python per
 * test worker, the interpreter of the `aws` on PATH, runs every command
 * through the CLI's own entry point, as the `aws` script does
 * (`awscli.clidriver.create_clidriver().main(args)`): a new driver and
 * botocore session per command, reading that command's environment; only the
 * parsed service models (botocore's read-only data loader) are kept between
 * commands. Output, error text and exit code are the command's, as from
 * execFile: a non-zero exit rejects with an error carrying stdout, stderr and
 * code.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export type AwsCliOutput = { stdout: string; stderr: string };
export type AwsCliOptions = { env: NodeJS.ProcessEnv; timeout?: number };
/** A command that exited non-zero (or did not finish), shaped like execFile's error. */
export class AwsCliFailed extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly killed = false,
  ) {
    super(message);
    this.name = 'AwsCliFailed';
  }
}

// Requests on stdin, one JSON line each; answers on fd 3, so nothing the CLI writes can be taken for one.
const DRIVER = String.raw`
import io, json, os, sys
from awscli.clidriver import create_clidriver

answers = os.fdopen(3, 'w', encoding='utf-8')
# Importing awscli puts its own data (the CLI's argument and help models) on botocore's path.
data_path = os.environ['AWS_DATA_PATH']
loader = None
for line in sys.stdin:
    request = json.loads(line)
    os.environ.clear()
    os.environ.update(request['env'])
    os.environ['AWS_DATA_PATH'] = data_path
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding='utf-8', write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding='utf-8', write_through=True)
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(), out, err
    try:
        driver = create_clidriver()
        if loader is None:
            loader = driver.session.get_component('data_loader')
        else:
            driver.session.register_component('data_loader', loader)
        rc = driver.main(request['args'])
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    answers.write(json.dumps({'rc': rc, 'stdout': out_bytes.getvalue().decode('utf-8', 'replace'), 'stderr': err_bytes.getvalue().decode('utf-8', 'replace')}) + '\n')
    answers.flush()
`;

type Answer = { rc: number; stdout: string; stderr: string };
type Driver = { child: ChildProcess; answers: AsyncIterator<Answer>; log: () => string };

let driver: Driver | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** Run `aws <args>`; commands of one worker run one after another, as awaited execFile calls did. */
export function awsCli(args: string[], options: AwsCliOptions): Promise<AwsCliOutput> {
  const result = queue.then(() => runOne(args, options));
  queue = result.catch(() => undefined);
  return result;
}

/** A command's parsed JSON output, or the error code and message the CLI printed for the service's error. */
export type AwsCliResult = { ok: true; out: Record<string, unknown> } | { ok: false; code: string; message: string };

/**
 * Run `aws --endpoint-url <endpoint> --output json <args>`. A service error
 * (the CLI's "An error occurred (Code) when calling the X operation: message")
 * is an answer; anything else that fails (a crash, a timeout) rejects.
 */
export async function awsCliJson(endpoint: string, args: string[], options: AwsCliOptions): Promise<AwsCliResult> {
  try {
    const { stdout } = await awsCli(['--endpoint-url', endpoint, '--output', 'json', ...args], options);
    return { ok: true, out: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {} };
  } catch (error) {
    const m = /An error occurred \(([^)]+)\)(?: when calling the \w+ operation)?:? ?(.*)/s.exec(error instanceof AwsCliFailed ? error.stderr : '');
    if (!m) throw error;
    return { ok: false, code: m[1] ?? '', message: (m[2] ?? '').trim() };
  }
}

async function runOne(args: string[], { env, timeout = 60_000 }: AwsCliOptions): Promise<AwsCliOutput> {
  driver ??= startDriver();
  const d = driver;
  const command = `aws ${args.join(' ')}`;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stopDriver(d);
      reject(new AwsCliFailed(`${command}: no answer in ${timeout} ms`, null, '', '', true));
    }, timeout);
  });
  try {
    (d.child.stdin as Writable).write(`${JSON.stringify({ args, env: definedEntries(env) })}\n`);
    const next = await Promise.race([d.answers.next(), timedOut]);
    if (next.done) {
      stopDriver(d);
      throw new AwsCliFailed(`${command}: the AWS CLI driver exited\n${d.log()}`, null, '', d.log());
    }
    const { rc, stdout, stderr } = next.value;
    if (rc !== 0) throw new AwsCliFailed(`Command failed: ${command}\n${stderr}`, rc, stdout, stderr);
    return { stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

function startDriver(): Driver {
  const child = spawn(awsCliPython(), ['-c', DRIVER], { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
  let log = '';
  (child.stderr as Readable).on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  });
  child.on('error', (error) => {
    log += `\n${error.message}`;
  });
  // The worker may exit with the driver idle: it then reads the end of its input and exits too.
  child.unref();
  for (const stream of [child.stdin, child.stderr, child.stdio[3]]) (stream as unknown as { unref?: () => void })?.unref?.();
  return { child, answers: answersOf(child.stdio[3] as Readable), log: () => log };
}

function stopDriver(d: Driver): void {
  if (driver === d) driver = undefined;
  d.child.kill('SIGKILL');
}

async function* answersOf(stream: Readable): AsyncGenerator<Answer> {
  let buffered = '';
  for await (const chunk of stream) {
    buffered += String(chunk);
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      yield JSON.parse(buffered.slice(0, end)) as Answer;
      buffered = buffered.slice(end + 1);
    }
  }
}

function definedEntries(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The Python the `aws` on PATH runs on: its script's interpreter (through pyenv when `aws` is a pyenv shim). */
function awsCliPython(): string {
  const aws = onPath('aws');
  const shebang = (path: string): string => /^#!\s*(.+)$/m.exec(readFileSync(path, 'utf8').split('\n', 1)[0] ?? '')?.[1]?.trim() ?? '';
  let line = shebang(aws);
  if (!/python/.test(line)) line = shebang(execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim());
  const [program, argument] = line.split(/\s+/);
  // `#!/usr/bin/env python3`: the named interpreter from PATH.
  const python = program?.endsWith('/env') && argument ? onPath(argument) : program;
  if (!python || !/python/.test(python)) throw new Error(`cannot tell which Python runs ${aws} (shebang "${line}")`);
  return python;
}

function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not on PATH`);
}
