import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getMetrics } from '../../src/observability/metrics.js';
import { GUARD_POLL_SECONDS, guardServerRemoval, REMOVAL_TAG } from '../../src/workflows/servers/removal-guard.js';
import { serverFakes, servers, serverState, T0 } from './server-fakes.js';

// The guard counts its decisions; nothing here flushes them.
beforeEach(() => {
  const metrics = getMetrics();
  vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
});
afterEach(() => vi.restoreAllMocks());

/** Guard the highest-numbered of the `leaving` servers; the others terminate too and go first (smaller ids). */
async function guard(n: number, leaving: number, over: Parameters<typeof servers>[1] = {}) {
  const all = servers(n, over);
  const going = all.slice(n - leaving);
  const { w, deps } = serverFakes(
    all,
    going.map((s) => s.id),
  );
  const self = going[going.length - 1]!;
  return { out: await guardServerRemoval(serverState(self), deps), w, deps, self };
}

describe('quorum guard: healthy groups of 1 to 6 servers', () => {
  // Quorum of the configuration as it is now: remaining healthy voters ≥ ⌊n/2⌋ + 1.
  const table = [
    { n: 1, leaving: 1, next: 'wait' },
    { n: 2, leaving: 1, next: 'wait' },
    { n: 3, leaving: 1, next: 'proceed' },
    { n: 3, leaving: 2, next: 'wait' },
    { n: 4, leaving: 1, next: 'proceed' },
    { n: 4, leaving: 2, next: 'wait' },
    { n: 5, leaving: 1, next: 'proceed' },
    { n: 5, leaving: 2, next: 'proceed' },
    { n: 5, leaving: 3, next: 'wait' },
    { n: 6, leaving: 1, next: 'proceed' },
    { n: 6, leaving: 2, next: 'proceed' },
    { n: 6, leaving: 3, next: 'wait' },
  ] as const;
  it.each(table)('$n servers, $leaving leaving → $next', async ({ n, leaving, next }) => {
    const { out, w, self } = await guard(n, leaving);
    expect(out.server?.next).toBe(next);
    expect(out.server?.peers).toEqual({ nomad: [`n-${self.id}`], consul: [`c-${self.id}`], vault: [self.id] });
    // Only a server the guard lets go is tagged (the others count it as leaving from then on).
    expect(w.tags.get(self.id)?.[REMOVAL_TAG] !== undefined).toBe(next === 'proceed');
    if (next === 'wait') expect(out.server?.pollAfterSeconds).toBe(GUARD_POLL_SECONDS);
  });
});

describe('quorum guard: unhealthy, stale and leading peers', () => {
  const table = [
    { name: 'the leader itself terminating (3 servers)', n: 3, self: 1, over: {}, next: 'proceed' },
    { name: 'failure tolerance 0: 3 servers, another one unhealthy', n: 3, self: 3, over: { 2: { healthy: false } }, next: 'wait' },
    { name: '5 servers, another one unhealthy: 3 of quorum 3 stay', n: 5, self: 5, over: { 2: { healthy: false } }, next: 'proceed' },
    { name: 'failure tolerance 0: 5 servers, two others unhealthy', n: 5, self: 5, over: { 2: { healthy: false }, 3: { healthy: false } }, next: 'wait' },
    { name: 'stale autopilot: another server reports healthy but last contact 5 s ago', n: 3, self: 3, over: { 2: { lastContact: '5s' } }, next: 'wait' },
    { name: 'recent contact (200 ms) is trusted', n: 3, self: 3, over: { 2: { lastContact: '200ms' } }, next: 'proceed' },
    { name: 'the leaving server itself unhealthy: its loss costs nothing', n: 3, self: 3, over: { 3: { healthy: false } }, next: 'proceed' },
    { name: 'a non-voter among 3 does not count: 2 voters, quorum 2', n: 3, self: 3, over: { 2: { voter: false } }, next: 'wait' },
  ] as const;
  it.each(table)('$name → $next', async ({ n, self, over, next }) => {
    const all = servers(n, over);
    const me = all[self - 1]!;
    const { deps } = serverFakes(all, [me.id]);
    const out = await guardServerRemoval(serverState(me), deps);
    expect(out.server?.next).toBe(next);
  });

  it('no leader in one system: wait', async () => {
    const all = servers(5);
    const { deps } = serverFakes(all, ['i-5']);
    deps.consul.raftConfiguration.mockImplementation(async () => ({
      Index: 1,
      Servers: all.map((s) => ({ ID: `c-${s.id}`, Node: s.id, Address: `${s.ip}:8300`, Leader: false, Voter: true })),
    }));
    const out = await guardServerRemoval(serverState(all[4]!), deps);
    expect(out.server?.next).toBe('wait');
    expect(out.server?.verdict).toMatch(/consul: .*no leader/);
  });
});

