/**
 * The notification resources of the packaged template: the alerts topic's
 * subscriptions come from config, the milestone rule routes what needs a
 * human to the topic, and every metric the dashboard shows is one the code emits.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packagedTemplate } from '../../sim/iam/packaged-template.js';
import { PROJECT_ROOT } from '../../sim/simulation.js';
import { MILESTONE_DETAIL_TYPES, MILESTONE_SOURCE } from '../../src/events/milestones.js';
import { NOTICE_LOST_DETAIL_TYPE } from '../../src/events/notice-lost.js';
import { TASK_CRASHED_METRIC } from '../../src/observability/invocation.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

async function resources(): Promise<Record<string, Resource>> {
  return (await packagedTemplate(PROJECT_ROOT, 'example')).Resources as Record<string, Resource>;
}

/** Every TypeScript source under src/, concatenated. */
function sources(dir = join(PROJECT_ROOT, 'src')): string {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .map((p) => (statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? readFileSync(p, 'utf8') : ''))
    .join('\n');
}

describe('notifications in the packaged template', () => {
  it('subscribes every alertSubscriptions entry of the stage config to the alerts topic', async () => {
    const config = parse(readFileSync(join(PROJECT_ROOT, 'config/example.yml'), 'utf8')) as { alertSubscriptions: { protocol: string; endpoint: string }[] };
    const r = await resources();
    const subs = Object.values(r).filter((x) => x.Type === 'AWS::SNS::Subscription');
    expect(subs.map((s) => s.Properties)).toEqual(
      config.alertSubscriptions.map((s) => ({ TopicArn: { Ref: 'AlertsTopic' }, Protocol: s.protocol, Endpoint: s.endpoint })),
    );
  });

  it("routes approval requests and the upgrade's alerts (control plane milestones) to the alerts topic; drain and join alerts reach it as failed executions", async () => {
    const rule = (await resources()).MilestoneAlertsRule as Resource;
    expect(rule.Properties.EventPattern).toEqual({
      source: [MILESTONE_SOURCE],
      'detail-type': [MILESTONE_DETAIL_TYPES['waiting-for-approval'], MILESTONE_DETAIL_TYPES.alert],
      detail: { workflow: ['poolUpgrade'] },
    });
    expect(rule.Properties.Targets).toEqual([{ Id: 'alerts', Arn: { Ref: 'AlertsTopic' } }]);
  });

  it('routes a lost instance notice (no execution fails for it) to the alerts topic by its own rule', async () => {
    const rule = (await resources()).NoticeLostAlertsRule as Resource;
    expect(rule.Properties.EventPattern).toEqual({ source: [MILESTONE_SOURCE], 'detail-type': [NOTICE_LOST_DETAIL_TYPE] });
    expect(rule.Properties.Targets).toEqual([{ Id: 'alerts', Arn: { Ref: 'AlertsTopic' } }]);
  });

  it('has a dashboard whose every metric the code emits', async () => {
    const dashboard = JSON.parse(((await resources()).Dashboard as Resource).Properties.DashboardBody as string) as {
      widgets: { properties: { title: string; metrics: unknown[][] } }[];
    };
    expect(dashboard.widgets.map((w) => w.properties.title)).toEqual([
      'Lifecycle work in flight',
      'Oldest waiting lifecycle action (s)',
      'Failures',
      'Upgrade progress',
      'Control overhead (s)',
    ]);
    // Metric rows: [namespace, name, ...] or [".", name, ...] (same namespace); "..." repeats the previous row with another stat.
    const names = dashboard.widgets.flatMap((w) => w.properties.metrics.map((m) => m[1]).filter((n): n is string => typeof n === 'string' && n !== '.'));
    const src = sources();
    // A name is emitted literally, or built as `${Workflow}Failed` by the completion step.
    const emitted = (n: string): boolean => src.includes(`'${n}'`) || (/^(Drain|Join)Failed$/.test(n) && src.includes(['`$', '{name}Failed`'].join('')));
    expect(names.filter((n) => !emitted(n))).toEqual([]);
    expect(names.length).toBeGreaterThan(15);
  });

  it('has alarms on metrics the code emits, with the dimension Powertools publishes them under, alerting the alerts topic', async () => {
    const r = await resources();
    const environment = (
      parse(readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as { provider: { environment: Record<string, string> } }
    ).provider.environment;
    const ours = Object.entries(r).filter(
      ([, x]) => x.Type === 'AWS::CloudWatch::Alarm' && x.Properties.Namespace === environment.POWERTOOLS_METRICS_NAMESPACE,
    );
    expect(ours.map(([name]) => name).sort()).toEqual(['AmiDriftAlarm', 'TaskCrashedAlarm']);
    const src = sources();
    for (const [, alarm] of ours) {
      const p = alarm.Properties;
      expect(src.includes(`'${String(p.MetricName)}'`), `${String(p.MetricName)} is emitted`).toBe(true);
      expect(p.Dimensions).toEqual([{ Name: 'service', Value: environment.POWERTOOLS_SERVICE_NAME }]);
      expect(p.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
    }
    // One crash is enough: a drain that crashes holds its node and retries, nothing else says so.
    expect((r.TaskCrashedAlarm as Resource).Properties).toMatchObject({
      MetricName: TASK_CRASHED_METRIC,
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});
