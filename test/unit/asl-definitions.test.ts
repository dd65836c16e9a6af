/** The generated state machines: committed JSON fresh, error names real, every branch reachable and needed, every path ending. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors/index.js';
import { POOL_CHECK_PHASES } from '../../src/workflows/cluster-upgrade/state.js';
import { DrainPlanSchema } from '../../src/workflows/drain/state.js';
import { JOIN_NEXT_BY_TASK } from '../../src/workflows/join/state.js';
import { SERVER_NEXT_BY_TASK } from '../../src/workflows/servers/removal-state.js';
import { REPLACE_NEXT_BY_TASK } from '../../src/workflows/servers/replace-state.js';
import { SURGE_NEXT, SURGE_STARTED } from '../../src/workflows/notices/surge.js';
import { PlanSchema } from '../../src/workflows/upgrade/state.js';
import { targets, type Definition, type State } from '../../statemachines/builder/asl.js';
import { LAMBDA_TRANSIENT_ERRORS } from '../../statemachines/builder/policy.js';
import { CLUSTER_UPGRADE } from '../../statemachines/definitions/cluster-upgrade.js';
import { DRAIN, drain } from '../../statemachines/definitions/drain.js';
import { MACHINES, render } from '../../statemachines/definitions/index.js';
import { JOIN, join } from '../../statemachines/definitions/join.js';
import { NOTICE_REPLACE } from '../../statemachines/definitions/notice-replace.js';
import { POOL_UPGRADE } from '../../statemachines/definitions/pool-upgrade.js';
import { SERVER_REPLACE } from '../../statemachines/definitions/server-replace.js';

/**
 * The validator `serverless-step-functions` runs, resolved from that plugin so the
 * test checks with the very version packaging uses (asl-validator ships no types).
 */
