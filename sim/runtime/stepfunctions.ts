import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { JSONPath } from 'jsonpath-plus';
import type { SimClock } from '../core/clock.js';
import type { WorldBus } from '../core/bus.js';
import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { IamAuthorizer } from '../iam/authorizer.js';
import { runAs } from '../iam/principal.js';
import type { StateMachineSpec } from './deploy-config.js';
import { LambdaFunctionError, type LambdaRuntime } from './lambda.js';
import { isSdkIntegration, sdkIntegration, type SdkEndpoints } from './sdk-integrations.js';
import { alreadyValidated, rememberValidated } from './validated-definitions.js';
import './promise-with-resolvers.js';

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = Parameters<LocalHandlers[string]>[0];

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  abort?: () => void;
  /** State events in sim time (entered, retried, failed, caught), for debugging and reports. */
  history: Array<{ at: string; type: string; state?: string; error?: string }>;
  /**
   * Run a task's Lambda invocation: the execution stops holding the sim clock
   * meanwhile (the invocation holds it, for as long as its code runs).
   */
  whileTaskRuns<T>(task: () => Promise<T>): Promise<T>;
  /** StopExecution was called. */
  stopRequested?: boolean;
  /** Aborted when the execution ends: its parked waits (Wait states, retry intervals) end with it. */
  endSignal?: AbortSignal;
  /** Resolves when the execution stops. */
  done: Promise<void>;
  /** GetExecutionHistory, as AWS records it (see {@link ExecutionHistory}). */
  events: ExecutionHistory;
}

/** One event of GetExecutionHistory: `type` and its `<type>EventDetails` (camel case), sim time. */
export interface HistoryEvent {
  type: string;
  at: number;
  details?: Record<string, unknown>;
}

/**
 * An execution's history as GetExecutionHistory returns it: ExecutionStarted,
 * `<StateType>StateEntered` / `StateExited` with input and output, for a
 * `lambda:invoke` task TaskScheduled (its resolved Parameters: the Payload
 * with the task token), TaskStarted, TaskSubmitted (`.waitForTaskToken`) and
 * TaskSucceeded / TaskFailed / TaskTimedOut, then the execution's end.
 * aws-local-stepfunctions reports state events asynchronously; a task's
 * events wait until its state's StateEntered is recorded, so the order is
 * AWS's. Not modelled: Map/Parallel iteration events, LambdaFunction* events
 * of tasks with a direct function ARN.
 */
export class ExecutionHistory {
  private readonly events: HistoryEvent[] = [];
  private readonly active = new Set<string>();
  private readonly waiting = new Map<string, HistoryEvent[]>();
  /** The execution's end: always last, although the runner's last state events may be read after it. */
  private ended: HistoryEvent | undefined;

  /** The events in order. */
  get list(): HistoryEvent[] {
    if (!this.ended) return [...this.events];
    const last = this.events.at(-1)?.at ?? this.ended.at;
    return [...this.events, { ...this.ended, at: Math.max(this.ended.at, last) }];
  }

  add(event: HistoryEvent): void {
    if (event.type.startsWith('Execution') && event.type !== 'ExecutionStarted') this.ended = event;
    else this.events.push(event);
  }

  /** A state event, in the order the state machine ran. */
  state(kind: 'Entered' | 'Exited' | 'Ended', stateName: string, event?: HistoryEvent): void {
    if (event) this.events.push(event);
    if (kind === 'Entered') {
      this.active.add(stateName);
      for (const e of this.waiting.get(stateName) ?? []) this.events.push(e);
      this.waiting.delete(stateName);
    } else this.active.delete(stateName);
  }

  /** A task event of a state (held until the state's StateEntered is recorded). */
  task(stateName: string, event: HistoryEvent): void {
    if (this.active.has(stateName)) this.events.push(event);
    else this.waiting.set(stateName, [...(this.waiting.get(stateName) ?? []), event]);
  }
}

/** A Task state's retrier, as ASL defines it. */
interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

const SIM_WAIT_RESOURCE = 'arn:aws:states:::sim:wait';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/**
 * What `$$.Task.Token` resolves to inside aws-local-stepfunctions (it only
 * knows a run-wide context). The task handler replaces it in the resolved
 * Parameters with a token unique to that task.
 */
