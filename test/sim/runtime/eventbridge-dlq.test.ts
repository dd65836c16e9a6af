/**
 * EventBridge's target retry policy and dead-letter queue, and Lambda's
 * asynchronous retries with their on-failure destination, as serverless.yml
 * configures them for the lifecycle router.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../../sim/simulation.js';
import { terminateEvent } from '../../unit/helpers.js';

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(): Promise<Simulation> {
  sim = await Simulation.start({ seed: 2, logLevel: 'SILENT' });
  return sim;
}

const event = { source: 'aws.autoscaling', detailType: terminateEvent['detail-type'], detail: terminateEvent.detail, resources: terminateEvent.resources };
const router = (s: Simulation) => (t: { target: string }) => t.target === s.deploy.functions.find((f) => f.key === 'lifecycleRouter')?.arn;

describe('simulated EventBridge: target retries and dead letters', () => {
  it('a delivery Lambda refuses is retried within the RetryPolicy, then sent to the DLQ as the event itself', async () => {
    const s = await start();
    s.events.refuseLambdaInvokes(60 * 60_000);
    const envelope = s.events.put(event);
    await s.clock.sleep(15 * 60_000);
    const toRouter = s.events.delivered.filter(router(s));
    expect(toRouter.length).toBeGreaterThan(1);
    expect(toRouter.length).toBeLessThanOrEqual(21); // the first attempt and at most maximumRetryAttempts 20 retries
    expect(s.events.deadLettered.filter(router(s))).toHaveLength(1);
    const queue = s.sqs.queue(`${s.deploy.service}-${s.deploy.stage}-router-dlq`);
    expect(queue?.messages.map((m) => JSON.parse(m.body).id)).toEqual([envelope.id]);
  });
  it('a delivery refused briefly is retried and delivered; nothing dead-lettered', async () => {
    const s = await start();
    s.events.refuseLambdaInvokes(3_000);
    s.events.put(event);
    await s.clock.sleep(5 * 60_000);
    expect(s.events.delivered.filter(router(s)).length).toBeGreaterThan(1);
    expect(s.events.deadLettered).toHaveLength(0);
    expect(s.events.dropped).toHaveLength(0);
  });
  it('a failing invocation is retried twice by Lambda, then its record goes to the on-failure destination', async () => {
    const s = await start();
    s.faults.set('autoscaling', { down: true }); // the router's DescribeAutoScalingGroups fails
    const envelope = s.events.put(event);
    await s.clock.sleep(10 * 60_000);
    const queue = s.sqs.queue(`${s.deploy.service}-${s.deploy.stage}-router-dlq`);
    const records = queue?.messages.map((m) => JSON.parse(m.body)) ?? [];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { id: envelope.id },
      responseContext: { functionError: 'Unhandled' },
    });
  });
});