const pluginRequire = createRequire(createRequire(import.meta.url).resolve('serverless-step-functions'));
const aslValidator = pluginRequire('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

/** Per machine: the values a task can return (variable, values), from the workflow modules. */
const RETURNS: Record<string, Record<string, [string, readonly string[]]>> = {
  join: {
    [JOIN.prepare]: ['$.next', JOIN_NEXT_BY_TASK.prepare],
    [JOIN.runJoin]: ['$.next', JOIN_NEXT_BY_TASK.runJoin],
    [JOIN.watch]: ['$.next', JOIN_NEXT_BY_TASK.watch],
    [JOIN.diagnose]: ['$.next', JOIN_NEXT_BY_TASK.diagnose],
  },
  drain: {
    [DRAIN.prepare]: ['$.plan', DrainPlanSchema.options],
    [DRAIN.quorumGuard]: ['$.server.next', SERVER_NEXT_BY_TASK.guard],
    [DRAIN.serverLeave]: ['$.server.next', SERVER_NEXT_BY_TASK.leave],
    [DRAIN.serverVerify]: ['$.server.next', SERVER_NEXT_BY_TASK.verify],
  },
  'server-replace': {
    [SERVER_REPLACE.prepare]: ['$.next', REPLACE_NEXT_BY_TASK.prepare],
    [SERVER_REPLACE.snapshot]: ['$.next', REPLACE_NEXT_BY_TASK.snapshot],
    [SERVER_REPLACE.step]: ['$.next', REPLACE_NEXT_BY_TASK.step],
  },
  // The plan (role included) is fixed by Validate and carried through every step.
  'pool-upgrade': { [POOL_UPGRADE.setLaunchTemplate]: ['$.plan.role', PlanSchema.shape.role.options] },
  'cluster-upgrade': { [CLUSTER_UPGRADE.checkPool]: ['$.progress.phase', POOL_CHECK_PHASES] },
  'notice-replace': {
    [NOTICE_REPLACE.surgeStart]: ['$.surge', SURGE_STARTED],
    [NOTICE_REPLACE.checkReplacement]: ['$.next', SURGE_NEXT],
  },
};

const TYPED_ERROR_NAMES = new Set(
  (Object.values(errors) as unknown[])
    .filter((v): v is new (...a: string[]) => Error => typeof v === 'function' && v.prototype instanceof errors.ControlPlaneError)
    .map((C) => new C('x', 'y', 'z').name),
);
type Rule = { Variable?: string; StringEquals?: string; Next: string };
const stringRules = (s: State): Rule[] => ((s.Choices ?? []) as unknown as Rule[]).filter((r) => r.StringEquals !== undefined);
const retriers = (s: State) =>
  (s.Retry ?? []) as unknown as Array<{ ErrorEquals: string[]; MaxAttempts: number; JitterStrategy?: string; MaxDelaySeconds?: number }>;
const isSdkIntegration = (s: State): boolean => typeof s.Resource === 'string' && s.Resource.startsWith('arn:aws:states:::aws-sdk:');
const isEnd = (s: State): boolean => s.Type === 'Succeed' || s.Type === 'Fail' || s.End === true;

describe.each(Object.entries(MACHINES))('state machine %s', (file, definition: Definition) => {
  const states = definition.States;

  it('the committed statemachines/*.asl.json is what the builder generates (else run `npm run asl`)', () => {
    expect(readFileSync(new URL(`../../statemachines/${file}.asl.json`, import.meta.url), 'utf8')).toBe(render(definition));
  });

  it('is valid ASL (asl-validator, as `npm run package` checks it with validate: true)', () => {
    // A copy: asl-validator writes its defaults (QueryLanguage) into what it is given, and the builder's definition
    // is shared with the other tests (the committed-JSON comparison above).
    const r = aslValidator(structuredClone(definition));
    expect(r.isValid, r.errorsText('\n')).toBe(true);
  });

  it('every ErrorEquals names a typed error of src/errors or a States./Lambda./Sandbox. error', () => {
    const names = Object.values(states).flatMap((s) =>
      [...retriers(s), ...((s.Catch ?? []) as unknown as Array<{ ErrorEquals: string[] }>)].flatMap((r) => r.ErrorEquals),
    );
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(TYPED_ERROR_NAMES.has(n) || /^(States|Lambda|Sandbox)\.[A-Za-z]+$/.test(n), n).toBe(true);
  });

  it('every Lambda task retries transient Lambda errors, with jitter; typed errors are never retried blindly', () => {
    for (const [name, s] of Object.entries(states).filter(([, x]) => x.Type === 'Task' && !isSdkIntegration(x))) {
      for (const e of LAMBDA_TRANSIENT_ERRORS) {
        const r = retriers(s).find((x) => x.ErrorEquals.includes(e) || x.ErrorEquals.includes('States.ALL'));
        expect(r?.MaxAttempts, `${name} retries ${e}`).toBeGreaterThan(0);
      }
      for (const r of retriers(s).filter((x) => x.MaxAttempts > 0)) expect([r.JitterStrategy, typeof r.MaxDelaySeconds], name).toEqual(['FULL', 'number']);
      const blanket = retriers(s).findIndex((x) => x.ErrorEquals.includes('States.TaskFailed'));
      // A retrier on States.TaskFailed would match typed errors too: they must be listed before it.
      if (blanket >= 0)
        for (const n of TYPED_ERROR_NAMES)
          expect(
            retriers(s).findIndex((x) => x.ErrorEquals.includes(n)),
            `${name}: ${n}`,
          ).toBeLessThan(blanket);
    }
  });

  it('every value a task can return has its own Choice branch, and no branch tests a value that cannot occur', () => {
    const returns = RETURNS[file] ?? {};
    const possible = new Map<string, Set<string>>();
    for (const [task, [variable, values]] of Object.entries(returns)) {
      const s = states[task];
      expect(s?.Type, task).toBe('Task');
      const choice = states[String(s?.Next)] as State;
      if (choice.Type !== 'Choice') {
        expect(values, `${task} goes on unconditionally`).toHaveLength(1);
        continue;
      }
      const tested = stringRules(choice)
        .filter((r) => r.Variable === variable)
        .map((r) => r.StringEquals);
      for (const v of values) expect(tested, `${String(s?.Next)} has a branch for ${task}'s ${variable} = ${v}`).toContain(v);
      const key = `${String(s?.Next)} ${variable}`;
      possible.set(key, new Set([...(possible.get(key) ?? []), ...values]));
    }
    for (const [name, s] of Object.entries(states).filter(([, x]) => x.Type === 'Choice')) {
      for (const r of stringRules(s))
        expect(
          possible.get(`${name} ${String(r.Variable)}`)?.has(String(r.StringEquals)),
          `${name}: ${String(r.Variable)} = ${String(r.StringEquals)} can occur`,
        ).toBe(true);
    }
  });

  it('every state is reachable from the start and every path can end', () => {
    const reached = new Set([definition.StartAt]);
    for (const n of reached) for (const t of targets(states[n] as State)) reached.add(t);
    expect([...reached].sort()).toEqual(Object.keys(states).sort());
    for (const [name, s] of Object.entries(states)) if (!isEnd(s)) expect(targets(s).length, `${name} goes somewhere`).toBeGreaterThan(0);
    // From every state an end (Succeed, Fail, End) stays reachable: no loop without a way out.
    const ending = new Set(Object.keys(states).filter((n) => isEnd(states[n] as State)));
    for (let grew = true; grew; ) {
      grew = false;
      for (const [n, s] of Object.entries(states)) {
        if (ending.has(n) || !targets(s).some((t) => ending.has(t))) continue;
        ending.add(n);
        grew = true;
      }
    }
    expect(Object.keys(states).filter((n) => !ending.has(n))).toEqual([]);
  });
});

/** What the machine itself does while a task cannot run (a Lambda outage included): keep the lifecycle action alive. */
describe.each([
  ['drain', drain],
  ['join', join],
] as const)('%s: the wait-and-loop heartbeats the lifecycle action from Step Functions', (_file, definition: Definition) => {
  const states = definition.States;
  type Catcher = { ErrorEquals: string[]; Next: string };
  /** The lifecycle tasks: those whose Catch sends ClusterUnreachable into the wait-and-loop. */
  const looping = Object.entries(states).flatMap(([name, s]) =>
    ((s.Catch ?? []) as unknown as Catcher[]).filter((c) => c.ErrorEquals.includes('ClusterUnreachable')).map((c) => [name, c.Next] as const),
  );

  it('every wait-and-loop goes through HeartbeatBefore<Task>, a RecordLifecycleActionHeartbeat of $.action that never fails the execution', () => {
    expect(looping.length).toBeGreaterThan(0);
    for (const [task, into] of looping) {
      const wait = `WaitBefore${task}`;
      expect(into, task).toBe(`HeartbeatBefore${task}`);
      const heartbeat = states[into] as State;
      expect(heartbeat.Resource, task).toBe('arn:aws:states:::aws-sdk:autoscaling:recordLifecycleActionHeartbeat');
      expect(heartbeat.Parameters).toEqual({
        'AutoScalingGroupName.$': '$.action.asgName',
        'LifecycleHookName.$': '$.action.hookName',
        'LifecycleActionToken.$': '$.action.token',
        'InstanceId.$': '$.action.instanceId',
      });
      expect([heartbeat.Next, heartbeat.ResultPath, heartbeat.Catch]).toEqual([wait, null, [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: wait }]]);
      expect((states[wait] as State).Next).toBe(task);
    }
  });
});