const TASK_TOKEN_PLACEHOLDER = '__sim_task_token__';

/** A task waiting for SendTaskSuccess/SendTaskFailure. */
export interface PendingTask {
  token: string;
  executionArn: string;
  stateName: string;
  /** The payload the Lambda was invoked with (token substituted). */
  payload: unknown;
  startedAt: number;
  heartbeats: number;
  settle(result: { output: unknown } | { error: string; cause: string }): void;
  heartbeat(): void;
}
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

class SfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Simulated AWS Step Functions: the state machines of serverless.yml run with
 * aws-local-stepfunctions, their Lambda tasks invoke the real handlers through
 * the {@link LambdaRuntime}, Wait states and task timeouts run on the sim
 * clock, and the StartExecution/DescribeExecution/StopExecution/ListExecutions
 * wire API (awsJson1_0) is served, with SendTaskSuccess/SendTaskFailure/
 * SendTaskHeartbeat for `lambda:invoke.waitForTaskToken` tasks, so the control plane's SDK client works
 * unchanged. Execution status changes go to EventBridge as AWS sends them.
 */
export class StepFunctionsSim implements SimService {
  readonly name = 'sfn' as const;
  private readonly machines = new Map<string, StateMachineSpec>();
  private readonly executions = new Map<string, Execution>();
  private readonly tasks = new Map<string, PendingTask>();
  /** Tokens of tasks that ended (answered, timed out, or their execution stopped). */
  private readonly closedTokens = new Set<string>();
  private tokenCounter = 0;
  private iam: IamAuthorizer | undefined;
  private sdkEndpoints: SdkEndpoints | undefined;
  /** Draws of the retriers' full jitter (its own stream: a retry does not shift other draws). */
  private readonly jitter: Rng;

  constructor(
    specs: StateMachineSpec[],
    private readonly deps: { clock: SimClock; recorder: Recorder; rng: Rng; lambda: LambdaRuntime; bus: WorldBus; region: string },
  ) {
    for (const s of specs) this.machines.set(s.arn, s);
    this.jitter = deps.rng.fork('sfn-retry');
  }

  /** Enforce IAM: an execution's tasks invoke functions as the state machine's role. */
  useIam(iam: IamAuthorizer): void {
    this.iam = iam;
  }

  /** Where SDK integration tasks (`arn:aws:states:::aws-sdk:…`) send their calls. */
  useSdkEndpoints(endpoints: SdkEndpoints): void {
    this.sdkEndpoints = endpoints;
  }

  /** Every execution started so far. */
  list(): Execution[] {
    return [...this.executions.values()];
  }

  /** Tasks waiting for a callback (`.waitForTaskToken`), optionally of one execution. */
  pendingTasks(executionArn?: string): PendingTask[] {
    return [...this.tasks.values()].filter((t) => executionArn === undefined || t.executionArn === executionArn);
  }

  /** SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, as the wire API does them. */
  sendTask(kind: 'success' | 'failure' | 'heartbeat', token: string, fields: { output?: string; error?: string; cause?: string } = {}): void {
    const task = this.tasks.get(token);
    if (!task) {
      if (this.closedTokens.has(token)) throw new SfnError('TaskTimedOut', 'Task Timed Out');
      throw new SfnError('InvalidToken', 'Invalid Token');
    }
    if (kind === 'heartbeat') {
      task.heartbeat();
      return;
    }
    if (kind === 'success') {
      let output: unknown;
      try {
        output = JSON.parse(fields.output ?? '');
      } catch {
        throw new SfnError('InvalidOutput', 'Invalid Output: output is not valid JSON');
      }
      task.settle({ output });
      return;
    }
    task.settle({ error: fields.error ?? 'States.TaskFailed', cause: fields.cause ?? '' });
  }

  /** The state machine deployed under a key of serverless.yml (e.g. `drain`). */
  machine(key: string): StateMachineSpec {
    const m = [...this.machines.values()].find((x) => x.key === key);
    if (!m) throw new Error(`no state machine ${key} in serverless.yml`);
    return m;
  }

