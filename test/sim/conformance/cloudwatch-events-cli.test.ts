/**
 * Conformance of the simulated CloudWatch alarms and EventBridge PutEvents
 * with the AWS CLI (botocore speaks CloudWatch's AWS JSON 1.0 with
 * `x-amzn-query-mode`, EventBridge's AWS JSON 1.1, as SDK v3 does), and the
 * control plane's own wrappers (SDK v3): DescribeAlarms by name and state,
 * SetAlarmState, errors; PutEvents with per-entry failures.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CloudWatchService } from '../../../sim/aws/cloudwatch.js';
import { EventsService } from '../../../sim/aws/events.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import type { EventEnvelope } from '../../../sim/runtime/eventbridge.js';
import { AWS_CLI_ENV as ENV } from './aws-cli-env.js';
import { type AwsCliResult, awsCliJson } from './aws-cli-runner.js';

let clock: SimClock;
let cloudwatch: CloudWatchService;
let events: EventsService;
let served: { cloudwatch: RunningService; events: RunningService };
let describeAlarms: typeof import('../../../src/aws/cloudwatch.js').describeAlarms;
let putEvent: typeof import('../../../src/aws/events.js').putEvent;
const bus: EventEnvelope[] = [];

beforeAll(async () => {
  clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
  const rng = new Rng(5);
  const recorder = new Recorder(clock);
  cloudwatch = new CloudWatchService({ clock, rng, recorder, region: 'us-east-1', account: '000000000000' });
  events = new EventsService({
    rng,
    recorder,
    bus: () => (e) => {
      const envelope: EventEnvelope = {
        version: '0',
        id: rng.uuid(),
        'detail-type': e.detailType,
        source: e.source,
        account: '000000000000',
        time: clock.iso(),
        region: 'us-east-1',
        resources: e.resources,
        detail: e.detail,
      };
      bus.push(envelope);
      return envelope;
    },
  });
  const faults = new Faults(rng);
  served = { cloudwatch: await serve(cloudwatch, { clock, faults, recorder }), events: await serve(events, { clock, faults, recorder }) };
  cloudwatch.putAlarm({ name: 'web-5xx', namespace: 'Hashistack/Services', metricName: '5xxErrorRate', period: 60, threshold: 5, state: 'OK' });
  cloudwatch.putAlarm({ name: 'web-latency', namespace: 'Hashistack/Services', metricName: 'p99', period: 300, threshold: 0.5 });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_ENDPOINT_URL_CLOUDWATCH: served.cloudwatch.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: served.events.url,
  });
  // Modules stay loaded between the files of a worker: the wrappers afresh, their SDK clients created for this file's server.
  vi.resetModules();
  ({ describeAlarms } = await import('../../../src/aws/cloudwatch.js'));
  ({ putEvent } = await import('../../../src/aws/events.js'));
});
afterAll(async () => {
  clock.stop();
  await served.cloudwatch.close();
  await served.events.close();
});

function cli(service: 'cloudwatch' | 'events', args: string[]): Promise<AwsCliResult> {
  return clock.holding(() => awsCliJson(served[service].url, [service, ...args], { env: ENV, timeout: 30_000 }));
}

type Alarm = { AlarmName: string; AlarmArn: string; StateValue: string; StateReason: string; Period: number };

describe('simulated CloudWatch alarms (AWS CLI and SDK v3, JSON 1.0)', () => {
  it('describes alarms by name and by state; a missing name is simply absent; SetAlarmState moves the state', async () => {
    const both = await cli('cloudwatch', ['describe-alarms', '--alarm-names', 'web-5xx', 'web-latency', 'nope']);
    const alarms = both.ok ? (both.out.MetricAlarms as Alarm[]) : [];
    expect(alarms.map((a) => [a.AlarmName, a.StateValue, a.Period])).toEqual([
      ['web-5xx', 'OK', 60],
      ['web-latency', 'INSUFFICIENT_DATA', 300],
    ]);
    expect(alarms[0]?.AlarmArn).toBe('arn:aws:cloudwatch:us-east-1:000000000000:alarm:web-5xx');
    expect(both.ok && both.out.CompositeAlarms).toEqual([]);

    expect(
      await cli('cloudwatch', ['set-alarm-state', '--alarm-name', 'web-5xx', '--state-value', 'ALARM', '--state-reason', 'testing the upgrade gate']),
    ).toEqual({
      ok: true,
      out: {},
    });
    const firing = await cli('cloudwatch', ['describe-alarms', '--state-value', 'ALARM']);
    expect(firing.ok && (firing.out.MetricAlarms as Alarm[]).map((a) => [a.AlarmName, a.StateReason])).toEqual([['web-5xx', 'testing the upgrade gate']]);
    // The control plane's wrapper (SDK v3) reads the same.
    expect(await clock.holding(() => describeAlarms(['web-5xx', 'nope']))).toEqual([
      { name: 'web-5xx', state: 'ALARM', reason: 'testing the upgrade gate', periodSeconds: 60 },
    ]);
    cloudwatch.setState('web-5xx', 'OK', 'back to normal');
  });

  it('pages with MaxRecords/NextToken; errors carry their codes', async () => {
    const page = await cli('cloudwatch', ['describe-alarms', '--max-records', '1', '--no-paginate']);
    expect(page.ok && (page.out.MetricAlarms as Alarm[]).map((a) => a.AlarmName)).toEqual(['web-5xx']);
    expect(page.ok && typeof page.out.NextToken).toBe('string');
    expect(await cli('cloudwatch', ['describe-alarms', '--max-records', '101', '--no-paginate'])).toMatchObject({ ok: false, code: 'InvalidParameterValue' });
    expect(await cli('cloudwatch', ['describe-alarms', '--alarm-names', 'a', '--alarm-name-prefix', 'w'])).toMatchObject({
      ok: false,
      code: 'InvalidParameterCombination',
    });
    expect(await cli('cloudwatch', ['set-alarm-state', '--alarm-name', 'nope', '--state-value', 'OK', '--state-reason', 'x'])).toMatchObject({
      ok: false,
      code: 'ResourceNotFound',
    });
  });
});

describe('simulated EventBridge PutEvents (AWS CLI and SDK v3, JSON 1.1)', () => {
  it('puts entries on the default bus; a malformed entry fails alone, in Entries, not as a request error', async () => {
    const before = bus.length;
    const out = await cli('events', [
      'put-events',
      '--entries',
      JSON.stringify([
        { Source: 'hashistack.control-plane', DetailType: 'Upgrade Started', Detail: '{"pool":"web"}' },
        { Source: 'hashistack.control-plane', DetailType: 'Upgrade Started', Detail: 'not json' },
        { Source: 'aws.states', DetailType: 'x', Detail: '{}' },
      ]),
    ]);
    expect(out.ok && out.out.FailedEntryCount).toBe(2);
    const entries = out.ok ? (out.out.Entries as Array<Record<string, string>>) : [];
    expect(typeof entries[0]?.EventId).toBe('string');
    expect(entries[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(entries[2]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
    expect(bus.length - before).toBe(1);
    expect(bus.at(-1)).toMatchObject({ source: 'hashistack.control-plane', 'detail-type': 'Upgrade Started', detail: { pool: 'web' } });

    const id = await clock.holding(() =>
      putEvent('hashistack.control-plane', 'Upgrade Succeeded', { pool: 'web' }, ['arn:aws:states:us-east-1:0:execution:x:y']),
    );
    expect(bus.at(-1)).toMatchObject({ id, 'detail-type': 'Upgrade Succeeded', resources: ['arn:aws:states:us-east-1:0:execution:x:y'] });
    const eleven = Array.from({ length: 11 }, () => ({ Source: 'hashistack.control-plane', DetailType: 'x', Detail: '{}' }));
    expect(await cli('events', ['put-events', '--entries', JSON.stringify(eleven)])).toMatchObject({ ok: false, code: 'ValidationException' });
  });
});
