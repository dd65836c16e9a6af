import type { AwsEvent, WorldBus } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Faults } from '../core/faults.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { SqsService } from '../aws/sqs.js';
import type { IamAuthorizer } from '../iam/authorizer.js';
import { runAs } from '../iam/principal.js';
import { DEFAULT_TARGET_OPTIONS, SIM_ACCOUNT_ID, type RuleSpec } from './deploy-config.js';
import { matchesPattern } from './event-pattern.js';
import { applyInputTransformer } from './input-transformer.js';
import type { LambdaRuntime } from './lambda.js';
import type { StepFunctionsSim } from './stepfunctions.js';

/** The event envelope EventBridge delivers to targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Time from an event being put to its delivery to a target (EventBridge: typically about half a second). */
export const DELIVERY_LATENCY_MS = 400;

/** Lambda's asynchronous invocation retries: about 1 and 2 minutes after the failed attempts. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
/** EventBridge retries a delivery Lambda refused with exponential back-off and jitter, from about a second, capped here. */
const TARGET_RETRY_BASE_MS = 1_000;
const TARGET_RETRY_CAP_MS = 5 * 60_000;

/**
 * Simulated EventBridge default bus: events the simulated services emit are
 * matched against the rules of serverless.yml and delivered to their targets
 * (Lambda asynchronously with Lambda's retries, Step Functions executions, SNS
 * topics as notifications), with the injected duplicate deliveries and
 * delivery jitter (which lets events overtake each other). Schedule rules
 * fire on the sim clock.
 */
