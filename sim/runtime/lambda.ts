import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { SimClock } from '../core/clock.js';
import type { Faults } from '../core/faults.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import { AccessDeniedError, type IamAuthorizer } from '../iam/authorizer.js';
import { currentPrincipal, runAs } from '../iam/principal.js';
import type { FunctionSpec } from './deploy-config.js';
import { recordTaskInput } from './task-input-log.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Sim time Lambda adds to a warm invocation (routing, payload transfer), ms. */
export const INVOKE_OVERHEAD_MS = 15;

/** What Lambda reports when a function throws: the error's name becomes the Step Functions error. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
  ) {
    super(errorMessage);
    this.name = errorType;
  }
}

/**
 * Runs the control plane's real handlers in-process, as Lambda would: one
 * invocation per call, a context whose remaining time follows the sim clock,
 * the function's timeout enforced (`Sandbox.Timedout`), and injected crashes.
 * Invocations hold the sim clock: the time they take is charged as real time.
 */
export class LambdaRuntime {
  private readonly byArn = new Map<string, FunctionSpec>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly callCounts = new Map<string, number>();
  private readonly rng: Rng;
  private iam: IamAuthorizer | undefined;
  private readonly containerResets: Array<() => void> = [];
  private readonly started = new Set<string>();

  constructor(
    functions: FunctionSpec[],
    private readonly deps: { clock: SimClock; faults: Faults; recorder: Recorder; rng: Rng },
  ) {
    for (const f of functions) this.byArn.set(f.arn, f);
    this.rng = deps.rng.fork('lambda');
  }

  /** Enforce IAM: callers need lambda:InvokeFunction, handlers run as their execution role. */
  useIam(iam: IamAuthorizer): void {
    this.iam = iam;
  }

  /**
   * Forget in-memory state a function's container would not share with
   * another function's. The handlers share one process here, so a value one
   * function cached (the cluster tokens) would otherwise spare another its
   * own read, and its own IAM check: each function's first invocation (its
   * cold start) starts without it; later ones run warm.
   */
  resetBeforeEachInvocation(reset: () => void): void {
    this.containerResets.push(reset);
  }

  /** Whether a function is deployed under this ARN. */
  has(arn: string): boolean {
    return this.byArn.has(arn);
  }

  /** The function deployed under this ARN or name. */
  find(arnOrName: string): FunctionSpec {
    const f = this.byArn.get(arnOrName) ?? [...this.byArn.values()].find((x) => x.name === arnOrName || x.key === arnOrName);
    if (!f) throw new Error(`no function ${arnOrName} in serverless.yml`);
    return f;
  }

  /**
   * Load every handler module now. The simulator compiles TypeScript on first
   * import, which would otherwise be charged to the first invocation's sim
   * time; Lambda cold starts are not modelled.
   */
  async warmUp(): Promise<void> {
    await Promise.all([...this.byArn.values()].map((f) => this.load(f)));
  }