  /** StartExecution with AWS's idempotency rules for STANDARD workflows. */
  startExecution(stateMachineArn: string, name: string | undefined, input: string): Execution {
    const spec = this.machines.get(stateMachineArn);
    if (!spec) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const execName = name ?? this.deps.rng.uuid();
    if (!NAME_PATTERN.test(execName)) throw new SfnError('InvalidName', `Invalid Name: '${execName}'`);
    try {
      JSON.parse(input);
    } catch {
      throw new SfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input is not valid JSON');
    }
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execName}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let finish!: () => void;
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name: execName,
      input,
      status: 'RUNNING',
      history: [],
      events: new ExecutionHistory(),
      whileTaskRuns: (task) => task(),
      startDate: this.deps.clock.now(),
      done: new Promise<void>((r) => (finish = r)),
    };
    this.executions.set(executionArn, execution);
    execution.events.add({
      type: 'ExecutionStarted',
      at: execution.startDate,
      details: { input, inputDetails: { truncated: false }, roleArn: `arn:aws:iam::${stateMachineArn.split(':')[4]}:role/${spec.name}-role` },
    });
    this.deps.recorder.executionStarted({ executionArn, name: execName, stateMachine: spec.key });
    this.deps.recorder.event('sfn', `${spec.key} execution ${execName} started`);
    this.emitStatus(execution);
    const principal = this.iam?.stateMachinePrincipal(spec.arn, execName);
    void runAs(principal, () => this.run(spec, execution)).finally(finish);
    return execution;
  }

  /** StopExecution: abort a running execution. */
  stopExecution(executionArn: string, error?: string, cause?: string): Execution {
    const e = this.executions.get(executionArn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    if (e.status === 'RUNNING') {
      if (error !== undefined) e.error = error;
      if (cause !== undefined) e.cause = cause;
      e.stopRequested = true;
      e.abort?.();
    }
    return e;
  }

  private async run(spec: StateMachineSpec, execution: Execution): Promise<void> {
    let release = this.deps.clock.hold();
    let ended = false;
    // A wait still parked after its execution ended would offset another holder's work on the clock.
    const end = new AbortController();
    execution.endSignal = end.signal;
    execution.whileTaskRuns = async (task) => {
      release();
      try {
        return await task();
      } finally {
        // A task outliving its execution (stopped, timed out) must not hold the clock for it.
        if (!ended) release = this.deps.clock.hold();
      }
    };
    const { definition, handlers } = this.prepare(spec, execution);
    const definitionJson = JSON.stringify(definition);
    const machine = new StateMachine(definition, { validationOptions: { checkArn: false, noValidate: alreadyValidated(definitionJson) } });
    rememberValidated(definitionJson);
    const run = machine.run(JSON.parse(execution.input) as JSONValue, {
      overrides: { taskResourceLocalHandlers: handlers as LocalHandlers },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          Input: JSON.parse(execution.input) as JSONValue,
          StartTime: new Date(execution.startDate).toISOString(),
        },
        StateMachine: { Id: spec.arn, Name: spec.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    execution.abort = run.abort;
    const counting = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') this.deps.recorder.executionTransition(execution.executionArn);
        const e = event as { type: string; state?: { name?: string }; Error?: string; error?: { Error?: string } };
        execution.history.push({ at: this.deps.clock.iso(), type: e.type, state: e.state?.name, error: e.Error ?? e.error?.Error });
        this.recordHistory(spec, execution, event);
      }
    })();
    try {
      const result = await run.result;
      if (execution.status === 'RUNNING') {
        if (execution.stopRequested) this.settle(execution, 'ABORTED');
        else this.settle(execution, 'SUCCEEDED', { output: JSON.stringify(result ?? null) });
      }
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const name = cause instanceof Error ? cause.name : 'States.Runtime';
      const message = cause instanceof Error ? cause.message : String(cause);
      this.settle(execution, name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED', { error: name, cause: message });
    } finally {
      for (const t of this.pendingTasks(execution.executionArn)) t.settle({ error: 'States.Runtime', cause: 'execution ended' });
      ended = true;
      end.abort();
      release();
      await counting.catch(() => undefined);
    }
  }

  private settle(e: Execution, status: ExecutionStatus, fields: { output?: string; error?: string; cause?: string } = {}): void {
    e.status = status;
    e.stopDate = this.deps.clock.now();
    Object.assign(e, fields);
    const end = { SUCCEEDED: 'ExecutionSucceeded', FAILED: 'ExecutionFailed', TIMED_OUT: 'ExecutionTimedOut', ABORTED: 'ExecutionAborted', RUNNING: '' }[
      status
    ];
    e.events.add({
      type: end,
      at: e.stopDate,
      details: status === 'SUCCEEDED' ? { output: e.output ?? 'null', outputDetails: { truncated: false } } : { error: e.error, cause: e.cause },
    });
    this.deps.recorder.executionEnded(e.executionArn, status, e.error, e.cause);
    const spec = this.machines.get(e.stateMachineArn);
    const why = e.error ? ` (${e.error}: ${e.cause ?? ''})` : '';
    this.deps.recorder.event('sfn', `${spec?.key ?? '?'} execution ${e.name} ${status}${why}`);
    this.emitStatus(e);
  }

  /**
   * The definition as it runs here: Task states call the real handlers with
   * their timeout on the sim clock, Wait states wait on the sim clock. Same
   * states, same transitions as on AWS.
   */
  private prepare(spec: StateMachineSpec, execution: Execution) {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const clock = this.deps.clock;
    const lambda = this.deps.lambda;
    const rewrite = (states: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> => {
      const out: Record<string, Record<string, unknown>> = {};
      for (const [stateName, state] of Object.entries(states)) {
        if (handlers[stateName]) throw new Error(`state name ${stateName} is used twice in ${spec.key}`);
        if (state.Type === 'Wait') {
          if (state.InputPath !== undefined) throw new Error(`${spec.key}.${stateName}: InputPath on a Wait state is not supported by the simulator`);
          const { Seconds, SecondsPath, Timestamp, TimestampPath, Type: _t, ...rest } = state;
          handlers[stateName] = async (input) => {
            const ms = waitMs({ Seconds, SecondsPath, Timestamp, TimestampPath }, input, clock.now());
            if (execution.status !== 'RUNNING') return null;
            await clock.sleep(ms, { parked: true, signal: execution.endSignal });
            return null;
          };
          out[stateName] = { ...rest, Type: 'Task', Resource: SIM_WAIT_RESOURCE, ResultPath: null };
          continue;
        }
        if (state.Type === 'Task' && (state.Resource === LAMBDA_INVOKE || state.Resource === LAMBDA_INVOKE_WAIT)) {
          const timeoutMs = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds * 1000 : undefined;
          const heartbeatMs = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds * 1000 : undefined;
          const waits = state.Resource === LAMBDA_INVOKE_WAIT;
          const resource = waits ? 'invoke.waitForTaskToken' : 'invoke';
          const taskEvent = (type: string, details: Record<string, unknown> = {}): void =>
            execution.events.task(stateName, { type, at: clock.now(), details: { resourceType: 'lambda', resource, ...details } });
          handlers[stateName] = async (input) => {
            const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
            if (typeof params.FunctionName !== 'string') throw new LambdaFunctionError('States.Runtime', `${stateName}: Parameters.FunctionName is missing`);
            if (!waits) {
              const functionName = params.FunctionName;
              taskEvent('TaskScheduled', { region: this.deps.region, parameters: JSON.stringify(params) });
              taskEvent('TaskStarted');
              try {
                const payload = await execution.whileTaskRuns(() => invokeWithTimeout(lambda, clock, functionName, params.Payload ?? null, timeoutMs));
                const output = { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
                taskEvent('TaskSucceeded', { output: JSON.stringify(output), outputDetails: { truncated: false } });
                return output;
              } catch (error) {
                const failure =
                  error instanceof LambdaFunctionError
                    ? { error: error.errorType, cause: error.errorMessage }
                    : { error: 'States.TaskFailed', cause: String(error) };
                taskEvent(failure.error === 'States.Timeout' ? 'TaskTimedOut' : 'TaskFailed', failure);
                throw error;
              }
            }
            return this.waitForTaskToken(execution, stateName, params.FunctionName, params.Payload ?? null, { timeoutMs, heartbeatMs }, taskEvent);
          };
          const { HeartbeatSeconds: _h, Retry: retry, ...rest } = state;
          handlers[stateName] = this.retrying(execution, stateName, retry, handlers[stateName]);
          out[stateName] = { ...rest, TimeoutSeconds: 2_000_000 };
          continue;
        }
        if (state.Type === 'Task' && isSdkIntegration(String(state.Resource))) {
          const call = sdkIntegration(String(state.Resource), `${spec.key}.${stateName}`, () => {
            if (this.sdkEndpoints === undefined) throw new Error('SDK integration endpoints are not configured');
            return this.sdkEndpoints;
          });
          const timeoutMs = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds * 1000 : undefined;
          const what = `${spec.key} ${stateName}: ${String(state.Resource).replace('arn:aws:states:::', '')}`;
          const { Retry: retry, ...rest } = state;
          handlers[stateName] = this.retrying(execution, stateName, retry, async (input) => {
            try {
              // Step Functions makes this call itself: the execution keeps holding the sim clock while
              // it is on the wire (no Lambda holds it instead), or sim time would jump past it.
              const output = await withTimeout(clock, call(input), timeoutMs);
              this.deps.recorder.event('sfn', `${what} ok`);
              return output;
            } catch (error) {
              this.deps.recorder.event('sfn', `${what} failed (${error instanceof LambdaFunctionError ? error.errorType : String(error)})`);
              throw error;
            }
          });
          out[stateName] = { ...rest, TimeoutSeconds: 2_000_000 };
          continue;
        }
        if (state.Type === 'Task') {
          const resource = String(state.Resource);
          if (!resource.startsWith('arn:aws:lambda:')) throw new Error(`${spec.key}.${stateName}: only direct Lambda ARNs are simulated, got ${resource}`);
          const timeoutMs = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds * 1000 : undefined;
          const { Retry: retry, ...rest } = state;
          handlers[stateName] = this.retrying(execution, stateName, retry, (input) =>
            execution.whileTaskRuns(() => invokeWithTimeout(lambda, clock, resource, input, timeoutMs)),
          );
          // The runner's own timeout is a wall-clock setTimeout (max ~24.8 days); the sim-time one is above.
          out[stateName] = { ...rest, TimeoutSeconds: 2_000_000 };
          continue;
        }
        if (state.Type === 'Map' || state.Type === 'Parallel') {
          const copy: Record<string, unknown> = { ...state };
          for (const key of ['Iterator', 'ItemProcessor']) {
            const sub = copy[key] as { States: Record<string, Record<string, unknown>> } | undefined;
            if (sub) copy[key] = { ...sub, States: rewrite(sub.States) };
          }
          if (Array.isArray(copy.Branches)) {
            copy.Branches = (copy.Branches as Array<{ States: Record<string, Record<string, unknown>> }>).map((b) => ({ ...b, States: rewrite(b.States) }));
          }
          out[stateName] = copy;
          continue;
        }
        out[stateName] = state;
      }
      return out;
    };
    const def = spec.definition as { States: Record<string, Record<string, unknown>> };
    const definition = { ...spec.definition, States: rewrite(def.States) };
    return { definition: definition as unknown as ConstructorParameters<typeof StateMachine>[0], handlers };
  }

  /**
   * A Task state's `Retry`, played on the sim clock. aws-local-stepfunctions
   * sleeps a retrier's interval with a wall-clock timer while the execution
   * holds the sim clock, so a retry cost sim time at the clock's busy rate
   * (1/K of wall time with K holders) instead of its interval, and cost real
   * time in every test. Here the interval (IntervalSeconds × BackoffRate^n,
   * capped by MaxDelaySeconds, full jitter unless `JitterStrategy: NONE`)
   * passes on the sim clock, parked. Matching as Step Functions does it: the
   * first retrier naming the error, `States.ALL`, or `States.TaskFailed` (any
   * error but `States.Timeout`); each retrier counts its own attempts from the
   * state's entry; `MaxAttempts: 0` never retries. Each retry is a state
   * transition (`StateRetried`), as AWS bills it.
   */
  private retrying(execution: Execution, stateName: string, retry: unknown, task: (input: unknown) => Promise<unknown>): (input: unknown) => Promise<unknown> {
    const retriers = (Array.isArray(retry) ? retry : []) as Retrier[];
    if (retriers.length === 0) return task;
    const clock = this.deps.clock;
    return async (input) => {
      const attempts = retriers.map(() => 0);
      for (;;) {
        try {
          return await task(input);
        } catch (error) {
          const name = error instanceof Error ? error.name : 'States.TaskFailed';
          const i = retriers.findIndex((r) =>
            r.ErrorEquals.some((e) => e === name || e === 'States.ALL' || (e === 'States.TaskFailed' && name !== 'States.Timeout')),
          );
          const retrier = retriers[i];
          if (!retrier || (attempts[i] as number) >= (retrier.MaxAttempts ?? 3) || execution.status !== 'RUNNING' || execution.stopRequested) throw error;
          const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (attempts[i] as number);
          const capped = Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
          const delayMs = retrier.JitterStrategy === 'FULL' ? Math.floor(this.jitter.next() * capped) : capped;
          attempts[i] = (attempts[i] as number) + 1;
          await clock.sleep(delayMs, { parked: true, signal: execution.endSignal });
          if (execution.status !== 'RUNNING' || execution.stopRequested) throw error;
          execution.history.push({ at: clock.iso(), type: 'StateRetried', state: stateName, error: name });
          this.deps.recorder.executionTransition(execution.executionArn);
        }
      }
    };
  }

  /**
   * `lambda:invoke.waitForTaskToken`: invoke the function with the payload
   * (its `$$.Task.Token` replaced by a token unique to this task), then wait
   * (parked: the clock may jump) for SendTaskSuccess/SendTaskFailure, with
   * TimeoutSeconds and HeartbeatSeconds on the sim clock.
   */
  private async waitForTaskToken(
    execution: Execution,
    stateName: string,
    functionName: string,
    rawPayload: unknown,
    limits: { timeoutMs: number | undefined; heartbeatMs: number | undefined },
    taskEvent: (type: string, details?: Record<string, unknown>) => void,
  ): Promise<unknown> {
    const clock = this.deps.clock;
    const token = `${Buffer.from(`${execution.executionArn}#${stateName}#${++this.tokenCounter}`).toString('base64')}.${this.deps.rng.uuid()}`;
    const payload = JSON.parse(JSON.stringify(rawPayload).split(TASK_TOKEN_PLACEHOLDER).join(token)) as unknown;
    let settle!: PendingTask['settle'];
    const answered = new Promise<{ output: unknown } | { error: string; cause: string }>((resolve) => (settle = resolve));
    const timers: Array<{ cancel(): void } | undefined> = [undefined, undefined];
    const armHeartbeat = (): void => {
      timers[1]?.cancel();
      if (limits.heartbeatMs !== undefined)
        timers[1] = clock.schedule(
          limits.heartbeatMs,
          () => task.settle({ error: 'States.HeartbeatTimeout', cause: 'no heartbeat in time' }),
          'task-heartbeat',
        );
    };
    const task: PendingTask = {
      token,
      executionArn: execution.executionArn,
      stateName,
      payload,
      startedAt: clock.now(),
      heartbeats: 0,
      settle: (r) => {
        if (!this.tasks.has(token)) return;
        this.tasks.delete(token);
        this.closedTokens.add(token);
        for (const t of timers) t?.cancel();
        settle(r);
      },
      heartbeat: () => {
        task.heartbeats++;
        armHeartbeat();
      },
    };
    this.tasks.set(token, task);
    if (limits.timeoutMs !== undefined)
      timers[0] = clock.schedule(limits.timeoutMs, () => task.settle({ error: 'States.Timeout', cause: 'Task timed out' }), 'task-timeout');
    armHeartbeat();
    this.deps.recorder.event('sfn', `${execution.name}: ${stateName} waits for a task token`);
    taskEvent('TaskScheduled', { region: this.deps.region, parameters: JSON.stringify({ FunctionName: functionName, Payload: payload }) });
    taskEvent('TaskStarted');
    try {
      const answer = await execution.whileTaskRuns(() => this.deps.lambda.invoke(functionName, payload));
      taskEvent('TaskSubmitted', {
        output: JSON.stringify({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: answer ?? null }),
        outputDetails: { truncated: false },
      });
    } catch (error) {
      task.settle(
        error instanceof LambdaFunctionError ? { error: error.errorType, cause: error.errorMessage } : { error: 'States.TaskFailed', cause: String(error) },
      );
    }
    const unpark = clock.park();
    let result: Awaited<typeof answered>;
    try {
      result = await answered;
    } finally {
      unpark();
    }
    if ('error' in result) {
      taskEvent(result.error === 'States.Timeout' || result.error === 'States.HeartbeatTimeout' ? 'TaskTimedOut' : 'TaskFailed', {
        error: result.error,
        cause: result.cause,
      });
      throw new LambdaFunctionError(result.error, result.cause);
    }
    taskEvent('TaskSucceeded', { output: JSON.stringify(result.output ?? null), outputDetails: { truncated: false } });
    return result.output;
  }

  /** The state events of aws-local-stepfunctions' log, as GetExecutionHistory names them (the state's own type: a Wait runs as a task here). */
  private recordHistory(spec: StateMachineSpec, execution: Execution, event: unknown): void {
    const e = event as { type: string; state?: { name?: string; input?: unknown; output?: unknown }; index?: number; parentState?: unknown };
    const name = e.state?.name;
    if (name === undefined || e.parentState !== undefined) return;
    const states = (spec.definition as { States?: Record<string, { Type?: string }> }).States ?? {};
    const type = states[name]?.Type ?? 'Task';
    const at = this.deps.clock.now();
    if (e.type === 'StateEntered') {
      const details = { name, input: JSON.stringify(e.state?.input ?? null), inputDetails: { truncated: false } };
      execution.events.state('Entered', name, { type: `${type}StateEntered`, at, details });
    } else if (e.type === 'StateExited') {
      const details = { name, output: JSON.stringify(e.state?.output ?? null), outputDetails: { truncated: false } };
      execution.events.state('Exited', name, { type: `${type}StateExited`, at, details });
    } else if (e.type === 'StateFailed' || e.type === 'StateCaught') execution.events.state('Ended', name);
  }

  private emitStatus(e: Execution): void {
    this.deps.bus.emit('aws.event', {
      source: 'aws.states',
      detailType: 'Step Functions Execution Status Change',
      resources: [e.executionArn],
      detail: {
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        stopDate: e.stopDate ?? null,
        input: e.input,
        output: e.output ?? null,
        error: e.error ?? null,
        cause: e.cause ?? null,
      },
    });
  }

  // ---- wire API (awsJson1_0) -------------------------------------------------

  actionOf(req: SimRequest): string {
    return String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '') || 'Unknown';
  }

  handle(req: SimRequest): SimResponse {
    const action = this.actionOf(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body || '{}') as Record<string, unknown>;
    } catch {
      return awsJson(400, { __type: 'SerializationException', message: 'body is not JSON' });
    }
    try {
      switch (action) {
        case 'StartExecution': {
          const e = this.startExecution(String(body.stateMachineArn), body.name === undefined ? undefined : String(body.name), String(body.input ?? '{}'));
          return awsJson(200, { executionArn: e.executionArn, startDate: e.startDate / 1000 });
        }
        case 'DescribeExecution': {
          const e = this.executions.get(String(body.executionArn));
          if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
          return awsJson(200, describe(e));
        }
        case 'StopExecution': {
          const e = this.stopExecution(
            String(body.executionArn),
            body.error === undefined ? undefined : String(body.error),
            body.cause === undefined ? undefined : String(body.cause),
          );
          return awsJson(200, { stopDate: (e.stopDate ?? this.deps.clock.now()) / 1000 });
        }
        case 'ListExecutions': {
          const arn = String(body.stateMachineArn);
          if (!this.machines.has(arn)) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
          const filter = body.statusFilter === undefined ? undefined : String(body.statusFilter);
          const executions = this.list()
            .filter((e) => e.stateMachineArn === arn && (!filter || e.status === filter))
            .sort((a, b) => b.startDate - a.startDate)
            .map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({
              executionArn,
              stateMachineArn,
              name,
              status,
              startDate: startDate / 1000,
              ...(stopDate === undefined ? {} : { stopDate: stopDate / 1000 }),
            }));
          return awsJson(200, { executions });
        }
        case 'GetExecutionHistory': {
          const e = this.executions.get(String(body.executionArn));
          if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
          return awsJson(200, historyPage(e, body));
        }
        case 'SendTaskSuccess':
          this.sendTask('success', String(body.taskToken ?? ''), { output: body.output === undefined ? undefined : String(body.output) });
          return awsJson(200, {});
        case 'SendTaskFailure':
          this.sendTask('failure', String(body.taskToken ?? ''), {
            error: body.error === undefined ? undefined : String(body.error),
            cause: body.cause === undefined ? undefined : String(body.cause),
          });
          return awsJson(200, {});
        case 'SendTaskHeartbeat':
          this.sendTask('heartbeat', String(body.taskToken ?? ''));
          return awsJson(200, {});
        default:
          return awsJson(400, { __type: 'UnknownOperationException', message: `unknown operation ${action}` });
      }
    } catch (error) {
      if (error instanceof SfnError) return awsJson(400, { __type: error.code, message: error.message });
      throw error;
    }
  }

  throttled(): SimResponse {
    return awsJson(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
  }

  serverError(): SimResponse {
    return awsJson(500, { __type: 'ServiceUnavailable', message: 'Service Unavailable' });
  }
}