export class EventBridgeSim {
  private readonly rng: Rng;
  /** Notifications published to SNS topics, for the report and tests. */
  readonly notifications: Array<{ at: string; topicArn: string; event: EventEnvelope; message: string }> = [];
  /** Every envelope put on the bus. */
  readonly delivered: Array<{ rule: string; target: string; event: EventEnvelope }> = [];
  private iam: IamAuthorizer | undefined;
  /** Events sent to a dead-letter queue or an on-failure destination, and events dropped for good. */
  readonly deadLettered: Array<{ at: string; target: string; queueArn: string; eventId: string; why: string }> = [];
  readonly dropped: Array<{ at: string; target: string; eventId: string; why: string }> = [];
  /** Until this sim time Lambda refuses asynchronous invocations (throttled / service trouble): EventBridge retries them. */
  private lambdaRefusesUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly rules: RuleSpec[],
    private readonly deps: {
      clock: SimClock;
      faults: Faults;
      recorder: Recorder;
      rng: Rng;
      bus: WorldBus;
      lambda: LambdaRuntime;
      sfn: StepFunctionsSim;
      sqs: Pick<SqsService, 'send'>;
      region: string;
    },
  ) {
    this.rng = deps.rng.fork('events');
  }

  /** Enforce IAM: targets are delivered under their resource policies (Lambda permissions, topic policy). */
  useIam(iam: IamAuthorizer): void {
    this.iam = iam;
  }

  /** Fault: Lambda refuses asynchronous invocations for `ms` from now (EventBridge then retries per the target's RetryPolicy). */
  refuseLambdaInvokes(ms: number): void {
    this.lambdaRefusesUntil = this.deps.clock.now() + ms;
    this.deps.recorder.event('lambda', `asynchronous invocations refused for ${Math.round(ms / 1000)} s (injected)`);
  }

  /** Subscribe to the services' events and arm the schedules. */
  start(options: { schedules: boolean }): void {
    this.deps.bus.on('aws.event', (e) => this.put(e));
    if (!options.schedules) return;
    for (const rule of this.rules) {
      if (!rule.schedule) continue;
      const every = parseRate(rule.schedule);
      const tick = (): void => {
        this.route(rule, this.envelope({ source: 'aws.events', detailType: 'Scheduled Event', detail: {}, resources: [] }));
        this.deps.clock.schedule(every, tick, `schedule:${rule.name}`);
      };
      this.deps.clock.schedule(every, tick, `schedule:${rule.name}`);
    }
  }

  /** PutEvents: route one event to every matching rule. */
  put(event: AwsEvent): EventEnvelope {
    const envelope = this.envelope(event);
    for (const rule of this.rules) {
      if (rule.pattern && matchesPattern(rule.pattern, envelope as unknown as Record<string, unknown>)) this.route(rule, envelope);
    }
    return envelope;
  }

  private envelope(e: AwsEvent): EventEnvelope {
    return {
      version: '0',
      id: this.rng.uuid(),
      'detail-type': e.detailType,
      source: e.source,
      account: SIM_ACCOUNT_ID,
      time: new Date(this.deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.deps.region,
      resources: e.resources,
      detail: e.detail,
    };
  }

  private route(rule: RuleSpec, envelope: EventEnvelope): void {
    for (const target of rule.targets) {
      const copies = this.deps.faults.drawDuplicate() ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const jitter = DELIVERY_LATENCY_MS + this.deps.faults.drawEventJitter();
        if (i > 0) this.deps.recorder.event('events', `duplicate delivery of ${envelope['detail-type']} ${envelope.id} to ${rule.name}`);
        this.deps.clock.schedule(jitter, () => this.deliver(rule, target, envelope, 0), `deliver:${rule.name}`);
      }
    }
  }

  private deliver(rule: RuleSpec, target: string, envelope: EventEnvelope, attempt: number): void {
    this.delivered.push({ rule: rule.name, target, event: envelope });
    if (target.startsWith('arn:aws:lambda:')) {
      if (this.deps.clock.now() < this.lambdaRefusesUntil) {
        this.retryDelivery(rule, target, envelope, attempt);
        return;
      }
      this.invokeAsync(rule, target, envelope, 0);
    } else if (target.includes(':stateMachine:')) {
      this.deps.sfn.startExecution(target, undefined, JSON.stringify(envelope));
    } else if (target.startsWith('arn:aws:sns:')) {
      void this.publish(rule, target, envelope);
    } else {
      throw new Error(`rule ${rule.name}: target ${target} is not simulated`);
    }
  }

  /** SNS Publish under the topic policy; the clock waits for the decision. */
  private async publish(rule: RuleSpec, target: string, envelope: EventEnvelope): Promise<void> {
    const release = this.deps.clock.hold();
    try {
      await this.iam?.authorizePublish(rule, target);
      // What the topic receives: the event, or what the target's input transformer makes of it.
      const transformer = rule.inputTransformers?.[target];
      const message = transformer ? applyInputTransformer(transformer, envelope) : JSON.stringify(envelope);
      this.notifications.push({ at: this.deps.clock.iso(), topicArn: target, event: envelope, message });
      const d = envelope.detail;
      this.deps.recorder.event('sns', `alert: ${envelope['detail-type']} ${String(d.name ?? '')} ${String(d.status ?? '')} ${String(d.error ?? '')}`.trim());
    } catch (error) {
      this.deps.recorder.event(
        'events',
        `delivery of ${envelope['detail-type']} to ${target} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      release();
    }
  }

  /**
   * EventBridge could not hand the event to the target: retried with
   * exponential back-off and jitter while the target's RetryPolicy allows
   * (attempts and event age), then sent to its DeadLetterConfig queue, or dropped.
   */
  private retryDelivery(rule: RuleSpec, target: string, envelope: EventEnvelope, attempt: number): void {
    const options = rule.targetOptions?.[target] ?? DEFAULT_TARGET_OPTIONS;
    const delay = this.rng.int(0, Math.min(TARGET_RETRY_CAP_MS, TARGET_RETRY_BASE_MS * 2 ** attempt));
    const age = ageMs(envelope, this.deps.clock.now());
    if (attempt < options.maximumRetryAttempts && age + delay <= options.maximumEventAgeSeconds * 1000) {
      this.deps.clock.schedule(delay, () => this.deliver(rule, target, envelope, attempt + 1), 'events-target-retry');
      return;
    }
    const why = `delivery to ${target} failed ${attempt + 1} times over ${Math.round(age / 1000)} s (retry policy exhausted)`;
    this.deadLetter(target, envelope, options.deadLetterArn, JSON.stringify(envelope), why);
  }

  /**
   * Lambda's asynchronous invocation: a function error is retried
   * (`maximumRetryAttempts`, default 2, about 1 and 2 minutes apart, within
   * `maximumEventAge`), then the invocation record goes to the on-failure destination, or is dropped.
   */
  private invokeAsync(rule: RuleSpec, target: string, envelope: EventEnvelope, retry: number): void {
    const fn = this.deps.lambda.find(target);
    runAs(this.iam?.eventsPrincipal(rule), () => this.deps.lambda.invoke(target, envelope)).catch((error: unknown) => {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const delay = ASYNC_RETRY_DELAYS_MS[Math.min(retry, ASYNC_RETRY_DELAYS_MS.length - 1)] as number;
      const age = ageMs(envelope, this.deps.clock.now());
      const again = retry < fn.asyncInvoke.maximumRetryAttempts && age + delay <= fn.asyncInvoke.maximumEventAgeSeconds * 1000;
      this.deps.recorder.event('lambda', `${fn.key} failed on ${envelope['detail-type']} (${what})${again ? '; async retry scheduled' : ''}`);
      if (again) {
        this.deps.clock.schedule(delay, () => this.invokeAsync(rule, target, envelope, retry + 1), 'lambda-async-retry');
        return;
      }
      const record = {
        version: '1.0',
        timestamp: this.deps.clock.iso(),
        requestContext: { requestId: this.rng.uuid(), functionArn: `${fn.arn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: retry + 1 },
        requestPayload: envelope,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: error instanceof Error ? error.name : 'Error', errorMessage: error instanceof Error ? error.message : String(error) },
      };
      this.deadLetter(target, envelope, fn.asyncInvoke.onFailure, JSON.stringify(record), `${fn.key} failed ${retry + 1} times (${what})`);
    });
  }

  private deadLetter(target: string, envelope: EventEnvelope, queueArn: string | undefined, body: string, why: string): void {
    if (!queueArn) {
      this.dropped.push({ at: this.deps.clock.iso(), target, eventId: envelope.id, why });
      this.deps.recorder.event('events', `${envelope['detail-type']} ${envelope.id} dropped: ${why}`);
      return;
    }
    this.deps.sqs.send(queueArn, body);
    this.deadLettered.push({ at: this.deps.clock.iso(), target, queueArn, eventId: envelope.id, why });
    this.deps.recorder.event('events', `${envelope['detail-type']} ${envelope.id} sent to ${queueArn.split(':').pop()}: ${why}`);
  }
}

/** Milliseconds since the event was put. */
function ageMs(envelope: EventEnvelope, now: number): number {
  return now - Date.parse(envelope.time);
}
/** Parse an EventBridge `rate(N unit)` expression into ms. */
export function parseRate(expression: string): number {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) throw new Error(`schedule ${expression}: the simulator runs rate(...) schedules only`);
  const n = Number(m[1]);
  const unit = m[2] as string;
  return n * (unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000);
}
