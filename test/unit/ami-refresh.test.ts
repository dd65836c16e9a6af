import { describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../src/aws/ec2.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { insideWindow, MaintenanceWindowSchema } from '../../src/time/window.js';
import { decideRefresh, newestImage, poolDrift, type PoolDrift } from '../../src/workflows/ami-refresh/drift.js';

const window = (text: string) => MaintenanceWindowSchema.parse(text);
const at = (iso: string) => Date.parse(iso);

describe('maintenance window', () => {
  it('parses "Sun 02:00-06:00" and is open from 02:00 (inclusive) to 06:00 (exclusive) UTC on Sundays only', () => {
    const w = window('Sun 02:00-06:00');
    expect(insideWindow(w, at('2026-01-04T02:00:00Z'))).toBe(true); // a Sunday
    expect(insideWindow(w, at('2026-01-04T05:59:59Z'))).toBe(true);
    expect(insideWindow(w, at('2026-01-04T06:00:00Z'))).toBe(false);
    expect(insideWindow(w, at('2026-01-04T01:59:00Z'))).toBe(false);
    expect(insideWindow(w, at('2026-01-05T03:00:00Z'))).toBe(false); // Monday
  });

  it('an end before the start runs past midnight, also across the week boundary', () => {
    const w = window('Sat 22:00-02:00');
    expect(insideWindow(w, at('2026-01-03T23:30:00Z'))).toBe(true); // Saturday night
    expect(insideWindow(w, at('2026-01-04T01:59:00Z'))).toBe(true); // Sunday morning
    expect(insideWindow(w, at('2026-01-04T02:00:00Z'))).toBe(false);
    expect(insideWindow(window('Mon 20:00-24:00'), at('2026-01-05T23:59:00Z'))).toBe(true);
  });

  it.each([
    '',
    'Sunday 02:00-06:00',
    'sun 02:00-06:00',
    'Sun 2:00-6:00',
    'Sun 02:00-25:00',
    'Sun 02:00-06:00 UTC',
    'Sun 02:00-02:00',
    'Sun 24:00-02:00',
    'Sun 02:60-03:00',
  ])('refuses %j', (text) => {
    expect(MaintenanceWindowSchema.safeParse(text).success).toBe(false);
  });

  it('an invalid MAINTENANCE_WINDOW is a ConfigError naming the variable', () => {
    const env = {
      CLUSTER_NAME: 'c',
      NOMAD_ADDR: 'https://n:4646',
      CONSUL_HTTP_ADDR: 'https://c:8501',
      VAULT_ADDR: 'https://v:8200',
      NOMAD_TOKEN_PARAMETER: '/n',
      CONSUL_TOKEN_PARAMETER: '/c',
      VAULT_TOKEN_PARAMETER: '/v',
      LAUNCH_HOOK_NAME: 'l',
      TERMINATE_HOOK_NAME: 't',
      DRAIN_DEADLINE: '1h',
      GIVE_UP_AFTER: '30m',
      JOIN_TIMEOUT: '15m',
    };
    expect(() => loadConfig({ ...env, MAINTENANCE_WINDOW: 'weekends' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, MAINTENANCE_WINDOW: 'weekends' })).toThrow(/MAINTENANCE_WINDOW: not a maintenance window/);
    const c = loadConfig({ ...env, AMI_OWNERS: 'self, 123456789012', AMI_TAGS: 'os=alpine,channel=stable', AUTO_UPGRADE: 'true' });
    expect(c.amiFilter).toEqual({ owners: ['self', '123456789012'], namePattern: 'hashistack-alpine-*', tags: { os: 'alpine', channel: 'stable' } });
    expect(c.autoUpgrade).toBe(true);
    expect(c.maintenanceWindow.text).toBe('Sun 02:00-06:00');
    expect(() => loadConfig({ ...env, AMI_TAGS: 'alpine' })).toThrow(/AMI_TAGS/);
  });
});

const img = (imageId: string, creationDate: string, state = 'available'): ImageFacts => ({
  imageId,
  name: `hashistack-alpine-${imageId}`,
  state,
  creationDate,
  ownerId: '1',
  architecture: 'x86_64',
  tags: {},
});
const pool = { pool: 'web', asgName: 'c-clients-web', role: 'client' as const };

describe('AMI drift', () => {
  const images = [
    img('ami-old', '2026-01-01T00:00:00.000Z'),
    img('ami-new', '2026-02-01T00:00:00.000Z'),
    img('ami-pending', '2026-03-01T00:00:00.000Z', 'pending'),
  ];

  it('the newest available image wins; a pool on an older image drifts', () => {
    expect(newestImage(images)?.imageId).toBe('ami-new');
    expect(poolDrift({ ...pool, currentImageId: 'ami-old' }, images)).toMatchObject({ newestImageId: 'ami-new', drift: true });
  });

  it('no drift on the newest image, with no matching image, or when the pool image is unknown', () => {
    expect(poolDrift({ ...pool, currentImageId: 'ami-new' }, images).drift).toBe(false);
    expect(poolDrift({ ...pool, currentImageId: 'ami-old' }, []).drift).toBe(false);
    expect(poolDrift({ ...pool, currentImageId: null }, images).drift).toBe(false);
  });

  it('a pool on an image outside the filter drifts to the newest match', () => {
    expect(poolDrift({ ...pool, currentImageId: 'ami-custom' }, images).drift).toBe(true);
  });

  const drift = (asgName: string, d: boolean): PoolDrift => ({
    ...pool,
    asgName,
    currentImageId: 'ami-old',
    newestImageId: 'ami-new',
    newestImageName: 'n',
    drift: d,
  });
  const sun = window('Sun 02:00-06:00');
  const inside = at('2026-01-04T03:00:00Z');
  const outside = at('2026-01-05T09:00:00Z');

  it('decides: nothing drifted → none; auto-upgrade off → report; outside the window → report', () => {
    expect(decideRefresh({ drifts: [drift('a', false)], autoUpgrade: true, window: sun, now: inside, eventTime: inside })).toEqual({ action: 'none' });
    expect(decideRefresh({ drifts: [drift('a', true)], autoUpgrade: false, window: sun, now: inside, eventTime: inside })).toEqual({
      action: 'report',
      reason: 'auto-upgrade-off',
    });
    expect(decideRefresh({ drifts: [drift('a', true)], autoUpgrade: true, window: sun, now: outside, eventTime: outside })).toEqual({
      action: 'report',
      reason: 'outside-window',
    });
  });

  it('inside the window with auto-upgrade: only the drifted pools, under one name per UTC day', () => {
    const d = decideRefresh({ drifts: [drift('a', true), drift('b', false)], autoUpgrade: true, window: sun, now: inside, eventTime: inside });
    expect(d).toEqual({ action: 'upgrade', executionName: 'ami-refresh-2026-01-04', images: { a: 'ami-new' } });
    const redelivered = decideRefresh({ drifts: [drift('a', true)], autoUpgrade: true, window: sun, now: inside + 3_600_000, eventTime: inside });
    expect(redelivered).toMatchObject({ executionName: 'ami-refresh-2026-01-04' });
  });
});
