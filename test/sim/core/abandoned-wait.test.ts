/**
 * A blocking query whose client went away (its HTTP timeout, a killed
 * caller) must stop counting as a parked holder of the sim clock. Left
 * parked, it offsets the caller's real work: once everyone else is idle the
 * clock believes the control plane waits and jumps ahead (to a lifecycle
 * hook's heartbeat timeout, say) while a Lambda is still at work: the way a
 * launch action of the throttled burst of 100 could expire (issue 11), once
 * a loaded machine made the callers' wall-clock HTTP timeouts fire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeIndex } from '../../../sim/core/blocking.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService, type SimRequest, type SimService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';

const WAIT_MS = 600_000;
let running: RunningService | undefined;
let clock: SimClock | undefined;
afterEach(async () => {
  clock?.stop();
  await running?.close();
});

/** A service with one blocking read: waits up to 10 minutes of sim time for a write that never comes. */
function blockingService(index: ChangeIndex, started: () => void): SimService {
  return {
    name: 'nomad',
    actionOf: () => 'GET /v1/nodes',
    async handle(req: SimRequest) {
      started();
      await index.waitBeyond(['nodes'], index.of('nodes'), WAIT_MS, undefined, req.signal);
      return { status: 200, body: '[]' };
    },
    throttled: () => ({ status: 429 }),
    serverError: () => ({ status: 500 }),
  };
}

const wallPause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a blocking query abandoned by its client', () => {
  it('no longer parks its caller: the clock does not jump while the caller still works', async () => {
    clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
    const rng = new Rng(3);
    const index = new ChangeIndex(clock);
    let started!: () => void;
    const waiting = new Promise<void>((r) => (started = r));
    running = await serve(blockingService(index, started), { clock, faults: new Faults(rng), recorder: new Recorder(clock) });
    const t0 = clock.now();
    const other = clock.hold(); // another Lambda at work: sim time runs at wall speed
    const caller = clock.hold(); // the Lambda whose request will time out
    const giveUp = new AbortController();
    const request = fetch(`${running.url}/v1/nodes?index=1&wait=10m`, { signal: giveUp.signal });
    await waiting;
    giveUp.abort(); // the caller's timeout
    await expect(request).rejects.toThrow();
    await wallPause(50); // the server sees the connection close
    other();
    await wallPause(100); // idle checks would jump here if the abandoned wait still parked the caller
    expect(clock.busy).toBe(true);
    expect(clock.now() - t0).toBeLessThan(WAIT_MS / 10);
    caller();
  });
});