function describe(e: Execution): Record<string, unknown> {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate / 1000,
    ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate / 1000 }),
    input: e.input,
    ...(e.output === undefined ? {} : { output: e.output }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
  };
}

/** One page of GetExecutionHistory: `maxResults` (1–1000, default 100), `nextToken`, `reverseOrder`, `includeExecutionData` (default true). */
function historyPage(e: Execution, body: Record<string, unknown>): Record<string, unknown> {
  const max = body.maxResults === undefined || body.maxResults === 0 ? 100 : Number(body.maxResults);
  if (!Number.isInteger(max) || max < 0 || max > 1000)
    throw new SfnError(
      'ValidationException',
      `1 validation error detected: Value '${String(body.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  const withData = body.includeExecutionData !== false;
  const all = e.events.list.map((h, i) => {
    const details =
      h.details && !withData
        ? Object.fromEntries(Object.entries(h.details).filter(([k]) => !['input', 'output', 'parameters', 'inputDetails', 'outputDetails'].includes(k)))
        : h.details;
    const kind = /State(Entered|Exited)$/.exec(h.type)?.[0] ?? h.type;
    const key = `${kind.charAt(0).toLowerCase()}${kind.slice(1)}EventDetails`;
    return { timestamp: h.at / 1000, type: h.type, id: i + 1, previousEventId: i, ...(details ? { [key]: details } : {}) };
  });
  const ordered = body.reverseOrder === true ? all.reverse() : all;
  let start = 0;
  if (body.nextToken !== undefined) {
    start = Number(Buffer.from(String(body.nextToken), 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start <= 0 || start > ordered.length) throw new SfnError('InvalidToken', 'Invalid Token: the nextToken is not valid');
  }
  const events = ordered.slice(start, start + max);
  const next = start + max < ordered.length ? { nextToken: Buffer.from(String(start + max)).toString('base64') } : {};
  return { events, ...next };
}

function awsJson(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) };
}

function invokeWithTimeout(lambda: LambdaRuntime, clock: SimClock, arn: string, input: unknown, timeoutMs: number | undefined): Promise<unknown> {
  return withTimeout(clock, lambda.invoke(arn, input), timeoutMs);
}

/** A task's TimeoutSeconds on the sim clock. */
async function withTimeout(clock: SimClock, invocation: Promise<unknown>, timeoutMs: number | undefined): Promise<unknown> {
  if (timeoutMs === undefined) return invocation;
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.schedule(timeoutMs, () => reject(new LambdaFunctionError('States.Timeout', 'Task timed out')), 'task-timeout');
  });
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    timer?.cancel();
  }
}

function waitMs(w: { Seconds?: unknown; SecondsPath?: unknown; Timestamp?: unknown; TimestampPath?: unknown }, input: unknown, now: number): number {
  const at = (path: unknown): unknown => JSONPath({ path: String(path), json: input as object, wrap: false });
  if (typeof w.Seconds === 'number') return w.Seconds * 1000;
  if (w.SecondsPath !== undefined) {
    const s = Number(at(w.SecondsPath));
    if (!Number.isFinite(s) || s < 0) throw new LambdaFunctionError('States.Runtime', `SecondsPath ${String(w.SecondsPath)} is not a non-negative number`);
    return s * 1000;
  }
  const ts = w.Timestamp !== undefined ? String(w.Timestamp) : w.TimestampPath !== undefined ? String(at(w.TimestampPath)) : undefined;
  if (ts === undefined) throw new LambdaFunctionError('States.Runtime', 'Wait state without a duration');
  const t = Date.parse(ts);
  if (Number.isNaN(t)) throw new LambdaFunctionError('States.Runtime', `Timestamp ${ts} is not a timestamp`);
  return Math.max(0, t - now);
}
