/**
 * A small typed builder for Amazon States Language (JSONPath): one function
 * per state type, returning the JSON Step Functions reads. Next targets are
 * state names; {@link machine} checks that every target exists and every
 * state is reachable, so a typo fails `npm run asl` and the unit tests.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type StateName = string;
export type StateType = 'Task' | 'Choice' | 'Wait' | 'Pass' | 'Succeed' | 'Fail';
export interface State {
  Type: StateType;
  [field: string]: Json | undefined;
}
export type States = Record<StateName, State>;

export type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL';
};
export type Catcher = {
  ErrorEquals: string[];
  /** null: the error is dropped and the state's input passes on unchanged. */
  ResultPath: string | null;
  Next: StateName;
};
/** A Task's Resource: a Lambda function of serverless.yml, or a service integration ARN. */
export type Resource = string | { 'Fn::GetAtt': [string, 'Arn'] };

/** The function `key` of serverless.yml, as CloudFormation names it (`drainPrepare` → DrainPrepareLambdaFunction). */
export const lambda = (key: string): Resource => ({ 'Fn::GetAtt': [`${key[0]?.toUpperCase() ?? ''}${key.slice(1)}LambdaFunction`, 'Arn'] });

/** An AWS SDK service integration: `awsSdk('autoscaling', 'recordLifecycleActionHeartbeat')`. */
export const awsSdk = (service: string, action: string): Resource => `arn:aws:states:::aws-sdk:${service}:${action}`;

/** Fields in the given order, undefined ones left out (the generated JSON reads top-down). */
const state = (fields: Record<string, Json | undefined>): State => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as State;
/** `next: null` ends the execution. */
const flow = (next: StateName | null) => (next === null ? { End: true } : { Next: next });

export interface TaskProps {
  comment?: string;
  inputPath?: string;
  parameters?: Json;
  resultPath?: string | null;
  outputPath?: string;
  timeoutSeconds?: number;
  retry?: Retrier[];
  catch?: Catcher[];
  next: StateName | null;
}
export const task = (resource: Resource, p: TaskProps): State =>
  state({
    Type: 'Task',
    Comment: p.comment,
    Resource: resource,
    InputPath: p.inputPath,
    Parameters: p.parameters,
    ResultPath: p.resultPath,
    OutputPath: p.outputPath,
    TimeoutSeconds: p.timeoutSeconds,
    Retry: p.retry?.length ? p.retry : undefined,
    Catch: p.catch?.length ? p.catch : undefined,
    ...flow(p.next),
  });

/** A Choice rule: `{Variable, StringEquals|BooleanEquals|…, Next}` or a combination (`And`). */
export type ChoiceRule = { Next: StateName } & Record<string, Json>;
export const choice = (rules: ChoiceRule[], otherwise: StateName, comment?: string): State =>
  state({ Type: 'Choice', Comment: comment, Choices: rules, Default: otherwise });

/**
 * One rule per value a task can return, in the order of `values`: the branch
 * map must name exactly those values (the type checker rejects a missing or an
 * impossible one).
 */
export const branches = <V extends string>(variable: string, values: readonly V[], next: Record<V, StateName>): ChoiceRule[] =>
  values.map((v) => ({ Variable: variable, StringEquals: v, Next: next[v] }));
export const isTrue = (variable: string, next: StateName): ChoiceRule => ({ Variable: variable, BooleanEquals: true, Next: next });

export const wait = (p: { seconds: number } | { secondsPath: string } | { timestampPath: string }, next: StateName, comment?: string): State =>
  state({
    Type: 'Wait',
    Comment: comment,
    Seconds: 'seconds' in p ? p.seconds : undefined,
    SecondsPath: 'secondsPath' in p ? p.secondsPath : undefined,
    TimestampPath: 'timestampPath' in p ? p.timestampPath : undefined,
    Next: next,
  });
export const pass = (p: { inputPath?: string; resultPath?: string; comment?: string }, next: StateName): State =>
  state({ Type: 'Pass', Comment: p.comment, InputPath: p.inputPath, ResultPath: p.resultPath, Next: next });
export const succeed = (p: { comment?: string; outputPath?: string } = {}): State => state({ Type: 'Succeed', Comment: p.comment, OutputPath: p.outputPath });
/** A Fail state: a fixed `error` or `errorPath`, a fixed `cause` or `causePath`. */
export const fail = (p: { comment?: string; error?: string; errorPath?: string; cause?: string; causePath?: string }): State =>
  state({ Type: 'Fail', Comment: p.comment, Error: p.error, ErrorPath: p.errorPath, Cause: p.cause, CausePath: p.causePath });

export interface Definition {
  Comment: string;
  StartAt: StateName;
  TimeoutSeconds: number;
  States: States;
}

/** Every state a state can go to next (Next, Choice branches and Default, Catch targets). */
export function targets(s: State): StateName[] {
  const rules = (s.Choices ?? []) as unknown as ChoiceRule[];
  const catchers = (s.Catch ?? []) as unknown as Catcher[];
  return [s.Next, s.Default, ...rules.map((r) => r.Next), ...catchers.map((c) => c.Next)].filter((t): t is StateName => typeof t === 'string');
}

/**
 * The definition, starting at the first state. @throws when a target does not
 * exist or a state cannot be reached from the start.
 */
export function machine(comment: string, timeoutSeconds: number, states: States): Definition {
  const names = Object.keys(states);
  const startAt = names[0];
  if (startAt === undefined) throw new Error('a state machine needs states');
  const seen = new Set<StateName>([startAt]);
  for (const name of seen) {
    for (const t of targets(states[name] as State)) {
      if (!(t in states)) throw new Error(`${name} goes to ${t}, which is not a state`);
      seen.add(t);
    }
  }
  const unreachable = names.filter((n) => !seen.has(n));
  if (unreachable.length) throw new Error(`unreachable states: ${unreachable.join(', ')}`);
  return { Comment: comment, StartAt: startAt, TimeoutSeconds: timeoutSeconds, States: states };
}