describe('quorum guard: two removals at once', () => {
  it('3 servers, two terminating: the smaller instance id goes, the other waits even after the first is tagged', async () => {
    const all = servers(3);
    const { w, deps } = serverFakes(all, ['i-2', 'i-3']);
    const second = await guardServerRemoval(serverState(all[2]!), deps);
    expect(second.server?.next).toBe('wait');
    expect(second.server?.verdict).toMatch(/going first: i-2/);
    const first = await guardServerRemoval(serverState(all[1]!), deps);
    expect(first.server?.next).toBe('proceed');
    expect(w.tags.get('i-2')?.[REMOVAL_TAG]).toBeDefined();
    expect((await guardServerRemoval(second, deps)).server?.next).toBe('wait');
  });

  it('a tagged server counts as leaving whatever its id', async () => {
    const all = servers(3);
    const { w, deps } = serverFakes(all, ['i-2', 'i-3']);
    w.tags.set('i-3', { [REMOVAL_TAG]: new Date(T0).toISOString() });
    expect((await guardServerRemoval(serverState(all[1]!), deps)).server?.next).toBe('wait');
  });

  it('5 servers, two terminating: both may go (3 of quorum 3 stay)', async () => {
    const all = servers(5);
    const { deps } = serverFakes(all, ['i-4', 'i-5']);
    expect((await guardServerRemoval(serverState(all[3]!), deps)).server?.next).toBe('proceed');
    expect((await guardServerRemoval(serverState(all[4]!), deps)).server?.next).toBe('proceed');
  });

  it('once the first one is gone from raft, the second may go', async () => {
    const all = servers(4);
    const { w, deps } = serverFakes(all, ['i-3', 'i-4']);
    expect((await guardServerRemoval(serverState(all[3]!), deps)).server?.next).toBe('wait');
    w.servers = w.servers.filter((s) => s.id !== 'i-3');
    w.terminating.delete('i-3');
    expect((await guardServerRemoval(serverState(all[3]!), deps)).server?.next).toBe('proceed');
  });
});

describe('quorum guard: limits', () => {
  it('heartbeats the action on every check', async () => {
    const { deps } = await guard(3, 2);
    expect(deps.autoscaling.recordLifecycleActionHeartbeat).toHaveBeenCalledTimes(1);
  });

  it('gives up loudly with ServerQuorumUnsafe once SERVER_QUORUM_WAIT after the hook fired has passed', async () => {
    const all = servers(3, { 2: { healthy: false } });
    const { w, deps } = serverFakes(all, ['i-3']);
    const waiting = await guardServerRemoval(serverState(all[2]!), deps);
    expect(waiting.server).toMatchObject({ next: 'wait', guardUntil: T0 + 30 * 60_000, guardChecks: 1 });
    w.t = T0 + 30 * 60_000;
    const out = await guardServerRemoval(waiting, deps);
    expect(out.server?.next).toBe('give-up');
    expect(out.server?.error?.Error).toBe('ServerQuorumUnsafe');
    expect(w.tags.get('i-3')).toBeUndefined();
  });

  it('an instance that is no raft peer of any system may go at once', async () => {
    const all = servers(3);
    const { deps } = serverFakes(all, []);
    const out = await guardServerRemoval(serverState({ id: 'i-9', ip: '10.0.0.9' }), deps);
    expect(out.server).toMatchObject({ next: 'proceed', verdict: 'not a raft peer of any system' });
  });
});