  /**
   * Invoke a function synchronously (RequestResponse) and return its result.
   * The invocation holds the sim clock until the handler's code really stops,
   * even when the caller gave up on it (timeout, stopped execution): the code
   * is still running in this process, as it would on Lambda until killed.
   */
  async invoke(arnOrName: string, event: unknown): Promise<unknown> {
    const held = this.deps.clock.hold();
    this.running++;
    let done = false;
    let release = (): void => {
      if (done) return;
      done = true;
      this.running--;
      held();
    };
    let settled: Promise<void> | undefined;
    const fn = this.find(arnOrName);
    try {
      try {
        await this.iam?.authorizeInvoke(currentPrincipal(), fn.arn);
      } catch (error) {
        // Lambda's refusal as Step Functions reports it for a lambda:invoke task.
        if (error instanceof AccessDeniedError)
          throw new LambdaFunctionError(
            'Lambda.AWSLambdaException',
            `${error.message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`,
          );
        throw error;
      }
      const handler = await this.load(fn);
      await this.deps.clock.sleep(INVOKE_OVERHEAD_MS, { parked: true });
      this.throwIfThrottled(fn);
      this.runningOf.set(fn.key, (this.runningOf.get(fn.key) ?? 0) + 1);
      const release0 = release;
      release = (): void => {
        if (!done) this.runningOf.set(fn.key, (this.runningOf.get(fn.key) ?? 1) - 1);
        release0();
      };
      const call = (this.callCounts.get(fn.key) ?? 0) + 1;
      this.callCounts.set(fn.key, call);
      const crash = this.deps.faults.cluster.lambdaCrashes.find((c) => c.functionName === fn.key && c.onCall === call);
      const deadline = this.deps.clock.now() + fn.timeoutSeconds * 1000;
      const context = this.context(fn, deadline);
      if (!this.started.has(fn.key)) {
        this.started.add(fn.key);
        for (const reset of this.containerResets) reset();
      }
      recordTaskInput(fn.key, event);
      if (crash?.error) {
        this.deps.recorder.event('lambda', `${fn.key} threw ${crash.error} (injected bug) on call ${call}`);
        throw new LambdaFunctionError(crash.error, `${fn.key}: ${crash.error} thrown by the handler (injected bug)`);
      }
      const principal = this.iam?.functionPrincipal(fn.arn, fn.name);
      const startedAt = this.deps.clock.now();
      const run = runAs(principal, () => handler(structuredClone(event), context));
      settled = run.then(
        () => undefined,
        () => undefined,
      );
      void settled.then(() => this.deps.recorder.lambdaInvocation(fn.key, Math.min(this.deps.clock.now(), deadline) - startedAt, fn.memoryMb));
      void settled.finally(() => release());
      let timer: { cancel(): void } | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = this.deps.clock.scheduleAt(
          deadline,
          () => reject(new LambdaFunctionError('Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds}.00 seconds`)),
          `lambda-timeout:${fn.key}`,
        );
      });
      try {
        const result = await Promise.race([run, timeout]);
        if (crash) {
          // The process dies after its side effects, before returning. Step Functions
          // reports a crash without an error type as Lambda.Unknown.
          this.deps.recorder.event('lambda', `${fn.key} crashed (injected) on call ${call}`);
          throw new LambdaFunctionError(
            'Lambda.Unknown',
            'The cause could not be determined because Lambda did not return an error type. Runtime exited with error: signal: killed',
          );
        }
        return result === undefined ? null : JSON.parse(JSON.stringify(result));
      } catch (error) {
        if (error instanceof LambdaFunctionError) throw error;
        const e = error instanceof Error ? error : new Error(String(error));
        throw new LambdaFunctionError(e.name || 'Error', e.message);
      } finally {
        timer?.cancel();
      }
    } finally {
      if (!settled) release();
    }
  }

  /** Concurrent invocations per function (for reserved concurrency). */
  private readonly runningOf = new Map<string, number>();

  /**
   * Lambda refuses the invocation before any code runs (429
   * TooManyRequestsException, which Step Functions reports as
   * `Lambda.TooManyRequestsException`): the function's reserved concurrency
   * is in use, or an injected throttle window is open.
   */
  private throwIfThrottled(fn: FunctionSpec): void {
    const t = this.deps.faults.cluster.lambdaThrottle;
    const injected = t !== null && this.deps.clock.now() < t.until && (t.functionNames.length === 0 || t.functionNames.includes(fn.key));
    const reserved = fn.reservedConcurrency !== null && (this.runningOf.get(fn.key) ?? 0) >= fn.reservedConcurrency;
    if (!injected && !reserved) return;
    this.deps.recorder.event('lambda', `${fn.key} throttled (${injected ? 'injected' : `reserved concurrency ${fn.reservedConcurrency}`})`);
    throw new LambdaFunctionError('Lambda.TooManyRequestsException', 'Rate Exceeded. (Service: Lambda, Status Code: 429)');
  }

  /** Invocations whose handler code is still running (the caller may have given up on them). */
  get inFlight(): number {
    return this.running;
  }

  private running = 0;

  private load(fn: FunctionSpec): Promise<Handler> {
    let h = this.handlers.get(fn.key);
    if (!h) {
      h = import(pathToFileURL(fn.sourceFile).href).then((mod: Record<string, unknown>) => {
        const exported = mod[fn.exportName];
        if (typeof exported !== 'function') throw new Error(`${fn.sourceFile} exports no function ${fn.exportName}`);
        return exported as Handler;
      });
      this.handlers.set(fn.key, h);
    }
    return h;
  }

  private context(fn: FunctionSpec, deadline: number): Context {
    const requestId = this.rng.uuid();
    const clock = this.deps.clock;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `sim/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}
