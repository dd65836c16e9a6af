/**
 * The upgrade timeline from a real execution's history (GetExecutionHistory,
 * through the simulated Step Functions' wire API, as `npm run timeline`
 * reads it) and from the scenario report of the same run: the same nodes,
 * each old node drained and gone, each new one launched and joined, eligible
 * capacity never below the start; rendered to SVG.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../sim/report.js';
import { startSandbox, type Sandbox } from '../../sim/sandbox/serve.js';
import { sfnClient } from '../../src/aws/sfn.js';
import { executionHistory, timelineFromHistory } from '../../tools/timeline/from-history.js';
import { timelineFromReport } from '../../tools/timeline/from-report.js';
import { eligibleCapacity, type Timeline } from '../../tools/timeline/model.js';
import { renderTimelineSvg } from '../../tools/timeline/svg.js';

let box: Sandbox;
let fromHistory: Timeline;
let fromReport: Timeline;
let oldNodes: string[];

beforeAll(async () => {
  box = await startSandbox({ stage: 'example', seed: 5, nodes: 4, servers: 3, timeScale: 600, schedules: false });
  const startedAt = box.sim.clock.now();
  const asg = box.variables.SANDBOX_CLIENT_ASG as string;
  oldNodes = box.cluster.group(asg).members.map((m) => m.instanceId);
  const input = JSON.stringify({ pool: 'general', imageId: box.upgradeImageId, surge: 2 });
  const { executionArn } = await sfnClient().send(new StartExecutionCommand({ stateMachineArn: box.variables.SANDBOX_POOL_UPGRADE_ARN, input }));
  const execution = box.sim.sfn.list().find((e) => e.executionArn === executionArn);
  await box.sim.clock.until(() => execution?.status !== 'RUNNING', 4 * 3_600_000);
  expect(execution?.status).toBe('SUCCEEDED');
  fromHistory = timelineFromHistory(executionArn as string, await executionHistory(executionArn as string));
  fromReport = timelineFromReport(
    buildReport(box.sim, { scenario: 'timeline-test', parameters: { nodes: 4 }, simStartedAt: startedAt, wallStartedAt: 0, checks: [] }),
    asg,
  );
}, 300_000);

afterAll(async () => {
  await box?.stop();
});

describe.each([
  ['GetExecutionHistory', () => fromHistory],
  ['the scenario report', () => fromReport],
])('timeline from %s', (_source, timeline) => {
  it('has one row per node: the old ones drained and gone, the new ones launched and joined', () => {
    const t = timeline();
    const rows = new Map(t.rows.map((r) => [r.instanceId, r]));
    expect(t.rows).toHaveLength(8);
    for (const id of oldNodes) {
      const r = rows.get(id);
      expect(r?.launch, id).toBeUndefined();
      expect(r?.drainStart, id).toBeGreaterThan(t.start);
      expect(r?.terminate, id).toBeGreaterThanOrEqual(r?.drainStart ?? Number.POSITIVE_INFINITY);
    }
    const fresh = t.rows.filter((r) => !oldNodes.includes(r.instanceId));
    expect(fresh).toHaveLength(4);
    for (const r of fresh) {
      expect(r.join).toBeGreaterThan(r.launch ?? Number.POSITIVE_INFINITY);
      expect(r.drainStart).toBeUndefined();
    }
    // Two batches of two (surge 2).
    expect(t.markers).toHaveLength(2);
  });

  it('never shows eligible capacity below the start (new nodes join before old ones drain)', () => {
    const series = eligibleCapacity(timeline());
    expect(series[0]?.value).toBe(4);
    expect(Math.min(...series.map((p) => p.value))).toBe(4);
    expect(Math.max(...series.map((p) => p.value))).toBe(6);
  });

  it('renders an SVG with every node', () => {
    const svg = renderTimelineSvg(timeline());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const r of timeline().rows) expect(svg).toContain(`>${r.instanceId}</text>`);
    expect(svg).toContain('eligible nodes');
  });
});

it('both sources agree on the nodes', () => {
  expect(fromHistory.rows.map((r) => r.instanceId).sort()).toEqual(fromReport.rows.map((r) => r.instanceId).sort());
});
