import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../sim/core/clock.js';

const START = Date.parse('2026-01-05T09:00:00Z');

describe('SimClock', () => {
  it('jumps to the next event while idle and fires events in time order', async () => {
    const clock = new SimClock({ start: START });
    const fired: Array<[string, number]> = [];
    clock.schedule(3_600_000, () => fired.push(['hour', clock.now() - START]));
    clock.schedule(60_000, () => fired.push(['minute', clock.now() - START]));
    clock.schedule(60_000, () => fired.push(['minute-2', clock.now() - START]));
    const wallStart = performance.now();
    await clock.until(() => fired.length === 3, 7_200_000);
    expect(fired).toEqual([
      ['minute', 60_000],
      ['minute-2', 60_000],
      ['hour', 3_600_000],
    ]);
    expect(performance.now() - wallStart).toBeLessThan(1_000);
    clock.stop();
  });

  it("sleeps sharing one signal (an execution's end) take their abort listener off when they end; an abort still ends one early", async () => {
    const clock = new SimClock({ start: START });
    const end = new AbortController();
    for (let i = 0; i < 20; i++) await clock.sleep(1_000, { parked: true, signal: end.signal });
    expect(getEventListeners(end.signal, 'abort')).toHaveLength(0);
    const long = clock.sleep(3_600_000, { parked: true, signal: end.signal });
    expect(getEventListeners(end.signal, 'abort')).toHaveLength(1);
    end.abort();
    await long;
    expect(clock.now() - START).toBe(20_000);
    clock.stop();
  });

  it('runs at wall speed while held, so work in progress is charged as real time', async () => {
    const clock = new SimClock({ start: START });
    let fired = false;
    clock.schedule(3_600_000, () => (fired = true));
    const release = clock.hold();
    await new Promise((r) => setTimeout(r, 60));
    const elapsed = clock.now() - START;
    expect(elapsed).toBeGreaterThanOrEqual(50);
    expect(elapsed).toBeLessThan(1_000);
    expect(fired).toBe(false);
    release();
    await clock.until(() => fired, 7_200_000);
    expect(clock.now() - START).toBe(3_600_000);
    clock.stop();
  });

  it('holding(work) holds the clock until the work settles, rejected or not', async () => {
    const clock = new SimClock({ start: START });
    let fired = false;
    clock.schedule(3_600_000, () => (fired = true));
    await clock.holding(() => new Promise((r) => setTimeout(r, 30)));
    await expect(clock.holding(() => new Promise((_, reject) => setTimeout(() => reject(new Error('refused')), 30)))).rejects.toThrow('refused');
    // Held for both pieces of work (~60 ms of wall time), the hour-away event has not fired; released, time jumps to it.
    expect(fired).toBe(false);
    expect(clock.now() - START).toBeLessThan(1_000);
    await clock.until(() => fired, 7_200_000);
    expect(clock.now() - START).toBe(3_600_000);
    clock.stop();
  });

  it('a parked holder counts as waiting: time jumps while it waits', async () => {
    const clock = new SimClock({ start: START });
    const release = clock.hold();
    await clock.sleep(600_000, { parked: true });
    expect(clock.now() - START).toBeGreaterThanOrEqual(600_000);
    expect(clock.now() - START).toBeLessThan(601_000);
    release();
    clock.stop();
  });

  it('until() rejects when the simulation stalls or its sim-time limit passes', async () => {
    const clock = new SimClock({ start: START });
    await expect(clock.until(() => false, 1_000)).rejects.toThrow(/limit|stalled/);
    clock.stop();
  });

  it('a finite time scale paces idle time instead of jumping', async () => {
    const clock = new SimClock({ start: START, timeScale: 60_000 });
    let fired = false;
    clock.schedule(3_000, () => (fired = true));
    const wallStart = performance.now();
    await clock.until(() => fired, 60_000);
    expect(clock.now() - START).toBeGreaterThanOrEqual(3_000);
    expect(performance.now() - wallStart).toBeLessThan(500);
    clock.stop();
  });
});
