/**
 * AMI drift: per pool, the newest image matching the configured filter
 * against the image of the launch template version the pool uses; and what
 * the refresh does about it (pure: unit-tested without AWS).
 */
import type { ImageFacts } from '../../aws/ec2.js';
import { insideWindow, type MaintenanceWindow } from '../../time/window.js';

/** One pool's image against the newest matching image. */
export interface PoolDrift {
  pool: string;
  asgName: string;
  role: 'server' | 'client';
  /** Image of the launch template version in use; null when unknown (no launch template, version gone). */
  currentImageId: string | null;
  newestImageId: string | null;
  newestImageName: string | null;
  /** A newer matching image exists and the pool does not run it. */
  drift: boolean;
}

/** The newest available image (by creation date, then name). */
export function newestImage(images: readonly ImageFacts[]): ImageFacts | undefined {
  let best: ImageFacts | undefined;
  for (const i of images) {
    if (i.state !== 'available') continue;
    if (!best || i.creationDate > best.creationDate || (i.creationDate === best.creationDate && i.name > best.name)) best = i;
  }
  return best;
}

/**
 * Drift of one pool. A pool whose current image is unknown is not reported
 * as drifted (nothing to compare); one already on a newer image than the
 * newest match (its image is in the list and younger) is not drifted either.
 */
export function poolDrift(pool: Omit<PoolDrift, 'newestImageId' | 'newestImageName' | 'drift'>, images: readonly ImageFacts[]): PoolDrift {
  const newest = newestImage(images);
  const current = images.find((i) => i.imageId === pool.currentImageId);
  const drift =
    newest !== undefined &&
    pool.currentImageId !== null &&
    newest.imageId !== pool.currentImageId &&
    (current === undefined || newest.creationDate > current.creationDate);
  return { ...pool, newestImageId: newest?.imageId ?? null, newestImageName: newest?.name ?? null, drift };
}

/** What a refresh run does. */
export type RefreshDecision =
  | { action: 'none' }
  | { action: 'report'; reason: 'auto-upgrade-off' | 'outside-window' }
  | { action: 'upgrade'; executionName: string; images: Record<string, string> };

/**
 * Decide: nothing drifted → none; auto-upgrade off or outside the window →
 * report only; otherwise upgrade the drifted pools (by group name) under a
 * name fixed for the event's UTC day, so a re-delivered event starts nothing twice.
 */
export function decideRefresh(input: {
  drifts: readonly PoolDrift[];
  autoUpgrade: boolean;
  window: MaintenanceWindow;
  now: number;
  eventTime: number;
}): RefreshDecision {
  const drifted = input.drifts.filter((d) => d.drift && d.newestImageId !== null);
  if (drifted.length === 0) return { action: 'none' };
  if (!input.autoUpgrade) return { action: 'report', reason: 'auto-upgrade-off' };
  if (!insideWindow(input.window, input.now)) return { action: 'report', reason: 'outside-window' };
  const images = Object.fromEntries(drifted.map((d) => [d.asgName, d.newestImageId as string]));
  return { action: 'upgrade', executionName: `ami-refresh-${new Date(input.eventTime).toISOString().slice(0, 10)}`, images };
}
