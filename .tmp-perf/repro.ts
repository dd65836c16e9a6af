import './quota.js';
import { SCENARIOS } from '../sim/scenarios/index.js';
import { Simulation } from '../sim/simulation.js';
import '../sim/quiet-warnings.js';
const BASE = { nodes: 10, servers: 3, seed: 1, throttle: 0, drainMinutes: 2, neverBoot: 0 };
async function once(name: string, args: Record<string, number>) {
  const s = SCENARIOS[name]!;
  const full = { ...BASE, ...s.defaults, ...args } as never;
  const sim = await Simulation.start({ ...s.options?.(full), seed: (full as { seed: number }).seed, logLevel: 'SILENT' });
  const wall = performance.now();
  try {
    const checks = await s.run(sim, full);
    console.log(name, JSON.stringify(args), ((performance.now() - wall) / 1000).toFixed(0), 's wall', checks.filter((c) => !c.passed).map((c) => c.name + ': ' + c.detail));
    for (const a of sim.recorder.lifecycleActions().filter((x) => x.result === 'EXPIRED' || x.result === null || x.completeCallsSucceeded !== 1)) {
      console.log('BAD ACTION', JSON.stringify(a, null, 1));
      for (const e of sim.recorder.executionRecords().filter((r) => r.name.includes(a.instanceId))) console.log('EXEC', JSON.stringify(e));
      for (const x of sim.sfn.list().filter((r) => r.name.includes(a.instanceId))) console.log('HIST', x.name, x.status, JSON.stringify(x.history));
      for (const t of sim.recorder.timeline.filter((t) => t.message.includes(a.instanceId))) console.log('TL', t.at, t.source, t.message);
    }
  } finally {
    await sim.stop();
  }
}
const plan = process.argv.slice(2);
for (const p of plan) {
  const [name, ...kv] = p.split(',');
  await once(name!, Object.fromEntries(kv.map((x) => { const [k, v] = x.split('='); return [k!, Number(v)]; })));
}
process.exit(0);
