/** Run a state machine definition locally (aws-local-stepfunctions) with its Task states answered by stubs. */
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import '../../sim/runtime/promise-with-resolvers.js';
import type { Definition } from '../../statemachines/builder/asl.js';
import { alreadyValidated, rememberValidated } from '../../sim/runtime/validated-definitions.js';

type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type Json = Parameters<Handlers[string]>[0];
export type Input = Record<string, unknown>;
/** Answers one Task state: returns its result or throws (an Error whose `name` is the Step Functions error). */
export type Stub = (input: Input) => unknown;

/** An error as a Lambda task reports it: the name is the Step Functions error. */
export const named = (name: string, message = name): Error => Object.assign(new Error(message), { name });

/** A stub that fails the first `times` calls with `error`, then answers with `then`. */
export function failing(times: number, error: string, then: Stub): Stub {
  let calls = 0;
  return (i) => {
    if (++calls <= times) throw named(error);
    return then(i);
  };
}

/** A stub that answers with each function in turn (the last one for every later call). */
export function sequence(...answers: Stub[]): Stub {
  let calls = 0;
  return (i) => (answers[Math.min(calls++, answers.length - 1)] as Stub)(i);
}

/** Stubs answering every `HeartbeatBefore<Task>` (the machine's own RecordLifecycleActionHeartbeat) as AWS does: `{}`. */
export const heartbeatStubs = (definition: Definition): Record<string, Stub> =>
  Object.fromEntries(
    Object.keys(definition.States)
      .filter((n) => n.startsWith('HeartbeatBefore'))
      .map((n) => [n, () => ({})]),
  );

export interface Run {
  result: unknown;
  /** The error the execution failed with (Fail state or uncaught task error). */
  error: Error | undefined;
  /** States entered, in order. */
  entered: string[];
  /** States retried by a Retry rule, in order. */
  retried: string[];
  /** Inputs each stubbed Task state was called with. */
  calls: Record<string, Input[]>;
}

/**
 * Run `definition` with every Task state answered by `stubs` (by state name; a
 * Task without a stub fails with `StubMissing`). Wait states and retry
 * back-offs take no time.
 */
export async function runLocally(definition: Definition, stubs: Record<string, Stub>, input: Input): Promise<Run> {
  const calls: Record<string, Input[]> = {};
  const states = Object.entries(definition.States);
  const local: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [name] of states.filter(([, s]) => s.Type === 'Task')) {
    local[name] = async (i) => {
      calls[name] ??= [];
      calls[name].push(i as Input);
      const stub = stubs[name];
      if (!stub) throw named('StubMissing', `no stub for ${name}`);
      return stub(i as Input) as Json;
    };
  }
  const zero = (type: string) => Object.fromEntries(states.filter(([, s]) => s.Type === type).map(([n]) => [n, 0]));
  // The library validates a definition (asl-validator compiles its schemas: ~0.3 s of CPU) on every
  // construction: once per distinct definition is the same check (the simulator's memory of passes).
  const text = JSON.stringify(definition);
  const noValidate = alreadyValidated(text);
  // A copy: the library writes its defaults (QueryLanguage) into the definition it is given, and the
  // builder's definitions are shared by every test file of the worker (asl-definitions compares them with the JSON).
  const machine = new StateMachine(JSON.parse(text) as never, { validationOptions: { checkArn: false, noValidate } });
  rememberValidated(text);
  const execution = machine.run(input as Json, {
    overrides: { taskResourceLocalHandlers: local as Handlers, waitTimeOverrides: zero('Wait'), retryIntervalOverrides: zero('Task') },
    context: { Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:test:run', Name: 'run' }, Task: { Token: 'task-token' } },
  });
  const entered: string[] = [];
  const retried: string[] = [];
  const events = (async () => {
    for await (const e of execution.eventLogs) {
      const name = (e as { state?: { name: string } }).state?.name ?? '';
      if (e.type === 'StateEntered') entered.push(name);
      if (e.type === 'StateRetried') retried.push(name);
    }
  })();
  let result: unknown;
  let error: Error | undefined;
  try {
    result = await execution.result;
  } catch (e) {
    // The library wraps the failure: ExecutionError with the Error/Cause as its cause.
    error = e instanceof Error && e.cause instanceof Error ? e.cause : (e as Error);
  }
  await events;
  return { result, error, entered, retried, calls };
}
